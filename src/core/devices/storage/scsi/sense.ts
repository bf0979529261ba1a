/**
 * SCSI sense data in fixed format (response code 0x70), which hv_storvsc
 * copies into the SCSI midlayer's sense buffer: sense key in byte 2, the
 * additional sense code and qualifier in bytes 12 and 13.
 */
export type SenseData = Uint8Array

export const SenseKey = {
  NoSense: 0x0,
  NotReady: 0x2,
  MediumError: 0x3,
  IllegalRequest: 0x5,
  UnitAttention: 0x6,
  DataProtect: 0x7,
} as const

/** (ASC, ASCQ) pairs the units report. */
export const Asc = {
  InvalidCommandOperationCode: [0x20, 0x00],
  LbaOutOfRange: [0x21, 0x00],
  InvalidFieldInCdb: [0x24, 0x00],
  LogicalUnitNotSupported: [0x25, 0x00],
  WriteProtected: [0x27, 0x00],
  MediumNotPresent: [0x3a, 0x00],
  UnrecoveredReadError: [0x11, 0x00],
  WriteError: [0x0c, 0x00],
  ParameterListLengthError: [0x1a, 0x00],
} as const satisfies Record<string, readonly [number, number]>

export const FIXED_SENSE_LENGTH = 18

export function fixedSense(key: number, [asc, ascq]: readonly [number, number]): SenseData {
  const sense = new Uint8Array(FIXED_SENSE_LENGTH)
  sense[0] = 0x70 // current error, fixed format
  sense[2] = key & 0x0f
  sense[7] = FIXED_SENSE_LENGTH - 8 // additional sense length
  sense[12] = asc
  sense[13] = ascq
  return sense
}
