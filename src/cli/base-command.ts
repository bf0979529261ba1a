import {Command} from '@oclif/core'

import {HvError} from '../core/errors.js'
import {InvalidArgumentError} from '../core/errors.js'
import {Vmms, type VmRecord, type VmSelector} from '../core/vmms/index.js'
import type {LifecycleResult} from '../core/vmms/vm-lifecycle.js'
import {confirmAction, whatIfLine, type ConfirmOptions} from './confirm.js'
import {EXIT_CODES} from './exit-codes.js'
import {normalizeArgv, type ParameterTable} from './powershell-args.js'
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
  private vmmsInstance?: Vmms
  /** Set when a confirmation was declined; the command then exits with the cancelled code. */
  private declined = false

  protected override async init(): Promise<void> {
    const ctor = this.ctor as unknown as Partial<ParameterTable>
    this.argv = normalizeArgv(this.argv, {flags: ctor.flags ?? {}, args: ctor.args ?? {}})
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
    process.stdout.write(await renderItems(items, view, this.outputFormat(flags)))
  }

  /** A warning on stderr, as PowerShell's WARNING: stream. */
  protected async warning(message: string): Promise<void> {
    process.stderr.write(`${await paint(process.stderr, 'warning', `WARNING: ${message}`)}\n`)
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
    if (!needsConfirmation) return true
    const accepted = await confirmAction(operation, target, flags)
    if (!accepted) this.declined = true
    return accepted
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
      message = error.reason
      exit = EXIT_CODES[error.kind]
    } else if (error.oclif?.exit !== undefined && error.oclif.exit !== 0) {
      // oclif's parse errors: unknown flag, missing value, unexpected argument.
      message = error.message.split('\n')[0].replace(/^Error: /, '')
      exit = EXIT_CODES.usage
    } else if (error.code === 'EEXIT' || error.oclif?.exit === 0) {
      return // --help and --version end this way
    } else {
      message = `internal error: ${error.message}${process.env.HV_DEBUG ? `\n${error.stack}` : ' (set HV_DEBUG=1 for details)'}`
      exit = EXIT_CODES.internal
    }
    process.stderr.write(`${await paint(process.stderr, 'error', `${this.id ?? 'hv'}: ${message}`)}\n`)
    process.exitCode = exit
  }
}

