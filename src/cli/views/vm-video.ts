import type {VmRecord} from '../../core/vmms/index.js'
import type {View} from '../render.js'

/** Get-VMVideo's VMVideo object. */
export function vmVideoObject(vm: VmRecord) {
  return {
    VMName: vm.name,
    VMId: vm.id,
    ResolutionType: vm.video.resolutionType,
    HorizontalResolution: vm.video.horizontalResolution,
    VerticalResolution: vm.video.verticalResolution,
  }
}

export const vmVideoView: View<VmRecord, ReturnType<typeof vmVideoObject>> = {
  object: vmVideoObject,
  columns: [
    {header: 'VMName', value: (vm) => vm.name},
    {header: 'ResolutionType', value: (vm) => vm.video.resolutionType},
    {header: 'HorizontalResolution', value: (vm) => vm.video.horizontalResolution, align: 'right'},
    {header: 'VerticalResolution', value: (vm) => vm.video.verticalResolution, align: 'right'},
  ],
}
