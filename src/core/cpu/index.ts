/**
 * The IA-32 processor of hv: a 386/486-class interpreter with VT-x-style exits.
 *
 * How the files fit together, from the host's view inward:
 *
 *   api.ts            the contract with the host (exits, memory, intercepts)
 *   cpu.ts            Cpu: public surface, run loop, events, exit completions, save/restore
 *   state.ts          CpuCore: every register and cache as plain fields and typed arrays
 *   flags.ts          lazy arithmetic flags and condition codes
 *   decoder/table.ts  the opcode table (mnemonic, operands, flags, handler) that drives everything
 *   decoder/decode.ts prefixes, ModRM/SIB, immediates -> decoder/instr.ts records
 *   execute/*.ts      instruction handlers by group (alu, shift, muldiv, bcd, bits, data,
 *                     stack, string, control, io, system) and shared operand access
 *   segmentation.ts   descriptor loads and checks, segment limits
 *   mmu.ts            paging, the software TLB, RAM/ROM/MMIO accesses
 *   interrupts.ts     IVT/IDT delivery, privilege changes, V86, IRET, double/triple fault
 *   stack-switch.ts   inner stacks from the TSS
 *   task-switch.ts    hardware task switching
 *   debug.ts          single-step and DR0-DR7 breakpoints
 *   code-cache.ts     decoded instructions per physical page, self-modifying code
 *   compiler.ts       basic blocks compiled to JavaScript functions
 *   msr.ts, cpuid.ts  what RDMSR/WRMSR and CPUID answer by themselves
 *   constants.ts, signals.ts  architectural constants; fault/exit unwinding
 */
export * from './api.js'
export {Cpu, STATE_VERSION} from './cpu.js'
