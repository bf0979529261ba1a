/**
 * ATA/ATAPI register bits and command codes (ATA/ATAPI-8 ACS and ATA8-APT;
 * the PACKET protocol from ATA8-AAM/SFF-8020).
 */

/** Status register. */
export const STATUS_ERR = 0x01
export const STATUS_DRQ = 0x08
/** Device seek complete (obsolete since ATA-4, still set by drives and expected by old drivers). */
export const STATUS_DSC = 0x10
export const STATUS_DF = 0x20
export const STATUS_DRDY = 0x40
export const STATUS_BSY = 0x80

/** Error register. */
export const ERROR_ABRT = 0x04
export const ERROR_IDNF = 0x10
export const ERROR_UNC = 0x40
/** After reset or EXECUTE DEVICE DIAGNOSTIC: device 0 passed and device 1 passed or is absent. */
export const DIAGNOSTIC_PASSED = 0x01

/** Device register. */
export const DEVICE_DEV = 0x10
export const DEVICE_LBA = 0x40
/** Bits 7 and 5 were "always one" in ATA-1..3; they are kept as written. */

/** Device control register. */
export const CONTROL_NIEN = 0x02
export const CONTROL_SRST = 0x04
export const CONTROL_HOB = 0x80

/** ATAPI interrupt reason (the sector count register during PACKET). */
export const REASON_COD = 0x01
export const REASON_IO = 0x02

/** Signatures in LBA mid/high after reset: ATA devices 00/00, packet devices 14/EB. */
export const ATAPI_SIGNATURE_MID = 0x14
export const ATAPI_SIGNATURE_HIGH = 0xeb

export const SECTOR_SIZE = 512
/** The largest block READ/WRITE MULTIPLE move between interrupts (IDENTIFY word 47). */
export const MAX_MULTIPLE_SECTORS = 16

export const enum AtaCommand {
  Nop = 0x00,
  DeviceReset = 0x08,
  Recalibrate = 0x10,
  ReadSectors = 0x20,
  ReadSectorsNoRetry = 0x21,
  ReadSectorsExt = 0x24,
  ReadDmaExt = 0x25,
  ReadMultipleExt = 0x29,
  WriteSectors = 0x30,
  WriteSectorsNoRetry = 0x31,
  WriteSectorsExt = 0x34,
  WriteDmaExt = 0x35,
  WriteMultipleExt = 0x39,
  ReadVerifySectors = 0x40,
  ReadVerifySectorsNoRetry = 0x41,
  ReadVerifySectorsExt = 0x42,
  Seek = 0x70,
  ExecuteDeviceDiagnostic = 0x90,
  InitializeDeviceParameters = 0x91,
  Packet = 0xa0,
  IdentifyPacketDevice = 0xa1,
  ReadMultiple = 0xc4,
  WriteMultiple = 0xc5,
  SetMultipleMode = 0xc6,
  ReadDma = 0xc8,
  ReadDmaNoRetry = 0xc9,
  WriteDma = 0xca,
  WriteDmaNoRetry = 0xcb,
  WriteMultipleFuaExt = 0xce,
  StandbyImmediate = 0xe0,
  IdleImmediate = 0xe1,
  Standby = 0xe2,
  Idle = 0xe3,
  CheckPowerMode = 0xe5,
  Sleep = 0xe6,
  FlushCache = 0xe7,
  FlushCacheExt = 0xea,
  IdentifyDevice = 0xec,
  SetFeatures = 0xef,
}

/** SET FEATURES subcommands (the features register). */
export const FEATURE_ENABLE_WRITE_CACHE = 0x02
export const FEATURE_SET_TRANSFER_MODE = 0x03
export const FEATURE_DISABLE_READ_LOOKAHEAD = 0x55
export const FEATURE_DISABLE_REVERTING = 0x66
export const FEATURE_DISABLE_WRITE_CACHE = 0x82
export const FEATURE_ENABLE_READ_LOOKAHEAD = 0xaa
export const FEATURE_ENABLE_REVERTING = 0xcc
