import {InvalidArgumentError} from '../errors.js'
import type {MemorySettings, ProcessorSettings} from '../store/schema.js'
import type {ResolvedHost} from './host.js'

/**
 * The cmdlets' validation rules. Parameter ranges use PowerShell's ValidateRange
 * wording (the parameter name is the cmdlet's); cross-field rules use Hyper-V's.
 */

export const MB = 1024 * 1024
export const MIN_MEMORY = 32 * MB
/**
 * Hyper-V's per-VM memory ceiling: 1 TB for Generation 1, 12 TB for Generation 2.
 * Dynamic memory's maximum is checked against it, not against the host: it is
 * a ceiling the VM may never reach (New-VM's default is 1 TB), and the host's
 * capacity binds when memory is assigned.
 */
export const MAX_VM_MEMORY = {1: 1024 * 1024 * MB, 2: 12 * 1024 * 1024 * MB} as const
export const MAX_NAME_LENGTH = 100
const INVALID_NAME_CHARS = /[\\/:*?"<>|\u0000-\u001f]/

export function validateRange(parameter: string, value: number, min: number, max: number): void {
  if (!Number.isFinite(value) || !Number.isInteger(value)) {
    throw new InvalidArgumentError(
      `Cannot validate argument on parameter '${parameter}'. The argument "${value}" is not a whole number.`,
    )
  }
  if (value < min) {
    throw new InvalidArgumentError(
      `Cannot validate argument on parameter '${parameter}'. The ${value} argument is less than the minimum allowed range of ${min}. Supply an argument that is greater than or equal to ${min} and then try the command again.`,
    )
  }
  if (value > max) {
    throw new InvalidArgumentError(
      `Cannot validate argument on parameter '${parameter}'. The ${value} argument is greater than the maximum allowed range of ${max}. Supply an argument that is less than or equal to ${max} and then try the command again.`,
    )
  }
}

export function validateVmName(name: string, parameter = 'Name'): void {
  if (name.trim().length === 0) {
    throw new InvalidArgumentError(`Cannot validate argument on parameter '${parameter}'. The argument is null or empty.`)
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw new InvalidArgumentError(
      `The virtual machine name '${name.slice(0, 20)}...' is too long: it has ${name.length} characters; the maximum is ${MAX_NAME_LENGTH}.`,
    )
  }
  if (INVALID_NAME_CHARS.test(name)) {
    throw new InvalidArgumentError(
      `The virtual machine name '${name}' is not valid: it cannot contain control characters or any of \\ / : * ? " < > |`,
    )
  }
}

export function validateGeneration(generation: number): asserts generation is 1 | 2 {
  validateRange('Generation', generation, 1, 2)
}

function validateMemoryAmount(vmName: string, what: string, bytes: number, limit: {bytes: number; what: string}): void {
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new InvalidArgumentError(`Invalid ${what} memory amount assigned for '${vmName}': ${bytes} is not a positive number of bytes.`)
  }
  if (bytes % (2 * MB) !== 0) {
    throw new InvalidArgumentError(
      `Invalid ${what} memory amount assigned for '${vmName}': ${formatMb(bytes)} is not a multiple of 2 MB.`,
    )
  }
  if (bytes < MIN_MEMORY) {
    throw new InvalidArgumentError(
      `Invalid ${what} memory amount assigned for '${vmName}'. The minimum amount of memory you can assign to this virtual machine is '32' MB.`,
    )
  }
  if (bytes > limit.bytes) {
    throw new InvalidArgumentError(
      `Invalid ${what} memory amount assigned for '${vmName}': ${formatMb(bytes)} is more than ${limit.what} (${formatMb(limit.bytes)}).`,
    )
  }
}

/** Checks a whole memory configuration, as Hyper-V does when any part of it changes. */
export function validateMemory(vmName: string, memory: MemorySettings, host: ResolvedHost, generation: 1 | 2): void {
  const capacity = {bytes: host.memoryCapacity, what: "the host's memory capacity"}
  validateMemoryAmount(vmName, 'startup', memory.startup, capacity)
  validateRange('Buffer', memory.buffer, 5, 2000)
  validateRange('Priority', memory.priority, 0, 100)
  if (!memory.dynamicMemoryEnabled) return
  validateMemoryAmount(vmName, 'minimum', memory.minimum, capacity)
  validateMemoryAmount(vmName, 'maximum', memory.maximum, {bytes: MAX_VM_MEMORY[generation], what: `the most a Generation ${generation} virtual machine can have`})
  if (memory.minimum > memory.maximum) {
    throw new InvalidArgumentError(
      `Invalid memory configuration for '${vmName}': the minimum memory (${formatMb(memory.minimum)}) is greater than the maximum memory (${formatMb(memory.maximum)}).`,
    )
  }
  if (memory.startup < memory.minimum || memory.startup > memory.maximum) {
    throw new InvalidArgumentError(
      `Invalid memory configuration for '${vmName}': the startup memory (${formatMb(memory.startup)}) must be between the minimum (${formatMb(memory.minimum)}) and the maximum (${formatMb(memory.maximum)}).`,
    )
  }
}

export function validateProcessor(vmName: string, processor: ProcessorSettings, host: ResolvedHost): void {
  validateRange('Count', processor.count, 1, 240)
  if (processor.count > host.logicalProcessorCount) {
    throw new InvalidArgumentError(
      `The virtual machine '${vmName}' cannot have ${processor.count} virtual processors: the host has ${host.logicalProcessorCount} logical processors.`,
    )
  }
  validateRange('Reserve', processor.reserve, 0, 100)
  validateRange('Maximum', processor.maximum, 0, 100)
  validateRange('RelativeWeight', processor.relativeWeight, 0, 10000)
  validateRange('HwThreadCountPerCore', processor.hwThreadCountPerCore, 0, 2)
  validateRange('MaximumCountPerNumaNode', processor.maximumCountPerNumaNode, 1, 240)
  validateRange('MaximumCountPerNumaSocket', processor.maximumCountPerNumaSocket, 1, 64)
  if (processor.reserve > processor.maximum) {
    throw new InvalidArgumentError(
      `Invalid processor configuration for '${vmName}': the reserve (${processor.reserve}%) is greater than the maximum (${processor.maximum}%).`,
    )
  }
}

export function validateMacAddress(parameter: string, mac: string): string {
  const normalized = mac.replace(/[-:]/g, '').toUpperCase()
  if (!/^[0-9A-F]{12}$/.test(normalized)) {
    throw new InvalidArgumentError(
      `Cannot validate argument on parameter '${parameter}'. '${mac}' is not a MAC address (12 hexadecimal digits, optionally separated by - or :).`,
    )
  }
  if (parseInt(normalized.slice(0, 2), 16) & 1) {
    throw new InvalidArgumentError(`Cannot validate argument on parameter '${parameter}'. '${mac}' is a multicast address.`)
  }
  return normalized
}

export function formatMb(bytes: number): string {
  return `${Math.round((bytes / MB) * 100) / 100} MB`
}
