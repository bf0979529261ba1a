import {Command} from '@oclif/core'

import {HvError} from '../core/errors.js'
import {InvalidArgumentError} from '../core/errors.js'
import {Vmms, type VmRecord, type VmSelector} from '../core/vmms/index.js'
import type {LifecycleResult} from '../core/vmms/vm-lifecycle.js'
import {confirmAction, whatIfLine, type ConfirmOptions} from './confirm.js'
import {EXIT_CODES} from './exit-codes.js'
import {ACTION_PREFERENCES, commonParameterFlags, type ActionPreference} from './flags.js'
import {normalizeArgv, type ParameterTable} from './powershell-args.js'
import {progressLine} from './progress.js'
import {renderItems, type OutputFormat, type View} from './render.js'
import {paint} from './style.js'
import type {VmWithStatus} from './views/vm.js'

/**
 * What every hv command shares: PowerShell-style parameters, the VMMS
 * connection, output in table/list/JSON form, confirmation, warnings, and one
 * error line with a documented exit code. Commands only parse, call the VMMS
 * and render.
 */
export abstract class HvCommand extends Command {
  /** PowerShell's common parameters, on every command (README: Parameters). */
  static baseFlags = commonParameterFlags

  private vmmsInstance?: Vmms
  /** Set when a confirmation was declined; the command then exits with the cancelled code. */
  private declined = false
  /** The common parameters given (oclif checks their values when it parses). */
  private preferences: CommonPreferences = {verbose: false, debug: false}

  protected override async init(): Promise<void> {
    const ctor = this.ctor as unknown as Partial<ParameterTable> & {baseFlags?: ParameterTable['flags']}
    // oclif would read a missing positional from a piped stdin (`echo x | hv get-vm` would select VM "x",
    // and every run from a script would wait for stdin and load readline): a cmdlet's parameters bind only
    // to what the command line says.
    for (const arg of Object.values(ctor.args ?? {}) as Array<{ignoreStdin?: boolean}>) arg.ignoreStdin = true
    this.argv = normalizeArgv(this.argv, {flags: {...ctor.baseFlags, ...ctor.flags}, args: ctor.args ?? {}})
    this.preferences = commonPreferences(this.argv)
    await super.init()
  }


  protected get vmms(): Vmms {
    this.vmmsInstance ??= Vmms.open()
    return this.vmmsInstance
  }

  /** Names given as String[]: several positionals and/or comma-separated lists. */
  protected names(argv: readonly unknown[]): string[] {
    return argv.flatMap((value) => String(value).split(',')).map((name) => name.trim()).filter((name) => name.length)
  }

  /** The VMs a mutating command acts on: by name (wildcards) and/or --id; at least one is required. */
  protected selector(argv: readonly unknown[], ids: string[] | undefined, parameter = 'Name'): VmSelector {
    const names = this.names(argv)
    if (names.length === 0 && !ids?.length) {
      throw new InvalidArgumentError(`Specify the virtual machine: give -${parameter} (or the name as the first argument) or --id.`)
    }
    return {names, ids: ids ?? []}
  }

  /**
   * The mutating-command pattern: resolve the targets (a plain name that matches
   * nothing is an error), ask ShouldProcess for each, then act on the accepted
   * ones by VMId, so a rename in between cannot redirect the change.
   */
  protected async actOnVms(
    selector: VmSelector,
    operation: string,
    flags: ConfirmOptions & {whatif?: boolean},
    act: (ids: string[]) => Promise<VmRecord[]>,
    needsConfirmation = false,
  ): Promise<VmRecord[]> {
    const targets = await this.vmms.getVms(selector)
    const accepted: string[] = []
    for (const vm of targets) {
      if (await this.shouldProcess(operation, vm.name, flags, needsConfirmation)) accepted.push(vm.id)
    }
    if (accepted.length === 0) return []
    return act(accepted)
  }

  /**
   * A lifecycle operation on every selected VM, in order: ShouldProcess, then
   * the operation; a VM already in the requested state is a warning, not an error.
   */
  protected async lifecycle(
    selector: VmSelector,
    operation: string,
    flags: ConfirmOptions & {whatif?: boolean},
    act: (id: string) => Promise<LifecycleResult>,
    needsConfirmation = false,
  ): Promise<VmRecord[]> {
    const targets = await this.vmms.getVms(selector)
    const done: VmRecord[] = []
    for (const vm of targets) {
      if (!(await this.shouldProcess(operation, vm.name, flags, needsConfirmation))) continue
      const result = await act(vm.id)
      if (result.warning) await this.warning(result.warning)
      done.push(result.vm)
    }
    return done
  }

  /** VMs as get-vm shows them, with live figures from the workers of running VMs. */
  protected async withStatus(vms: readonly VmRecord[], live = true): Promise<VmWithStatus[]> {
    const status = live ? await this.vmms.lifecycle.status(vms) : new Map()
    return vms.map((vm) => ({vm, live: status.get(vm.id)}))
  }

  protected outputFormat(flags: {json?: boolean; format?: OutputFormat}): OutputFormat {
    return flags.json ? 'json' : (flags.format ?? 'table')
  }

  protected async print<T, O extends object>(
    items: readonly T[],
    view: View<T, O>,
    flags: {json?: boolean; format?: OutputFormat},
  ): Promise<void> {
    const format = flags.json || flags.format ? this.outputFormat(flags) : view.defaultFormat ?? 'table'
    process.stdout.write(await renderItems(items, view, format))
  }

  /** A warning on stderr, as PowerShell's WARNING: stream, as -WarningAction says. */
  protected async warning(message: string): Promise<void> {
    const action = this.preferences.warningAction
    if (action === 'SilentlyContinue' || action === 'Ignore') return
    if (action === 'Stop') {
      throw new HvError(
        'invalid-state',
        `The running command stopped because the preference variable "WarningPreference" or common parameter is set to Stop: ${message}`,
      )
    }
    process.stderr.write(`${await paint(process.stderr, 'warning', `WARNING: ${message}`)}\n`)
  }

  /** PowerShell's VERBOSE: stream, shown with -Verbose (or -Debug). */
  protected verbose(message: string): void {
    if (this.preferences.verbose) process.stderr.write(`VERBOSE: ${message}\n`)
  }

  /** Progress of a long operation on a terminal, unless -ProgressAction hides it. */
  protected progress(label: string): ReturnType<typeof progressLine> {
    const action = this.preferences.progressAction
    return action === 'SilentlyContinue' || action === 'Ignore' ? {update: () => {}, end: () => {}} : progressLine(label)
  }

  /**
   * ShouldProcess for one target: false when --whatif (after saying what would
   * happen) or when the user declined at the prompt.
   */
  protected async shouldProcess(
    operation: string,
    target: string,
    flags: ConfirmOptions & {whatif?: boolean},
    needsConfirmation = true,
  ): Promise<boolean> {
    if (flags.whatif) {
      process.stdout.write(whatIfLine(operation, target))
      return false
    }
    // -Confirm (true) asks even where the cmdlet would not, as ShouldProcess does.
    if (needsConfirmation || flags.confirm === true) {
      const remedy = needsConfirmation ? undefined : 'leave out -Confirm, or pass -Confirm:$false'
      const accepted = await confirmAction(operation, target, flags, remedy)
      if (!accepted) {
        this.declined = true
        return false
      }
    }
    this.verbose(`Performing the operation "${operation}" on target "${target}".`)
    return true
  }

  protected override async finally(error: Error | undefined): Promise<void> {
    if (!error && this.declined) {
      process.exitCode = EXIT_CODES.cancelled
    }
    await super.finally(error)
  }

  override async catch(error: Error & {oclif?: {exit?: number}; code?: string}): Promise<void> {
    let message: string
    let exit: number
    if (error instanceof HvError) {
      // -ErrorAction SilentlyContinue/Ignore: the error is not shown and the command succeeds, so a
      // `set -e` script goes on as the PowerShell one does (it tests the output, which is empty).
      const action = this.preferences.errorAction
      if (action === 'SilentlyContinue' || action === 'Ignore') {
        process.exitCode = EXIT_CODES.ok
        return
      }
      message = error.reason
      exit = EXIT_CODES[error.kind]
    } else if (error.oclif?.exit !== undefined && error.oclif.exit !== 0) {
      // oclif's parse errors: unknown flag, missing value, unexpected argument, a missing required flag.
      message = parseErrorLine(error.message)
      exit = EXIT_CODES.usage
    } else if (error.code === 'EEXIT' || error.oclif?.exit === 0) {
      return // --help and --version end this way
    } else {
      const stack = process.env.HV_DEBUG || this.preferences.debug
      message = `internal error: ${error.message}${stack ? `\n${error.stack}` : ' (set HV_DEBUG=1 for details)'}`
      exit = EXIT_CODES.internal
    }
    process.stderr.write(`${await paint(process.stderr, 'error', `${this.id ?? 'hv'}: ${message}`)}\n`)
    process.exitCode = exit
  }
}


/**
 * oclif's parse errors span lines ("The following error occurred:" then the
 * reasons, then a hint to see --help): one line of their reasons, with the
 * missing mandatory parameters named as PowerShell names them.
 */
export function parseErrorLine(text: string): string {
  // oclif dims the reasons on a terminal.
  const plain = text.replace(/\u001b\[[0-9;]*m/g, '') // eslint-disable-line no-control-regex
  const lines = plain
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && line !== 'See more help with --help')
  const missing = lines.flatMap((line) => /^Missing required flag (\S+)$/.exec(line)?.[1] ?? [])
  if (missing.length) {
    return `Cannot process command because of one or more missing mandatory parameters: ${missing.map(pascalCase).join(', ')}.`
  }
  const reasons = lines[0]?.match(/^The following errors? occurred:$/) ? lines.slice(1) : lines
  return reasons.join('; ').replace(/^Error: /, '')
}

const pascalCase = (flag: string): string => flag.split('-').map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('')

interface CommonPreferences {
  errorAction?: ActionPreference
  warningAction?: ActionPreference
  progressAction?: ActionPreference
  verbose: boolean
  debug: boolean
}

/**
 * The common parameters read from the normalized command line before oclif
 * parses it, so that an error raised at any point (even while parsing the
 * command's own flags) is handled as -ErrorAction says.
 */
function commonPreferences(argv: readonly string[]): CommonPreferences {
  const preferences: CommonPreferences = {verbose: false, debug: false}
  const action = (value: string | undefined) => ACTION_PREFERENCES.find((p) => p.toLowerCase() === value?.toLowerCase())
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2)
    const value = () => inline ?? argv[i + 1]
    if (flag === '--error-action' || flag === '--ea') preferences.errorAction = action(value())
    else if (flag === '--warning-action' || flag === '--wa') preferences.warningAction = action(value())
    else if (flag === '--progress-action' || flag === '--proga') preferences.progressAction = action(value())
    else if (flag === '--verbose' || flag === '--vb') preferences.verbose = true
    else if (flag === '--debug' || flag === '--db') preferences.verbose = preferences.debug = true
    else if (flag === '--') break
  }
  return preferences
}
