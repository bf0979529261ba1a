import {NotFoundError} from '../errors.js'
import type {VmRecord} from '../store/schema.js'
import {isWildcardPattern, nameMatches} from './wildcard.js'

/** Which VMs a request is about: names (wildcards allowed), VMIds, or all when both are empty. */
export interface VmSelector {
  names?: string[]
  ids?: string[]
}

/**
 * Resolve a selector the way the cmdlets do: a plain name that matches nothing is
 * an error; a wildcard that matches nothing is simply an empty result. Duplicate
 * names are legal in Hyper-V, so one name may select several VMs.
 */
export function selectVms(vms: readonly VmRecord[], selector: VmSelector): VmRecord[] {
  const names = selector.names ?? []
  const ids = selector.ids ?? []
  if (names.length === 0 && ids.length === 0) return sortVms(vms)
  const chosen = new Set<VmRecord>()
  for (const pattern of names) {
    const matches = vms.filter((vm) => nameMatches(pattern, vm.name))
    if (matches.length === 0 && !isWildcardPattern(pattern)) {
      throw new NotFoundError(`Hyper-V was unable to find a virtual machine with name "${pattern}".`)
    }
    for (const vm of matches) chosen.add(vm)
  }
  for (const id of ids) {
    const vm = vms.find((candidate) => candidate.id.toLowerCase() === id.toLowerCase())
    if (!vm) throw new NotFoundError(`Hyper-V was unable to find a virtual machine with ID "${id}".`)
    chosen.add(vm)
  }
  return sortVms([...chosen])
}

/**
 * Stable output order: by name ignoring case, then by creation time (duplicates).
 * A plain comparison: a locale collator would load ICU data on every command.
 */
export function sortVms(vms: readonly VmRecord[]): VmRecord[] {
  const key = (vm: VmRecord) => `${vm.name.toLowerCase()}\u0000${vm.creationTime}`
  return [...vms].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
}
