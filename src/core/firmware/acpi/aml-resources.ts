/**
 * Resource descriptors (ACPI 6.x section 6.4) for _CRS buffers: what a device
 * decodes. Small descriptors carry their length in the tag byte; large ones
 * have a 0x80-flagged tag followed by a 16-bit length.
 */
import {ByteWriter} from '../byte-writer.js'
import {type Aml, buffer, concat} from './aml.js'

const SMALL_IRQ_NO_FLAGS = (0x04 << 3) | 2 // IRQ descriptor, 2 bytes: mask only (edge, active high, exclusive)
const SMALL_IO = (0x08 << 3) | 7
const SMALL_END_TAG = (0x0f << 3) | 1
const LARGE_DWORD_ADDRESS_SPACE = 0x87
const LARGE_WORD_ADDRESS_SPACE = 0x88
const LARGE_QWORD_ADDRESS_SPACE = 0x8a
const WORD_ADDRESS_SPACE_LENGTH = 13
const DWORD_ADDRESS_SPACE_LENGTH = 23
const QWORD_ADDRESS_SPACE_LENGTH = 43

const RESOURCE_TYPE_MEMORY = 0
const RESOURCE_TYPE_IO = 1
const RESOURCE_TYPE_BUS_NUMBER = 2

/** General flags: the range is fixed at both ends and the device consumes it. */
const GENERAL_FLAG_CONSUMER = 1 << 0
const GENERAL_FLAG_MIN_FIXED = 1 << 2
const GENERAL_FLAG_MAX_FIXED = 1 << 3

/** Memory type-specific flags. */
const MEMORY_READ_WRITE = 1 << 0
const MEMORY_NON_CACHEABLE = 0 << 1
const MEMORY_CACHEABLE = 1 << 1
/** I/O type-specific flags: the window passes both ISA and non-ISA addresses (EntireRange). */
const IO_ENTIRE_RANGE = 3

/** IRQNoFlags() {irqs}: ISA IRQs 0-15, edge-triggered, active high. */
export function irqNoFlags(irqs: readonly number[]): Aml {
  let mask = 0
  for (const irq of irqs) {
    if (!Number.isInteger(irq) || irq < 0 || irq > 15) throw new RangeError(`ISA IRQ out of range: ${irq}`)
    mask |= 1 << irq
  }
  return Uint8Array.of(SMALL_IRQ_NO_FLAGS, mask & 0xff, mask >> 8)
}

/** IO(Decode16, min, max, alignment, length): a port range with 16-bit decode. */
export function ioPorts(minimum: number, maximum: number, alignment: number, length: number): Aml {
  const decode16 = 1
  return new ByteWriter().u8(SMALL_IO).u8(decode16).u16(minimum).u16(maximum).u8(alignment).u8(length).toBytes()
}

export interface MemoryRange {
  base: number | bigint
  length: number | bigint
}

function checkRange(range: MemoryRange, limit: bigint): {base: bigint; length: bigint} {
  const base = BigInt(range.base)
  const length = BigInt(range.length)
  if (base < 0n || length <= 0n || base + length - 1n > limit) {
    throw new RangeError(`memory range ${range.base}+${range.length} does not fit the descriptor`)
  }
  return {base, length}
}

/** DWordMemory(ResourceConsumer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite): a fixed range below 4 GiB. */
export function dwordMemory(range: MemoryRange): Aml {
  const {base, length} = checkRange(range, 0xffffffffn)
  return new ByteWriter()
    .u8(LARGE_DWORD_ADDRESS_SPACE)
    .u16(DWORD_ADDRESS_SPACE_LENGTH)
    .u8(RESOURCE_TYPE_MEMORY)
    .u8(GENERAL_FLAG_CONSUMER | GENERAL_FLAG_MIN_FIXED | GENERAL_FLAG_MAX_FIXED)
    .u8(MEMORY_READ_WRITE | MEMORY_NON_CACHEABLE)
    .u32(0) // granularity: the range is fixed, so no alignment applies
    .u32(Number(base))
    .u32(Number(base + length - 1n))
    .u32(0) // translation offset
    .u32(Number(length))
    .toBytes()
}

/** QWordMemory with the same flags: for ranges that reach above 4 GiB. */
export function qwordMemory(range: MemoryRange): Aml {
  const {base, length} = checkRange(range, 0xffffffffffffffffn)
  return new ByteWriter()
    .u8(LARGE_QWORD_ADDRESS_SPACE)
    .u16(QWORD_ADDRESS_SPACE_LENGTH)
    .u8(RESOURCE_TYPE_MEMORY)
    .u8(GENERAL_FLAG_CONSUMER | GENERAL_FLAG_MIN_FIXED | GENERAL_FLAG_MAX_FIXED)
    .u8(MEMORY_READ_WRITE | MEMORY_NON_CACHEABLE)
    .u64(0)
    .u64(base)
    .u64(base + length - 1n)
    .u64(0)
    .u64(length)
    .toBytes()
}

/** The smallest descriptor that holds a range: DWord below 4 GiB, QWord otherwise. */
export function memoryRange(range: MemoryRange): Aml {
  return BigInt(range.base) + BigInt(range.length) <= 0x100000000n ? dwordMemory(range) : qwordMemory(range)
}

/**
 * End tag. A zero checksum byte means "treat as valid", which is what
 * compilers emit and what ACPICA accepts.
 */
export function endTag(): Aml {
  return Uint8Array.of(SMALL_END_TAG, 0)
}

/** ResourceTemplate() { descriptors }: a Buffer terminated by the end tag. */
export function resourceTemplate(descriptors: readonly Aml[]): Aml {
  return buffer(concat([...descriptors, endTag()]))
}

/**
 * A bridge's window, as a producer: WordBusNumber or WordIO(ResourceProducer,
 * MinFixed, MaxFixed, PosDecode[, EntireRange]) over [minimum, maximum].
 * What a host bridge's _CRS lists to say which bus numbers and ports lie
 * behind it.
 */
function wordWindow(type: number, typeFlags: number, minimum: number, maximum: number): Aml {
  if (!Number.isInteger(minimum) || !Number.isInteger(maximum) || minimum < 0 || maximum > 0xffff || maximum < minimum) {
    throw new RangeError(`window ${minimum}-${maximum} does not fit a Word descriptor`)
  }
  return new ByteWriter()
    .u8(LARGE_WORD_ADDRESS_SPACE)
    .u16(WORD_ADDRESS_SPACE_LENGTH)
    .u8(type)
    .u8(GENERAL_FLAG_MIN_FIXED | GENERAL_FLAG_MAX_FIXED)
    .u8(typeFlags)
    .u16(0) // granularity
    .u16(minimum)
    .u16(maximum)
    .u16(0) // translation offset
    .u16(maximum - minimum + 1)
    .toBytes()
}

/** WordBusNumber(ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, minimum, maximum, 0, count). */
export function busNumberWindow(minimum: number, maximum: number): Aml {
  if (maximum > 0xff) throw new RangeError(`bus number ${maximum} out of range`)
  return wordWindow(RESOURCE_TYPE_BUS_NUMBER, 0, minimum, maximum)
}

/** WordIO(ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, minimum, maximum, 0, length). */
export function ioWindow(minimum: number, maximum: number): Aml {
  return wordWindow(RESOURCE_TYPE_IO, IO_ENTIRE_RANGE, minimum, maximum)
}

/** DWordMemory(ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite, ...): a bridge's memory window. */
export function memoryWindow(range: MemoryRange): Aml {
  const {base, length} = checkRange(range, 0xffffffffn)
  return new ByteWriter()
    .u8(LARGE_DWORD_ADDRESS_SPACE)
    .u16(DWORD_ADDRESS_SPACE_LENGTH)
    .u8(RESOURCE_TYPE_MEMORY)
    .u8(GENERAL_FLAG_MIN_FIXED | GENERAL_FLAG_MAX_FIXED)
    .u8(MEMORY_READ_WRITE | MEMORY_CACHEABLE)
    .u32(0)
    .u32(Number(base))
    .u32(Number(base + length - 1n))
    .u32(0)
    .u32(Number(length))
    .toBytes()
}
