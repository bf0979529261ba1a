import {Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {consoleText, followConsole, readConsole} from '../cli/console-output.js'
import {integerFlag, vmIdFlag, vmNameArg} from '../cli/flags.js'
import {InvalidArgumentError} from '../core/errors.js'
import {COM_PORT_CONSOLE, consoleComPort} from '../core/vmms/index.js'

export default class GetVmConsole extends HvCommand {
  static summary = 'Print what a VM wrote to its serial console (COM1, or the COM port on the console).'
  static description = `Shows the console of the VM's current (or last) session: everything the guest wrote to COM1 since it booted; a restored VM's console continues its saved session.
By default, line ends are normalised and control characters and escape sequences are dropped; --raw prints the exact bytes. --follow keeps printing as the guest writes, until the VM stops (or Ctrl+C).`
  static examples = [
    '<%= config.bin %> get-vmconsole demo',
    '<%= config.bin %> get-vmconsole demo --tail 20',
    '<%= config.bin %> get-vmconsole demo --follow',
    '<%= config.bin %> get-vmconsole k --raw > com1.bin',
  ]
  static args = {name: vmNameArg('The VM.')}
  static flags = {
    ...vmIdFlag,
    raw: Flags.boolean({description: 'Print the exact bytes the guest wrote.'}),
    follow: Flags.boolean({char: 'f', description: 'Keep printing new output until the VM stops.'}),
    tail: integerFlag('Tail', 'Print only the last N lines.'),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(GetVmConsole)
    const vms = await this.vmms.getVms(this.selector(args.name ? [args.name] : [], flags.id))
    if (vms.length !== 1) throw new InvalidArgumentError('get-vmconsole shows one virtual machine; the name given selects several.')
    if (flags.tail !== undefined && flags.tail < 0) throw new InvalidArgumentError('--tail takes a number of lines, 0 or more.')
    const vm = vms[0]
    if (consoleComPort(vm) === null) {
      await this.warning(`No COM port of '${vm.name}' is connected to the console (set-vmcomport ${vm.name} -Number 1 -Path ${COM_PORT_CONSOLE}); the console has only what was written while one was.`)
    }
    let {bytes, size} = await readConsole(vm)
    if (flags.tail !== undefined) bytes = lastLines(bytes, flags.tail)
    process.stdout.write(flags.raw ? bytes : consoleText(bytes, process.stdout.isTTY === true))
    if (flags.follow) {
      await followConsole(this.vmms, vm, size, (chunk) => {
        process.stdout.write(flags.raw ? chunk : consoleText(chunk, process.stdout.isTTY === true))
      })
    }
  }
}

function lastLines(bytes: Buffer, count: number): Buffer {
  if (count === 0) return Buffer.alloc(0)
  let end = bytes.length
  if (end > 0 && bytes[end - 1] === 0x0a) end-- // a final newline does not start a line
  let start = end
  for (let seen = 0; start > 0; start--) {
    if (bytes[start - 1] === 0x0a && ++seen === count) break
  }
  return bytes.subarray(start)
}
