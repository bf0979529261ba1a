import {InvalidArgumentError} from '../../errors.js'
import type {ResolutionType, VideoSettings} from '../../store/schema.js'
import {validateRange} from '../validation.js'

/** The display sizes hv accepts for the synthetic video adapter (recorded only: hv has no display). */
export const VIDEO_LIMITS = {minWidth: 640, maxWidth: 7680, minHeight: 480, maxHeight: 4320} as const

export interface VideoChanges {
  resolutionType?: ResolutionType
  horizontalResolution?: number
  verticalResolution?: number
}

/**
 * Set-VMVideo's rules: each resolution within the adapter's limits; Single
 * means exactly the given size, so it needs both; Default uses the standard
 * list and keeps the given size only as a record.
 */
export function applyVideoChanges(vmName: string, current: VideoSettings, changes: VideoChanges): VideoSettings {
  if (changes.horizontalResolution !== undefined) {
    validateRange('HorizontalResolution', changes.horizontalResolution, VIDEO_LIMITS.minWidth, VIDEO_LIMITS.maxWidth)
  }
  if (changes.verticalResolution !== undefined) {
    validateRange('VerticalResolution', changes.verticalResolution, VIDEO_LIMITS.minHeight, VIDEO_LIMITS.maxHeight)
  }
  const next: VideoSettings = {
    resolutionType: changes.resolutionType ?? current.resolutionType,
    horizontalResolution: changes.horizontalResolution ?? current.horizontalResolution,
    verticalResolution: changes.verticalResolution ?? current.verticalResolution,
  }
  if (
    changes.resolutionType === 'Single' &&
    (changes.horizontalResolution === undefined || changes.verticalResolution === undefined)
  ) {
    throw new InvalidArgumentError(
      `Set-VMVideo on '${vmName}': -ResolutionType Single needs both -HorizontalResolution and -VerticalResolution (the one resolution the display supports).`,
    )
  }
  return next
}
