/**
 * What a storage device (the emulated IDE controller, the StorVSP) reads and
 * writes: a run of sectors. A virtual hard disk (src/core/storage) is one as
 * it stands; an ISO image in a DVD drive is another. I/O is synchronous and
 * completes inside the guest's exit, as the formats' is.
 */
export interface BlockMedium {
  /** Bytes the guest sees. */
  readonly size: number
  /** The sector size the device reports (512 or 4096; an ISO's is 2048). */
  readonly logicalSectorSize: number
  readonly physicalSectorSize: number
  /** A DVD's medium, or a disk opened read-only: writes are refused by the device with a sense code. */
  readonly readOnly: boolean
  /** The disk's identity (a GUID), from which devices make serial numbers and VPD identifiers. */
  readonly diskIdentifier: string
  /** `offset` and `into.length` are multiples of 512 and inside the medium. */
  read(offset: number, into: Uint8Array): void
  write(offset: number, data: Uint8Array): void
  /** What was written is on the host file. */
  flush(): void
}
