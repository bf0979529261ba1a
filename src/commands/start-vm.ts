import {Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {integerFlag, outputFlags, passthruFlag, vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {vmView} from '../cli/views/vm.js'
import {InvalidArgumentError} from '../core/errors.js'

export default class StartVm extends HvCommand {
  static summary = 'Start virtual machines (Start-VM).'
  static description = `Starts a VM that is Off (it boots), Saved (it resumes exactly where it was saved) or Paused (it resumes).
Returns once the VM runs. With --wait, blocks until the VM turns off and exits with the guest's exit status: the value it wrote to the test-exit port 0xF4, 0 for a clean power-off, 255 if it crashed; --timeout limits the wait (exit 8 when it runs out, the VM left running).`
  static examples = [
    '<%= config.bin %> start-vm demo',
    '<%= config.bin %> start-vm k --wait --timeout 30',
    "<%= config.bin %> start-vm 'web*'",
  ]
  static strict = false
  static args = {name: vmNameArg('VM names (wildcards allowed).')}
  static flags = {
    ...vmIdFlag,
    wait: Flags.boolean({description: 'Wait until the VM turns off; exit with the guest\'s exit status.'}),
    timeout: integerFlag('Timeout', 'With --wait: give up after this many seconds.'),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(StartVm)
    if (flags.timeout !== undefined && (!flags.wait || flags.timeout <= 0)) {
      throw new InvalidArgumentError('--timeout goes with --wait and takes a positive number of seconds.')
    }
    const selector = this.selector(argv, flags.id)
    if (flags.wait && (await this.vmms.getVms(selector)).length !== 1) {
      throw new InvalidArgumentError('--wait waits for one virtual machine; the names given select several (or none).')
    }
    const since = new Date()
    const vms = await this.lifecycle(selector, 'Start-VM', flags, (id) => this.vmms.lifecycle.start(id))
    if (flags.passthru) await this.print(await this.withStatus(vms), vmView, flags)
    if (flags.wait && vms.length === 1) {
      const report = await this.vmms.lifecycle.waitForStop(vms[0].id, (flags.timeout ?? Infinity) * 1000, since)
      if (report.reason === 'crashed' || report.reason === 'triple-fault' || report.reason === 'guest-crash') await this.warning(report.message)
      process.exitCode = report.exitStatus
    }
  }
}
