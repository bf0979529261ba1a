import {HvCommand} from '../cli/base-command.js'
import {outputFlags, vmIdFlag, vmNameArg} from '../cli/flags.js'
import {meteringReportView} from '../cli/views/vm-metering-report.js'
import {InvalidStateError} from '../core/errors.js'

export default class MeasureVm extends HvCommand {
  static summary = 'Report the resource utilization data of VMs (Measure-VM).'
  static description =
    'Only for VMs whose resource metering is on (enable-vmresourcemetering). Averages are over MeteringDuration, the time the VM ran since metering was enabled or reset; AvgCPU is in MHz of the emulated host\'s 100 MHz processor. For a VM that is not metered the reports of the others are printed, then the error (exit 4).'
  static examples = [
    '<%= config.bin %> measure-vm web01',
    "<%= config.bin %> Measure-VM -VMName 'web*' --json",
  ]
  static strict = false
  static args = {name: vmNameArg('VM names (several, or comma-separated; wildcards allowed).')}
  static flags = {...vmIdFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(MeasureVm)
    const vms = await this.vmms.getVms(this.selector(argv, flags.id))
    const {reports, unmetered} = await this.vmms.metering.measure(vms)
    // A refusal of every VM asked about prints no empty report: the error says it all.
    if (reports.length || !unmetered.length) await this.print(reports, meteringReportView, flags)
    if (unmetered.length) {
      const names = unmetered.map((vm) => `'${vm.name}'`).join(', ')
      throw new InvalidStateError(
        `Resource metering is not enabled for the virtual machine${unmetered.length > 1 ? 's' : ''} ${names}: enable it with enable-vmresourcemetering.`,
      )
    }
  }
}
