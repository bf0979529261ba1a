import {InvalidStateError} from '../errors.js'
import type {VmRecord, VmState} from '../store/schema.js'

/**
 * What each management operation may start from, and the state it aims at.
 * Transitional states (Starting, Saving, ...) belong to a worker that is acting
 * on the VM; no new operation may begin from them.
 */
export type VmOperation =
  | 'start' | 'stop' | 'turn-off' | 'save' | 'pause' | 'resume' | 'restart' | 'remove' | 'reconfigure-hardware'
  | 'checkpoint' | 'apply-checkpoint' | 'export' | 'remove-saved-state' | 'upgrade-version'

interface OperationRule {
  from: readonly VmState[]
  /** The steady state the operation ends in; starting there already is a warning, not an error. */
  target: VmState | null
  verb: string
}

const RULES: Record<VmOperation, OperationRule> = {
  start: {from: ['Off', 'OffCritical', 'Saved', 'SavedCritical', 'Paused'], target: 'Running', verb: 'start'},
  stop: {from: ['Running'], target: 'Off', verb: 'shut down'},
  'turn-off': {from: ['Running', 'Paused', 'Saved', 'RunningCritical', 'PausedCritical', 'SavedCritical'], target: 'Off', verb: 'turn off'},
  save: {from: ['Running', 'Paused'], target: 'Saved', verb: 'save'},
  pause: {from: ['Running'], target: 'Paused', verb: 'pause'},
  resume: {from: ['Paused'], target: 'Running', verb: 'resume'},
  restart: {from: ['Running'], target: null, verb: 'restart'},
  remove: {from: ['Off', 'OffCritical', 'Saved', 'SavedCritical'], target: null, verb: 'be deleted'},
  'reconfigure-hardware': {from: ['Off', 'OffCritical'], target: null, verb: 'be reconfigured'},
  checkpoint: {from: ['Off', 'OffCritical', 'Saved', 'SavedCritical', 'Running', 'Paused'], target: null, verb: 'create a checkpoint'},
  'apply-checkpoint': {from: ['Off', 'OffCritical', 'Saved', 'SavedCritical'], target: null, verb: 'apply the checkpoint'},
  export: {from: ['Off', 'OffCritical', 'Saved', 'SavedCritical'], target: null, verb: 'be exported'},
  'remove-saved-state': {from: ['Saved', 'SavedCritical'], target: null, verb: 'remove its saved state'},
  // A saved state belongs to the configuration version it was saved with: Hyper-V upgrades only VMs that are off.
  'upgrade-version': {from: ['Off', 'OffCritical'], target: null, verb: 'upgrade its configuration version'},
}

export type TransitionCheck = {allowed: true} | {allowed: false; alreadyThere: true}

/**
 * Throws the cmdlets' invalid-state error unless `op` may start from the VM's state.
 * Returns alreadyThere when the VM already is in the operation's target state,
 * which callers report as a warning.
 */
export function checkTransition(vm: VmRecord, op: VmOperation): TransitionCheck {
  const rule = RULES[op]
  if (rule.from.includes(vm.state)) return {allowed: true}
  if (rule.target === vm.state) return {allowed: false, alreadyThere: true}
  throw new InvalidStateError(
    `'${vm.name}' failed to ${rule.verb}: the operation cannot be performed while the virtual machine is in its current state (${vm.state}).`,
  )
}
