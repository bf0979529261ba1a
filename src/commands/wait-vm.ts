
import {HvCommand} from '../cli/base-command.js'
import {enumFlag, integerFlag, vmIdFlag, vmNameArg} from '../cli/flags.js'
import {InvalidArgumentError, InvalidStateError, TimeoutError} from '../core/errors.js'

const CONDITIONS = ['Heartbeat', 'Reboot', 'Off'] as const

export default class WaitVm extends HvCommand {
  static summary = 'Wait for a virtual machine to reach a condition (Wait-VM).'
  static description = `--for Heartbeat waits until the guest's Heartbeat integration service reports in; Reboot until the VM restarts; Off (an hv addition) until it turns off.
--timeout limits the wait in seconds (exit 8 when it runs out).`
  static examples = ['<%= config.bin %> wait-vm demo --for reboot --timeout 30', '<%= config.bin %> wait-vm k --for off']
  static strict = false
  static args = {name: vmNameArg('VM names (wildcards allowed).')}
  static flags = {
    ...vmIdFlag,
    for: enumFlag('For', CONDITIONS, 'What to wait for'),
    timeout: integerFlag('Timeout', 'Give up after this many seconds.'),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(WaitVm)
    if (flags.timeout !== undefined && flags.timeout <= 0) throw new InvalidArgumentError('--timeout takes a positive number of seconds.')
    const timeoutMs = (flags.timeout ?? Infinity) * 1000
    const deadline = Date.now() + timeoutMs
    const condition = flags.for ?? 'Heartbeat'
    for (const vm of await this.vmms.getVms(this.selector(argv, flags.id))) {
      if (condition === 'Off') {
        if (vm.worker) await this.vmms.lifecycle.waitForStop(vm.id, timeoutMs, new Date(0), deadline)
        continue
      }
      if (!vm.worker) throw new InvalidStateError(`The virtual machine '${vm.name}' is not running (it is ${vm.state}).`)
      const [first] = (await this.vmms.lifecycle.status([vm])).values()
      const resetsAtStart = first?.resets ?? 0
      for (;;) {
        const [current] = await this.vmms.getVms({ids: [vm.id]})
        const live = (await this.vmms.lifecycle.status([current])).get(vm.id)
        if (condition === 'Reboot' && live && live.resets > resetsAtStart) break
        // Hyper-V's wait for heartbeat ends at the first OK heartbeat (OkApplicationsUnknown, ...Healthy, ...Critical).
        if (condition === 'Heartbeat' && live?.heartbeat?.startsWith('Ok')) break
        if (!current.worker) throw new InvalidStateError(`The virtual machine '${vm.name}' stopped while waiting for ${condition}.`)
        if (Date.now() >= deadline) {
          throw new TimeoutError(
            condition === 'Heartbeat'
              ? `No heartbeat from '${vm.name}' within ${flags.timeout} seconds: the Heartbeat integration service is not running in the guest.`
              : `'${vm.name}' did not reboot within ${flags.timeout} seconds.`,
          )
        }
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    }
  }
}
