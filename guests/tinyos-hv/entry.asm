; tinyos-hv: tinyos's start-up code and interrupt stubs (boot.asm, included
; unchanged from ../tinyos), plus the stubs for the vectors only the
; enlightened kernel uses, and MSR accessors that survive a #GP.

%include "boot.asm"

section .text
STUB_NOERR 64                   ; 0x40, SynIC SINT2: VMBus messages and events
STUB_NOERR 255                  ; 0xFF, the local APIC's spurious vector

; ---------------------------------------------------------------------------
; int msr_read(uint32_t msr, uint64_t *value)
; int msr_write(uint32_t msr, uint64_t value)
; Return 0, or -1 when the access raised #GP: the #GP handler (idt.c) sees
; that the fault is at msr_read_insn / msr_write_insn, sets msr_fault and
; resumes after the 2-byte instruction.
section .data
align 4
global msr_fault
msr_fault:      dd 0

section .text
global msr_read, msr_write, msr_read_insn, msr_write_insn
msr_read:
        mov ecx, [esp + 4]
        mov dword [msr_fault], 0
        xor eax, eax
        xor edx, edx
msr_read_insn:
        rdmsr
        cmp dword [msr_fault], 0
        jne .fail
        mov ecx, [esp + 8]
        mov [ecx], eax
        mov [ecx + 4], edx
        xor eax, eax
        ret
.fail:
        mov eax, -1
        ret

msr_write:
        mov ecx, [esp + 4]
        mov eax, [esp + 8]
        mov edx, [esp + 12]
        mov dword [msr_fault], 0
msr_write_insn:
        wrmsr
        cmp dword [msr_fault], 0
        jne .fail
        xor eax, eax
        ret
.fail:
        mov eax, -1
        ret
