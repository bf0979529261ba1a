
import {HvCommand} from '../cli/base-command.js'
import {vmIdFlag, vmNameArg} from '../cli/flags.js'
import {InvalidArgumentError, InvalidStateError} from '../core/errors.js'
import {COM_PORT_CONSOLE, comPortName, comPortsOf, consoleComPort} from '../core/vmms/index.js'
import {connect} from '../core/worker/control-client.js'

/** Ctrl+] detaches, as in telnet and virsh console. */
const DETACH = 0x1d
/** With piped input: detach once input has ended and the guest has been quiet this long. */
const QUIET_MS = 700

export default class ConnectVm extends HvCommand {
  static summary = 'Attach the terminal to a running VM\'s serial console (COM1, or the COM port set-vmcomport put on the console).'
  static description = `What you type goes to the guest's COM1 and what it writes appears here. Press Ctrl+] to detach: the VM keeps running.
With input from a pipe, the input is sent and the command detaches once the guest has been quiet for a moment after the input ended.`
  static examples = ['<%= config.bin %> connect-vm demo', "printf 'uptime\\r' | <%= config.bin %> connect-vm demo"]
  static args = {name: vmNameArg('The VM.')}
  static flags = {...vmIdFlag}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ConnectVm)
    const vms = await this.vmms.getVms(this.selector(args.name ? [args.name] : [], flags.id))
    if (vms.length !== 1) throw new InvalidArgumentError('connect-vm attaches to one virtual machine; the name given selects several.')
    const vm = vms[0]
    if (!vm.worker || (vm.state !== 'Running' && vm.state !== 'Paused')) {
      throw new InvalidStateError(`The virtual machine '${vm.name}' is not running (it is ${vm.state}).`)
    }
    const port = consoleComPort(vm)
    if (port === null) {
      const sockets = comPortsOf(vm).map((p, i) => ({path: p.path, name: comPortName(i + 1)})).filter((p) => p.path !== '')
      const where = sockets.map((p) => `${p.name} is on '${p.path}' (socat - UNIX-CONNECT:${p.path})`).join('; ')
      throw new InvalidStateError(`No COM port of '${vm.name}' is connected to the console${where ? `: ${where}` : ''}. Connect one with set-vmcomport ${vm.name} -Number 1 -Path ${COM_PORT_CONSOLE}.`)
    }
    const socket = await connect(vm.worker.socket, 5_000)
    const interactive = process.stdin.isTTY === true
    await new Promise<void>((resolve) => {
      let buffered = ''
      let quietTimer: NodeJS.Timeout | null = null
      let inputEnded = false
      // Input waits until the worker has switched the connection to streaming.
      let attached = false
      const early: Buffer[] = []
      const send = (data: Buffer) => {
        const stop = data.indexOf(DETACH)
        const input = stop >= 0 ? data.subarray(0, stop) : data
        if (input.length) socket.write(`${JSON.stringify({input: input.toString('base64')})}\n`)
        if (stop >= 0) detach(`Detached from '${vm.name}'; it keeps running.`)
      }
      const detach = (message: string) => {
        if (interactive) process.stdin.setRawMode(false)
        process.stdin.pause()
        socket.destroy()
        if (interactive) process.stderr.write(`\r\n${message}\r\n`)
        resolve()
      }
      const armQuietTimer = () => {
        if (!inputEnded || !attached) return
        if (quietTimer) clearTimeout(quietTimer)
        quietTimer = setTimeout(() => detach(`Detached from '${vm.name}'; it keeps running.`), QUIET_MS)
      }
      socket.setEncoding('utf8')
      socket.on('data', (chunk: string) => {
        buffered += chunk
        let newline: number
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const message = JSON.parse(buffered.slice(0, newline)) as {console?: string; attached?: boolean}
          buffered = buffered.slice(newline + 1)
          if (message.attached) {
            attached = true
            if (interactive) process.stderr.write(`Connected to ${comPortName(port).replace(' ', '')} of '${vm.name}'. Press Ctrl+] to detach.\r\n`)
            for (const data of early.splice(0)) send(data)
            armQuietTimer()
          }
          if (message.console) {
            process.stdout.write(Buffer.from(message.console, 'base64'))
            armQuietTimer()
          }
        }
      })
      socket.on('close', () => detach(`The virtual machine '${vm.name}' stopped.`))
      socket.write(`${JSON.stringify({id: 1, op: 'attach'})}\n`)
      if (interactive) process.stdin.setRawMode(true)
      process.stdin.on('data', (data: Buffer) => (attached ? send(data) : early.push(data)))
      process.stdin.on('end', () => {
        inputEnded = true
        armQuietTimer()
      })
      process.stdin.resume()
    })
  }
}
