import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {comPortArgs, comPortFlags, comPortNumber, comPortSelector} from '../cli/com-port-flags.js'
import {enumFlag, outputFlags, passthruFlag, vmIdFlag, whatIfFlag} from '../cli/flags.js'
import {vmComPortView} from '../cli/views/vm-com-port.js'
import {InvalidArgumentError} from '../core/errors.js'
import {ON_OFF_STATES, type ComPortRow} from '../core/vmms/index.js'

export default class SetVmComPort extends HvCommand {
  static summary = 'Connect a COM port of VMs to nothing, the console, or a named pipe (Set-VMComPort).'
  static description = `-Path '' disconnects the port; -Path hv:console connects it to the VM's console log, which get-vmconsole prints and connect-vm attaches to (COM1's default); any other Path is a named pipe: \\\\.\\pipe\\NAME is the Unix socket $HV_HOME/pipes/NAME, and a filesystem path (in a folder that exists) is that socket itself. The VM's worker listens there: connect with \`socat - UNIX-CONNECT:PATH\` or a debugger. A running VM reconnects at once; an Off or Saved one when it starts.
-DebuggerMode is recorded only.`
  static examples = [
    '<%= config.bin %> set-vmcomport demo 2 \\\\.\\pipe\\demo-com2',
    '<%= config.bin %> set-vmcomport demo -Number 1 -Path /tmp/demo-com1.sock',
    "<%= config.bin %> set-vmcomport demo -Number 1 -Path ''",
    '<%= config.bin %> set-vmcomport demo -Number 1 -Path hv:console --passthru',
  ]
  static args = {
    ...comPortArgs,
    position3: Args.string({description: 'The path, as -Path.', hidden: true}),
  }
  static flags = {
    ...vmIdFlag,
    ...comPortFlags,
    path: Flags.string({description: "What the port connects to: '', hv:console, \\\\.\\pipe\\NAME or a socket path."}),
    'debugger-mode': enumFlag('DebuggerMode', ON_OFF_STATES, 'Recorded only: Hyper-V\'s aid to the Windows kernel debugger'),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(SetVmComPort)
    const number = comPortNumber(flags.number, args.position2, true)!
    if (flags.path !== undefined && args.position3 !== undefined) {
      throw new InvalidArgumentError(`A positional parameter cannot be found that accepts argument '${args.position3}': -Path is given as well.`)
    }
    const path = flags.path ?? args.position3
    const selector = comPortSelector(this.names(args.vmName ? [args.vmName] : []), flags.id, flags.vm)
    if (selector.names!.length === 0 && selector.ids!.length === 0) {
      throw new InvalidArgumentError('Specify the virtual machine: give -VMName (or the name as the first argument), -VM or --id.')
    }
    let rows: ComPortRow[] = []
    await this.actOnVms(selector, 'Set-VMComPort', flags, async (ids) => {
      rows = await this.vmms.comPorts.set({ids}, number, {path, debuggerMode: flags['debugger-mode']})
      return rows.map((row) => row.vm)
    })
    if (flags.passthru) await this.print(rows, vmComPortView, flags)
  }
}
