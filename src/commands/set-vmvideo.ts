import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {enumFlag, integerFlag, outputFlags, passthruFlag, vmIdFlag, whatIfFlag} from '../cli/flags.js'
import {vmVideoView} from '../cli/views/vm-video.js'
import {RESOLUTION_TYPES} from '../core/store/schema.js'
import {VIDEO_LIMITS} from '../core/vmms/index.js'

export default class SetVmVideo extends HvCommand {
  static summary = 'Change the video settings of VMs (Set-VMVideo).'
  static description = `Only while the VM is off. Resolutions from ${VIDEO_LIMITS.minWidth}x${VIDEO_LIMITS.minHeight} to ${VIDEO_LIMITS.maxWidth}x${VIDEO_LIMITS.maxHeight}; Single needs both. Recorded only: hv VMs have no display.`
  static examples = [
    '<%= config.bin %> set-vmvideo web01 -HorizontalResolution 1920 -VerticalResolution 1200',
    '<%= config.bin %> set-vmvideo web01 -ResolutionType Single -HorizontalResolution 1280 -VerticalResolution 720 --passthru',
  ]
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed).'})}
  static flags = {
    ...vmIdFlag,
    'resolution-type': enumFlag('ResolutionType', RESOLUTION_TYPES, 'Maximum: up to the size; Single: only the size; Default: the standard list'),
    'horizontal-resolution': integerFlag('HorizontalResolution', 'Display width in pixels.'),
    'vertical-resolution': integerFlag('VerticalResolution', 'Display height in pixels.'),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(SetVmVideo)
    const changes = {
      resolutionType: flags['resolution-type'],
      horizontalResolution: flags['horizontal-resolution'],
      verticalResolution: flags['vertical-resolution'],
    }
    const vms = await this.actOnVms(this.selector(argv, flags.id, 'VMName'), 'Set-VMVideo', flags, (ids) =>
      this.vmms.firmware.setVideo({ids}, changes),
    )
    if (flags.passthru) await this.print(vms, vmVideoView, flags)
  }
}
