import {Args, Flags, type Interfaces} from '@oclif/core'

import {resolve} from 'node:path'

import {InvalidArgumentError} from '../core/errors.js'
import type {BootSource} from '../core/store/schema.js'
import {parseSize} from './sizes.js'
import {parseTimeSpan} from './timespan.js'

/**
 * The flag types every command shares, each converting and checking its value
 * with the cmdlets' wording. Ranges that depend on the host or the VM are the
 * VMMS's to check.
 */

/** Bytes: `512MB`, `1.5GB`, `1073741824`. */
export const sizeFlag = (parameter: string, description: string) =>
  Flags.custom<number>({description, helpValue: '<size>', parse: async (input) => parseSize(input, parameter)})()

/** A TimeSpan (`01:30:00`, `1.00:00:00`), in seconds. */
export const timeSpanFlag = (parameter: string, description: string) =>
  Flags.custom<number>({description, helpValue: '<hh:mm:ss>', parse: async (input) => parseTimeSpan(input, parameter)})()

export const integerFlag = (parameter: string, description: string) =>
  Flags.custom<number>({
    description,
    helpValue: '<n>',
    parse: async (input) => {
      if (!/^\s*-?\d+\s*$/.test(input)) {
        throw new InvalidArgumentError(
          `Cannot bind parameter '${parameter}'. Cannot convert value "${input}" to type "System.Int32": it is not a whole number.`,
        )
      }
      return Number(input)
    },
  })()

/**
 * A PowerShell [bool] parameter: true/false, $true/$false, 1/0. With
 * bareMeansTrue it behaves as a switch that also takes a value, like -Confirm.
 */
export const boolFlag = (parameter: string, description: string, bareMeansTrue = false) => {
  const flag = Flags.custom<boolean>({
    description,
    helpValue: 'true|false',
    parse: async (input) => {
      const value = input.trim().toLowerCase().replace(/^\$/, '')
      if (value === 'true' || value === '1') return true
      if (value === 'false' || value === '0') return false
      throw new InvalidArgumentError(
        `Cannot bind parameter '${parameter}'. Cannot convert value "${input}" to type "System.Boolean": use true or false.`,
      )
    },
  })()
  return Object.assign(flag, {bareMeansTrue})
}

/** An enum parameter, matched case-insensitively and returned in its canonical spelling. */
export const enumFlag = <T extends string>(parameter: string, values: readonly T[], description: string) =>
  Flags.custom<string>({
    description: `${description} (${values.join(', ')})`,
    helpValue: `<${values.join('|')}>`,
    parse: async (input) => {
      const match = values.find((v) => v.toLowerCase() === input.trim().toLowerCase())
      if (!match) {
        throw new InvalidArgumentError(
          `Cannot bind parameter '${parameter}'. Cannot convert value "${input}": specify one of the following enumerator names and try again: ${values.join(', ')}.`,
        )
      }
      return match
    },
  })() as unknown as Interfaces.OptionFlag<T | undefined>

/** Output shape for get-* commands (and anything that prints objects). */
export const outputFlags = {
  json: Flags.boolean({description: 'Print the objects as a JSON array, with the cmdlet property names.'}),
  format: enumFlag('Format', ['table', 'list', 'json'] as const, 'Output view'),
}

export const passthruFlag = {
  passthru: Flags.boolean({description: 'Print the changed objects (as --format or --json select).'}),
}

const confirmFlag = boolFlag(
  'Confirm',
  'Ask for confirmation (true) or not (false). Without a terminal, pass --force or --confirm false.',
  true,
)

/**
 * ShouldProcess, which every mutating cmdlet has: -WhatIf says what would
 * happen, -Confirm asks first (-Confirm:$false is how scripts say "never ask").
 */
export const whatIfFlag = {
  whatif: Flags.boolean({description: 'Show what would happen without doing it.', aliases: ['what-if', 'wi']}),
  confirm: confirmFlag,
}

/** Destructive commands: they ask unless told not to. */
export const confirmFlags = {
  force: Flags.boolean({description: 'Do not ask for confirmation.'}),
  confirm: confirmFlag,
}

/** Target VMs by VMId, besides names; `-VM` object input is a VMId or a name (see powershell-args.ts). */
const idFlag = Flags.string({description: 'VMId of a virtual machine (repeatable); -VM takes a VMId or a name.', multiple: true, aliases: ['vm-id']})
export const vmIdFlag = {id: Object.assign(idFlag, {vmObjectInput: true}) as typeof idFlag}

/** A VM cmdlet's -Name: the first positional, also bound as -VMName (its alias on the cmdlets). */
export const vmNameArg = (description: string) => Object.assign(Args.string({description}), {aliases: ['VMName']})

/** ActionPreference values, as -ErrorAction and -WarningAction take them. */
export const ACTION_PREFERENCES = ['Continue', 'Ignore', 'Inquire', 'SilentlyContinue', 'Stop'] as const
export type ActionPreference = (typeof ACTION_PREFERENCES)[number]

const COMMON = 'COMMON PARAMETERS'
const commonText = (alias: string, description: string) => Flags.string({description, aliases: [alias], helpGroup: COMMON})

/**
 * PowerShell's common parameters, which every cmdlet accepts: scripts pass
 * them everywhere. What hv does with each is in the README (Parameters).
 */
export const commonParameterFlags = {
  'error-action': Object.assign(enumFlag('ErrorAction', ACTION_PREFERENCES, 'What an error does: SilentlyContinue and Ignore print nothing and exit 0'), {
    aliases: ['ea'], helpGroup: COMMON,
  }),
  'warning-action': Object.assign(enumFlag('WarningAction', ACTION_PREFERENCES, 'What a warning does: SilentlyContinue and Ignore hide it, Stop makes it an error'), {
    aliases: ['wa'], helpGroup: COMMON,
  }),
  'information-action': Object.assign(enumFlag('InformationAction', ACTION_PREFERENCES, 'Accepted; hv writes no information records'), {
    aliases: ['infa'], helpGroup: COMMON,
  }),
  'progress-action': Object.assign(enumFlag('ProgressAction', ACTION_PREFERENCES, 'SilentlyContinue and Ignore hide progress'), {
    aliases: ['proga'], helpGroup: COMMON,
  }),
  verbose: Flags.boolean({description: 'Say on stderr (VERBOSE:) what each operation does to which target.', aliases: ['vb'], helpGroup: COMMON}),
  debug: Flags.boolean({description: 'As --verbose, and an internal error prints its stack.', aliases: ['db'], helpGroup: COMMON}),
  'error-variable': commonText('ev', 'Accepted and ignored: a shell has no PowerShell variables.'),
  'warning-variable': commonText('wv', 'Accepted and ignored.'),
  'information-variable': commonText('iv', 'Accepted and ignored.'),
  'out-variable': commonText('ov', 'Accepted and ignored.'),
  'pipeline-variable': commonText('pv', 'Accepted and ignored.'),
  'out-buffer': commonText('ob', 'Accepted and ignored.'),
}

/** What a VM boots: hv's own parameters beside the cmdlet's. */
export const bootSourceFlags = {
  guest: Flags.string({description: 'Boot a built-in guest by name (tinyos, ...).', exclusive: ['boot-kernel', 'firmware']}),
  'boot-kernel': Flags.string({description: 'Boot a kernel file: Multiboot or a Linux bzImage (as QEMU -kernel).', exclusive: ['firmware']}),
  'kernel-command-line': Flags.string({description: 'Command line given to the --boot-kernel kernel or built-in guest (as QEMU -append).'}),
  initrd: Flags.string({description: 'The initial ramdisk of a Linux --boot-kernel (as QEMU -initrd).'}),
  firmware: Flags.string({description: 'Boot a raw BIOS ROM image from the reset vector (as QEMU -bios).'}),
}

export function bootSourceFrom(flags: {guest?: string; 'boot-kernel'?: string; 'kernel-command-line'?: string; initrd?: string; firmware?: string}): BootSource | undefined {
  if (flags.guest !== undefined) {
    if (flags.initrd !== undefined) throw new InvalidArgumentError('--initrd goes with --boot-kernel; a built-in guest brings its own.')
    return {kind: 'guest', name: flags.guest, ...(flags['kernel-command-line'] !== undefined ? {commandLine: flags['kernel-command-line']} : {})}
  }
  if (flags['boot-kernel'] !== undefined) {
    return {
      kind: 'kernel', path: resolve(flags['boot-kernel']),
      ...(flags['kernel-command-line'] !== undefined ? {commandLine: flags['kernel-command-line']} : {}),
      ...(flags.initrd !== undefined ? {initrd: resolve(flags.initrd)} : {}),
    }
  }
  if (flags.firmware !== undefined) return {kind: 'firmware', path: resolve(flags.firmware)}
  if (flags['kernel-command-line'] !== undefined) throw new InvalidArgumentError('--kernel-command-line goes with --boot-kernel.')
  if (flags.initrd !== undefined) throw new InvalidArgumentError('--initrd goes with --boot-kernel.')
  return undefined
}

/** A PowerShell array argument: `a,b,c`, also written `@("a", "b")`. */
export function splitList(input: string): string[] {
  const inner = input.trim().replace(/^@\((.*)\)$/s, '$1')
  return inner.split(',').map((item) => item.trim().replace(/^(['"])(.*)\1$/, '$2').trim()).filter((item) => item.length)
}

/** A list of enum values (`-StartupOrder CD,IDE,...`), each matched case-insensitively. */
export const enumListFlag = <T extends string>(parameter: string, values: readonly T[], description: string) =>
  Flags.custom<T[]>({
    description: `${description} (a comma-separated list of ${values.join(', ')})`,
    helpValue: '<a,b,...>',
    parse: async (input) =>
      splitList(input).map((item) => {
        const match = values.find((v) => v.toLowerCase() === item.toLowerCase())
        if (!match) {
          throw new InvalidArgumentError(
            `Cannot bind parameter '${parameter}'. Cannot convert value "${item}": specify one of the following enumerator names and try again: ${values.join(', ')}.`,
          )
        }
        return match
      }),
  })()
