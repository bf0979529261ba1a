import type {PciConfigSpace} from './config-space.js'

/**
 * One function of a device on PCI bus 0, as the configuration-space bus sees
 * it: where it sits and its configuration registers. What the function does
 * with those registers (an I/O BAR it decodes, an enable bit it honours) is
 * read from the space when needed, so the space is the only state the bus
 * keeps for it.
 */
export interface PciFunction {
  /** Unique on the bus; keys the function's space in the bus's saved state. */
  readonly name: string
  /** Device number 0-31 and function number 0-7 on bus 0. */
  readonly device: number
  readonly function: number
  readonly config: PciConfigSpace
}
