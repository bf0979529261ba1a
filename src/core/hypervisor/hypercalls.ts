import {Reg} from '../cpu/api.js'
import {HV_CALL, HV_PRIVILEGE_HIGH as H, HV_STATUS, HYPERCALL_INPUT as IN} from './hvdef.js'
import type {Partition} from './partition.js'
import {hasHigh, type PrivilegeMask} from './privileges.js'
import type {VirtualProcessor} from './virtual-processor.js'

const UD_VECTOR = 6
const PAGE = 4096

/** What a handler sees: the caller, its input parameters, and room for its output. */
export interface HypercallContext {
  partition: Partition
  vp: VirtualProcessor
  input: DataView
  output: DataView
  repCount: number
  repStart: number
}

interface HypercallDefinition {
  /** Rep calls take a rep count; simple calls must not. */
  rep: boolean
  /** May be called with parameters in registers. */
  fast: boolean
  /** Bytes of fixed input, and per rep element. */
  inputBytes: number
  repInputBytes?: number
  outputBytes: number
  repOutputBytes?: number
  allowed: (privileges: PrivilegeMask) => boolean
  /** Returns HV_STATUS, and for rep calls how many elements were completed. */
  handle: (ctx: HypercallContext) => number | {status: number; repsCompleted: number}
}

const always = () => true
const needs = (bit: number) => (privileges: PrivilegeMask) => hasHigh(privileges, bit)
/** Calls only the root makes, through WinHv; a child lacks the privilege, so it is denied. */
const rootOnly = (bit: number): HypercallDefinition => ({
  rep: false, fast: true, inputBytes: 0, outputBytes: 0, allowed: needs(bit),
  handle: () => HV_STATUS.OPERATION_DENIED,
})

/** The hypercalls a guest may issue, by call code. */
const HYPERCALLS: Record<number, HypercallDefinition> = {
  [HV_CALL.FlushVirtualAddressSpace]: {
    rep: false, fast: false, inputBytes: 24, outputBytes: 0, allowed: always,
    handle: ({partition}) => {
      for (const vp of partition.vps) vp.flushTlb()
      return HV_STATUS.SUCCESS
    },
  },
  [HV_CALL.NotifyLongSpinWait]: {
    rep: false, fast: true, inputBytes: 8, outputBytes: 0, allowed: always,
    handle: () => HV_STATUS.SUCCESS,
  },
  [HV_CALL.GetPartitionId]: {
    rep: false, fast: false, inputBytes: 0, outputBytes: 8, allowed: needs(H.AccessPartitionId),
    handle: ({partition, output}) => {
      output.setUint32(0, partition.id, true)
      output.setUint32(4, 0, true)
      return HV_STATUS.SUCCESS
    },
  },
  [HV_CALL.PostMessage]: {
    rep: false, fast: false, inputBytes: 256, outputBytes: 0, allowed: needs(H.PostMessages),
    handle: ({partition, input}) => {
      const connectionId = input.getUint32(0, true)
      const messageType = input.getUint32(8, true)
      const payloadSize = input.getUint32(12, true)
      // Guests may not post hypervisor message types (high bit set), nor type 0, nor over 240 bytes.
      if (messageType === 0 || messageType >>> 31 !== 0 || payloadSize > 240) return HV_STATUS.INVALID_PARAMETER
      const payload = new Uint8Array(input.buffer, input.byteOffset + 16, payloadSize).slice()
      return partition.connections.postMessage(connectionId, messageType, payload)
    },
  },
  [HV_CALL.SignalEvent]: {
    rep: false, fast: true, inputBytes: 8, outputBytes: 0, allowed: needs(H.SignalEvents),
    handle: ({partition, input}) => {
      const connectionId = input.getUint32(0, true)
      const flagNumber = input.getUint16(4, true)
      if (input.getUint16(6, true) !== 0) return HV_STATUS.INVALID_PARAMETER
      return partition.connections.signalEvent(connectionId, flagNumber)
    },
  },
  [HV_CALL.CreatePartition]: rootOnly(H.CreatePartitions),
  [HV_CALL.InitializePartition]: rootOnly(H.CreatePartitions),
  [HV_CALL.FinalizePartition]: rootOnly(H.CreatePartitions),
  [HV_CALL.DeletePartition]: rootOnly(H.CreatePartitions),
  [HV_CALL.GetPartitionProperty]: rootOnly(H.CreatePartitions),
  [HV_CALL.SetPartitionProperty]: rootOnly(H.CreatePartitions),
  [HV_CALL.DepositMemory]: rootOnly(H.AccessMemoryPool),
  [HV_CALL.WithdrawMemory]: rootOnly(H.AccessMemoryPool),
  [HV_CALL.MapGpaPages]: rootOnly(H.AccessMemoryPool),
  [HV_CALL.UnmapGpaPages]: rootOnly(H.AccessMemoryPool),
  [HV_CALL.InstallIntercept]: rootOnly(H.CpuManagement),
  [HV_CALL.CreateVp]: rootOnly(H.CpuManagement),
  [HV_CALL.DeleteVp]: rootOnly(H.CpuManagement),
  [HV_CALL.CreatePort]: rootOnly(H.CreatePort),
  [HV_CALL.DeletePort]: rootOnly(H.CreatePort),
  [HV_CALL.ConnectPort]: rootOnly(H.ConnectPort),
  [HV_CALL.DisconnectPort]: rootOnly(H.ConnectPort),
}

/**
 * A VMCALL from a guest. Hypercalls are for protected-mode code at CPL 0 that
 * enabled the hypercall page; anything else gets #UD, as on Hyper-V. The
 * 32-bit calling convention: input value EDX:EAX, input GPA EBX:ECX, output
 * GPA EDI:ESI (fast calls: the input itself in EBX:ECX and EDI:ESI); the
 * result value in EDX:EAX (15:0 status, 43:32 reps completed).
 */
export function dispatchGuestHypercall(vp: VirtualProcessor): void {
  const cpu = vp.cpu
  const inV86 = (cpu.getEflags() & (1 << 17)) !== 0
  if ((cpu.getCr(0) & 1) === 0 || inV86 || cpu.cpl !== 0 || vp.partition.hypercallPage === null) {
    cpu.injectException(UD_VECTOR)
    return
  }
  const low = cpu.getReg(Reg.EAX) >>> 0
  const high = cpu.getReg(Reg.EDX) >>> 0
  const code = low & IN.CODE_MASK
  vp.counters.countHypercall(code)
  const {status, repsCompleted} = execute(vp, low, high)
  cpu.setReg(Reg.EAX, status)
  cpu.setReg(Reg.EDX, repsCompleted & IN.REP_COUNT_MASK)
  cpu.skipInstruction()
}

function execute(vp: VirtualProcessor, low: number, high: number): {status: number; repsCompleted: number} {
  const fail = (status: number) => ({status, repsCompleted: 0})
  const definition = HYPERCALLS[low & IN.CODE_MASK]
  if (!definition) return fail(HV_STATUS.INVALID_HYPERCALL_CODE)
  if ((low & IN.LOW_RESERVED) !== 0 || (high & IN.HIGH_RESERVED) !== 0) return fail(HV_STATUS.INVALID_HYPERCALL_INPUT)
  const fast = (low & IN.FAST) !== 0
  const variableHeaderBytes = ((low >>> IN.VARIABLE_HEADER_SHIFT) & IN.VARIABLE_HEADER_MASK) * 8
  const repCount = high & IN.REP_COUNT_MASK
  const repStart = (high >>> IN.REP_START_SHIFT) & IN.REP_START_MASK
  if (!definition.rep && (repCount !== 0 || repStart !== 0)) return fail(HV_STATUS.INVALID_HYPERCALL_INPUT)
  if (definition.rep && repStart > repCount) return fail(HV_STATUS.INVALID_HYPERCALL_INPUT)
  if (fast && !definition.fast) return fail(HV_STATUS.INVALID_HYPERCALL_INPUT)
  if (!definition.allowed(vp.partition.privileges)) return fail(HV_STATUS.ACCESS_DENIED)

  const inputBytes = definition.inputBytes + variableHeaderBytes + repCount * (definition.repInputBytes ?? 0)
  const outputBytes = definition.outputBytes + repCount * (definition.repOutputBytes ?? 0)
  const cpu = vp.cpu
  let input: DataView
  let outputGpa = 0
  if (fast) {
    // Up to 16 bytes of input in registers: EBX:ECX, then EDI:ESI.
    const registers = new DataView(new ArrayBuffer(16))
    registers.setUint32(0, cpu.getReg(Reg.ECX) >>> 0, true)
    registers.setUint32(4, cpu.getReg(Reg.EBX) >>> 0, true)
    registers.setUint32(8, cpu.getReg(Reg.ESI) >>> 0, true)
    registers.setUint32(12, cpu.getReg(Reg.EDI) >>> 0, true)
    if (inputBytes > 16 || outputBytes > 0) return fail(HV_STATUS.INVALID_HYPERCALL_INPUT)
    input = registers
  } else {
    const inputGpa = gpaFrom(cpu.getReg(Reg.EBX), cpu.getReg(Reg.ECX))
    outputGpa = gpaFrom(cpu.getReg(Reg.EDI), cpu.getReg(Reg.ESI))
    const problem = checkParameterPage(vp.partition, inputGpa, inputBytes) ?? checkParameterPage(vp.partition, outputGpa, outputBytes)
    if (problem !== null) return fail(problem)
    if (inputBytes && outputBytes && inputGpa < outputGpa + outputBytes && outputGpa < inputGpa + inputBytes) {
      return fail(HV_STATUS.INVALID_PARAMETER)
    }
    const bytes = inputBytes ? vp.partition.memory.read(inputGpa, inputBytes)! : new Uint8Array(0)
    input = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }
  const outputBuffer = new Uint8Array(outputBytes)
  const output = new DataView(outputBuffer.buffer)
  const result = definition.handle({partition: vp.partition, vp, input, output, repCount, repStart})
  const status = typeof result === 'number' ? result : result.status
  const repsCompleted = typeof result === 'number' ? (status === HV_STATUS.SUCCESS ? repCount : 0) : result.repsCompleted
  if (outputBytes && status === HV_STATUS.SUCCESS) vp.partition.memory.write(outputGpa, outputBuffer)
  return {status, repsCompleted}
}

/** A 32-bit guest's GPA is below 4 GiB: a non-zero high half never names guest memory. */
function gpaFrom(high: number, low: number): number {
  return high >>> 0 === 0 ? low >>> 0 : -1
}

/**
 * Parameters must be 8-byte aligned, must not cross a page, and must be in the
 * partition's RAM.
 */
function checkParameterPage(partition: Partition, gpa: number, bytes: number): number | null {
  if (bytes === 0) return null
  if (gpa < 0) return HV_STATUS.INVALID_PARAMETER
  if (gpa % 8 !== 0 || (gpa % PAGE) + bytes > PAGE) return HV_STATUS.INVALID_ALIGNMENT
  if (!partition.memory.isRam(gpa, bytes)) return HV_STATUS.INVALID_PARAMETER
  return null
}
