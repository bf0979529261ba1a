import {HvCommand} from '../cli/base-command.js'
import {comPortArgs, comPortFlags, comPortNumber, comPortSelector} from '../cli/com-port-flags.js'
import {outputFlags, vmIdFlag} from '../cli/flags.js'
import {vmComPortView} from '../cli/views/vm-com-port.js'

export default class GetVmComPort extends HvCommand {
  static summary = 'Show the COM ports of VMs and what each is connected to (Get-VMComPort).'
  static description = `Path is '' when the port is connected to nothing, hv:console when it is on the VM's console log (get-vmconsole, connect-vm), or the Unix socket the VM's worker listens on (a named pipe \\\\.\\pipe\\NAME is shown as the socket it maps to, $HV_HOME/pipes/NAME).`
  static examples = [
    '<%= config.bin %> get-vmcomport demo',
    '<%= config.bin %> get-vmcomport demo 2',
    '<%= config.bin %> Get-VMComPort -VMName demo -Number 1 --json',
  ]
  static args = comPortArgs
  static flags = {...vmIdFlag, ...comPortFlags, ...outputFlags}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(GetVmComPort)
    const number = comPortNumber(flags.number, args.position2, false)
    const vms = await this.vmms.getVms(comPortSelector(this.names(args.vmName ? [args.vmName] : []), flags.id, flags.vm))
    await this.print(this.vmms.comPorts.rows(vms, number), vmComPortView, flags)
  }
}
