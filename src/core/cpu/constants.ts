/** Architectural constants from the Intel SDM, Volume 3, chapters 2, 4 and 6. */

/** EFLAGS bits. */
export const CF = 1 << 0
export const PF = 1 << 2
export const AF = 1 << 4
export const ZF = 1 << 6
export const SF = 1 << 7
export const TF = 1 << 8
export const IF = 1 << 9
export const DF = 1 << 10
export const OF = 1 << 11
export const IOPL = 3 << 12
export const NT = 1 << 14
export const RF = 1 << 16
export const VM = 1 << 17
export const AC = 1 << 18
export const VIF = 1 << 19
export const VIP = 1 << 20
export const ID = 1 << 21
/** Bit 1 of EFLAGS always reads as 1. */
export const EFLAGS_FIXED = 1 << 1
/** The six arithmetic status flags. */
export const ARITH_FLAGS = CF | PF | AF | ZF | SF | OF
/** Bits a 486 lets software change in EFLAGS (ID so that CPUID can be detected). */
export const EFLAGS_WRITABLE = ARITH_FLAGS | TF | IF | DF | IOPL | NT | RF | VM | AC | VIF | VIP | ID

/** CR0 bits. */
export const CR0_PE = 1 << 0
export const CR0_MP = 1 << 1
export const CR0_EM = 1 << 2
export const CR0_TS = 1 << 3
export const CR0_ET = 1 << 4
export const CR0_NE = 1 << 5
export const CR0_WP = 1 << 16
export const CR0_AM = 1 << 18
export const CR0_NW = 1 << 29
export const CR0_CD = 1 << 30
export const CR0_PG = 1 << 31

/** CR4 bits this processor implements. */
export const CR4_VME = 1 << 0
export const CR4_PVI = 1 << 1
export const CR4_TSD = 1 << 2
export const CR4_DE = 1 << 3
export const CR4_PSE = 1 << 4
/** CR4 bits that may be set; the rest are reserved and make MOV CR4 #GP. */
export const CR4_SUPPORTED = CR4_TSD | CR4_DE | CR4_PSE

/** Exception vectors. */
export const DE = 0
export const DB = 1
export const NMI_VECTOR = 2
export const BP = 3
export const OFV = 4
export const BR = 5
export const UD = 6
export const NM = 7
export const DF_VECTOR = 8
export const TS = 10
export const NP = 11
export const SS_VECTOR = 12
export const GP = 13
export const PF_VECTOR = 14
export const MF = 16
export const AC_VECTOR = 17

/** Page-fault error code bits. */
export const PFEC_PRESENT = 1
export const PFEC_WRITE = 2
export const PFEC_USER = 4

/** Operand widths in bytes, and the masks and sign bits that go with them (indexed by width). */
export const WIDTH_MASK = [0, 0xff, 0xffff, 0, -1] as const
export const SIGN_BIT = [0, 0x80, 0x8000, 0, -0x80000000] as const

/**
 * The processor signature: family 6, model 1, stepping 9, a Pentium Pro: the
 * first with CMOV, FCMOV and FCOMI, which this processor has, and without the
 * MMX and SSE that later family-6 models add.
 */
export const CPU_SIGNATURE = 0x00000619
