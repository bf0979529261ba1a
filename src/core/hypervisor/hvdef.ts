/**
 * The numbers of the Hyper-V Top Level Functional Specification, in one place:
 * CPUID leaves, synthetic MSRs, hypercall codes and their input encoding,
 * HV_STATUS results, partition privileges and message types. Nothing else in
 * the hypervisor spells a TLFS number directly.
 */

// ---- CPUID -----------------------------------------------------------------

export const HV_CPUID = {
  VENDOR_AND_MAX_FUNCTIONS: 0x40000000,
  INTERFACE: 0x40000001,
  VERSION: 0x40000002,
  FEATURES: 0x40000003,
  ENLIGHTENMENT_INFO: 0x40000004,
  IMPLEMENTATION_LIMITS: 0x40000005,
  /** Highest leaf this hypervisor answers. */
  MAX_LEAF: 0x40000005,
  /** CPUID.1:ECX bit 31 tells a guest that it runs on a hypervisor. */
  HYPERVISOR_PRESENT_BIT: 1 << 31,
} as const

/** "Microsoft Hv" as EBX, ECX, EDX. */
export const HV_VENDOR_SIGNATURE = [0x7263694d, 0x666f736f, 0x76482074] as const
/** "Hv#1": the Microsoft hypervisor interface. */
export const HV_INTERFACE_SIGNATURE = 0x31237648

// ---- Synthetic MSRs -----------------------------------------------------------

export const HV_MSR = {
  GUEST_OS_ID: 0x40000000,
  HYPERCALL: 0x40000001,
  VP_INDEX: 0x40000002,
  RESET: 0x40000003,
  VP_RUNTIME: 0x40000010,
  TIME_REF_COUNT: 0x40000020,
  REFERENCE_TSC: 0x40000021,
  TSC_FREQUENCY: 0x40000022,
  APIC_FREQUENCY: 0x40000023,
  EOI: 0x40000070,
  ICR: 0x40000071,
  TPR: 0x40000072,
  /** The VP assist page: bit 0 enable, bits 63:12 its GPA. */
  VP_ASSIST_PAGE: 0x40000073,
  SCONTROL: 0x40000080,
  SVERSION: 0x40000081,
  SIEFP: 0x40000082,
  SIMP: 0x40000083,
  EOM: 0x40000084,
  SINT0: 0x40000090,
  SINT15: 0x4000009f,
  STIMER0_CONFIG: 0x400000b0,
  STIMER0_COUNT: 0x400000b1,
  STIMER3_COUNT: 0x400000b7,
  /** Guest crash parameters P0-P4 (0x40000100-0x40000104) and their control register. */
  CRASH_P0: 0x40000100,
  CRASH_P4: 0x40000104,
  CRASH_CTL: 0x40000105,
  /** The range the hypervisor owns: accesses here never reach the root. */
  SYNTHETIC_FIRST: 0x40000000,
  SYNTHETIC_LAST: 0x400001ff,
} as const

/** The architectural IA32_APIC_BASE MSR, which the hypervisor virtualizes with the local APIC. */
export const IA32_APIC_BASE_MSR = 0x1b

/** SCONTROL bit 0, and the enable bit of SIEFP and SIMP (bit 0; 63:12 the GPA page). */
export const SYNIC_ENABLE = 1 << 0
/** SynIC version SVERSION reports. */
export const SYNIC_VERSION = 1
export const SYNIC_SINT_COUNT = 16
/** SINTx: 7:0 vector, 16 masked, 17 auto-EOI, 18 polling. */
export const SINT = {
  VECTOR_MASK: 0xff,
  MASKED: 1 << 16,
  AUTO_EOI: 1 << 17,
  POLLING: 1 << 18,
  /** The bits a SINT register keeps. */
  WRITABLE: 0xff | (1 << 16) | (1 << 17) | (1 << 18),
  RESET: 1 << 16,
  /** Vectors 0-15 are reserved for exceptions. */
  FIRST_VALID_VECTOR: 16,
} as const
/** The SynIC message page: one 256-byte slot per SINT. */
export const HV_MESSAGE_SIZE = 256
export const HV_MESSAGE_HEADER_SIZE = 16
export const HV_MESSAGE_PAYLOAD_MAX = 240
/** Header offsets in a message slot. */
export const HV_MESSAGE_HEADER = {TYPE: 0, PAYLOAD_SIZE: 4, FLAGS: 5, SENDER: 8} as const
/** Message flags: bit 0 MessagePending. */
export const HV_MESSAGE_FLAG_PENDING = 1 << 0
/** Event flags per SINT (256 bytes of the SIEF page). */
export const HV_EVENT_FLAGS_PER_SINT = 2048
export const HV_SYNTHETIC_TIMER_COUNT = 4
/** STIMERx_CONFIG: 0 enable, 1 periodic, 2 lazy, 3 auto-enable, 12 direct mode, 19:16 SINT. */
export const STIMER_CONFIG = {
  ENABLE: 1 << 0,
  PERIODIC: 1 << 1,
  LAZY: 1 << 2,
  AUTO_ENABLE: 1 << 3,
  DIRECT_MODE: 1 << 12,
  SINT_SHIFT: 16,
  SINT_MASK: 0xf,
  /** Bits of the low half a guest may set (direct mode and its vector are not offered). */
  WRITABLE: 0xf | (0xf << 16),
} as const
/** TIMER_EXPIRED payload: u32 timer index, u32 reserved, u64 expiration time, u64 delivery time. */
export const HV_TIMER_MESSAGE_PAYLOAD_SIZE = 24

/** CPUID 0x40000003 EDX: features the hypervisor offers beyond the privilege mask. */
export const HV_FEATURE_EDX = {
  /** TSC_FREQUENCY and APIC_FREQUENCY MSRs are available. */
  FrequencyMsrsAvailable: 1 << 8,
  /** The guest crash MSRs (CRASH_P0-P4, CRASH_CTL) are available. */
  GuestCrashMsrsAvailable: 1 << 10,
} as const

/**
 * CRASH_CTL, high half: bit 63 (CrashNotify) written by a guest that has filled
 * P0-P4 and is crashing; bit 62 (CrashMessage): P3 is the GPA and P4 the length
 * of a message. Read, it says which of them the hypervisor understands.
 */
export const HV_CRASH_CTL_HIGH = {
  CrashNotify: 1 << 31,
  CrashMessage: 1 << 30,
} as const

/** CPUID 0x40000004 EAX: recommendations. */
export const HV_ENLIGHTENMENT = {
  /** Use the EOI, ICR and TPR MSRs rather than the APIC page. */
  ApicAccessViaMsrs: 1 << 3,
  RelaxedTiming: 1 << 5,
} as const

export const HYPERCALL_MSR_ENABLE = 1 << 0
export const HYPERCALL_MSR_LOCKED = 1 << 1

/** What the hypercall page holds on Intel: vmcall; ret. */
export const HYPERCALL_PAGE_CODE = [0x0f, 0x01, 0xc1, 0xc3] as const

// ---- Partition privileges (HV_PARTITION_PRIVILEGE_MASK) ------------------------

/** Low 32 bits: access to synthetic MSRs. */
export const HV_PRIVILEGE_LOW = {
  AccessVpRunTimeReg: 1 << 0,
  AccessPartitionReferenceCounter: 1 << 1,
  AccessSynicRegs: 1 << 2,
  AccessSyntheticTimerRegs: 1 << 3,
  AccessIntrCtrlRegs: 1 << 4,
  AccessHypercallMsrs: 1 << 5,
  AccessVpIndex: 1 << 6,
  AccessResetReg: 1 << 7,
  AccessStatsReg: 1 << 8,
  AccessPartitionReferenceTsc: 1 << 9,
  AccessGuestIdleReg: 1 << 10,
  AccessFrequencyRegs: 1 << 11,
  AccessDebugRegs: 1 << 12,
} as const

/** High 32 bits: access to hypercalls. */
export const HV_PRIVILEGE_HIGH = {
  CreatePartitions: 1 << 0,
  AccessPartitionId: 1 << 1,
  AccessMemoryPool: 1 << 2,
  PostMessages: 1 << 4,
  SignalEvents: 1 << 5,
  CreatePort: 1 << 6,
  ConnectPort: 1 << 7,
  AccessStats: 1 << 8,
  Debugging: 1 << 11,
  CpuManagement: 1 << 12,
} as const

// ---- Hypercalls ----------------------------------------------------------------

export const HV_CALL = {
  FlushVirtualAddressSpace: 0x0002,
  NotifyLongSpinWait: 0x0008,
  CreatePartition: 0x0040,
  InitializePartition: 0x0041,
  FinalizePartition: 0x0042,
  DeletePartition: 0x0043,
  GetPartitionProperty: 0x0044,
  SetPartitionProperty: 0x0045,
  GetPartitionId: 0x0046,
  DepositMemory: 0x0048,
  WithdrawMemory: 0x0049,
  MapGpaPages: 0x004b,
  UnmapGpaPages: 0x004c,
  InstallIntercept: 0x004d,
  CreateVp: 0x004e,
  DeleteVp: 0x004f,
  GetVpRegisters: 0x0050,
  SetVpRegisters: 0x0051,
  TranslateVirtualAddress: 0x0052,
  DeletePort: 0x0058,
  DisconnectPort: 0x005b,
  PostMessage: 0x005c,
  SignalEvent: 0x005d,
  AssertVirtualInterrupt: 0x0094,
  CreatePort: 0x0095,
  ConnectPort: 0x0096,
  /** The root's direct SignalEvent into a child's SynIC event flags. */
  SignalEventDirect: 0x00c0,
  /** The root's direct PostMessage into a child's SynIC message slot. */
  PostMessageDirect: 0x00c1,
} as const

export const HV_CALL_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(HV_CALL).map(([name, code]) => [code, name]),
)

/**
 * The hypercall input value, split the way 32-bit callers pass it (EDX:EAX).
 * Low dword: 15:0 call code, 16 fast, 26:17 variable header size (qwords), 31:27 reserved.
 * High dword: 11:0 rep count (bits 43:32), 15:12 reserved, 27:16 rep start index (59:48), 31:28 reserved.
 */
export const HYPERCALL_INPUT = {
  CODE_MASK: 0xffff,
  FAST: 1 << 16,
  VARIABLE_HEADER_SHIFT: 17,
  VARIABLE_HEADER_MASK: 0x3ff,
  LOW_RESERVED: 0xf8000000,
  REP_COUNT_MASK: 0xfff,
  REP_START_SHIFT: 16,
  REP_START_MASK: 0xfff,
  HIGH_RESERVED: 0xf000f000,
} as const

// ---- HV_STATUS -------------------------------------------------------------------

export const HV_STATUS = {
  SUCCESS: 0x0000,
  INVALID_HYPERCALL_CODE: 0x0002,
  INVALID_HYPERCALL_INPUT: 0x0003,
  INVALID_ALIGNMENT: 0x0004,
  INVALID_PARAMETER: 0x0005,
  ACCESS_DENIED: 0x0006,
  INVALID_PARTITION_STATE: 0x0007,
  OPERATION_DENIED: 0x0008,
  UNKNOWN_PROPERTY: 0x0009,
  PROPERTY_VALUE_OUT_OF_RANGE: 0x000a,
  INSUFFICIENT_MEMORY: 0x000b,
  PARTITION_TOO_DEEP: 0x000c,
  INVALID_PARTITION_ID: 0x000d,
  INVALID_VP_INDEX: 0x000e,
  NOT_FOUND: 0x0010,
  INVALID_PORT_ID: 0x0011,
  INVALID_CONNECTION_ID: 0x0012,
  INSUFFICIENT_BUFFERS: 0x0013,
  NOT_ACKNOWLEDGED: 0x0014,
  INVALID_VP_STATE: 0x0015,
  ACKNOWLEDGED: 0x0016,
  INVALID_SAVE_RESTORE_STATE: 0x0017,
  INVALID_SYNIC_STATE: 0x0018,
  OBJECT_IN_USE: 0x0019,
  NO_DATA: 0x001b,
  INACTIVE: 0x001c,
  NO_RESOURCES: 0x001d,
  FEATURE_UNAVAILABLE: 0x001e,
  INSUFFICIENT_BUFFER: 0x0033,
  OPERATION_FAILED: 0x0071,
  TIME_OUT: 0x0078,
} as const

export const HV_STATUS_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(HV_STATUS).map(([name, code]) => [code, name]),
)

// ---- Messages --------------------------------------------------------------------

export const HV_MESSAGE = {
  NONE: 0x00000000,
  UNMAPPED_GPA: 0x80000000,
  GPA_INTERCEPT: 0x80000001,
  TIMER_EXPIRED: 0x80000010,
  INVALID_VP_REGISTER_VALUE: 0x80000020,
  UNRECOVERABLE_EXCEPTION: 0x80000021,
  UNSUPPORTED_FEATURE: 0x80000022,
  EVENTLOG_BUFFERCOMPLETE: 0x80000040,
  X64_IO_PORT_INTERCEPT: 0x80010000,
  X64_MSR_INTERCEPT: 0x80010001,
  X64_CPUID_INTERCEPT: 0x80010002,
  X64_EXCEPTION_INTERCEPT: 0x80010003,
  X64_APIC_EOI: 0x80010004,
  X64_HALT: 0x80010007,
} as const

export const HV_MESSAGE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(HV_MESSAGE).map(([name, code]) => [code, name]),
)

/** Intercept access types in the message header. */
export const HV_INTERCEPT_ACCESS = {READ: 0, WRITE: 1, EXECUTE: 2} as const

/** Special partition and VP identifiers. */
export const HV_PARTITION_ID_SELF = 0xffffffff_ffffffffn
export const HV_VP_INDEX_SELF = 0xfffffffe
export const HV_ANY_VP = 0xffffffff
