; x87 exceptions unmasked with CR0.NE = 1: the pending exception shows in the
; status word (the flag, ES, B) before any waiting instruction, #MF comes at
; the explicit FWAIT after the faulting instruction (its EIP), FNCLEX and
; FNINIT drop a pending exception; then #NM: CR0.EM = 1 for an ESC
; instruction (WAIT still runs), CR0.TS = 1 for ESC and, with MP = 1, WAIT,
; TS = 1 with MP = 0 for WAIT, and CLTS letting them run again.
;
; Only what QEMU 7.2 and the SDM agree on is compared (see README): the #MF is
; taken at an FWAIT right after the faulting instruction (a real FPU would also
; take it at the next waiting FP instruction, QEMU only at FWAIT); the status
; word in the handler is masked to B, TOP, ES and IE ZE OE UE PE; the
; destination is printed only for the precision exception (for the others the
; SDM leaves it unchanged or stores a bias-adjusted result, QEMU stores the
; masked response); DE is not tested (QEMU 7.2 never raises it).
%include "common.inc"
%include "fpu.inc"

ONE     equ 0x8000000000000000
SW_MF   equ SW_B | SW_TOP | SW_ES | SW_FLAGS

; FAULT name, control word, setup, faulting instruction [, status mask]: runs
; it, shows the status word (masked to SW_MF unless told) before the FWAIT,
; and expects #MF at the FWAIT, where the handler shows it with the same mask
%macro FAULT 4-5 SW_MF
        fninit
        SETCW %2
        %3
        %4
        mov dword [mf_mask], %5
        PUTS %1
        PUTS " before "
        PSW [mf_mask]
        mov dword [resume], %%after
        mov dword [fwait_at], %%wait
%%wait: fwait
        PUTS " no #MF"
%%after:
        NL
%endmacro

main:
        FPU_ON
        SET_GATE 16, mf_handler, 0x8E
        SET_GATE 7, nm_handler, 0x8E

        fninit
        SETCW 0x037E
        fld1
        fchs
        fsqrt
        PUTS "ie fsqrt"
        PUTS " before "
        PSW SW_MF
        mov dword [resume], .a1
        mov dword [fwait_at], .w1
.w1:    fwait
        PUTS " no #MF"
.a1:    NL
        FAULT "ie 0*inf", 0x037E, {fld tword [t_inf]}, {fmul dword [f_zero]}
        FAULT "ie snan", 0x037E, {fld1}, {fadd dword [f_snan]}
        FAULT "ie fcom qnan", 0x037E, {fld tword [t_qnan]}, {fcom dword [f_one]}
        FAULT "ie fist", 0x037E, {fld tword [t_big]}, {fist dword [scratch]}
        FAULT "ze 1/0", 0x037B, {fldz}, {fdivr dword [f_one]}
        FAULT "oe max*max", 0x0377, {fld tword [t_max]}, {fmul st0, st0}
        ; PE is left out here: with OE unmasked and a memory destination the SDM
        ; stores nothing and reports OE alone (Vol. 1 4.9.1.6), QEMU stores the
        ; masked response and sets PE with it
        FAULT "oe fst m32", 0x0377, {fld tword [t_big]}, {fst dword [scratch]}, SW_MF & ~SW_PE
        FAULT "ue tiny*tiny", 0x036F, {fld tword [t_tiny]}, {fmul st0, st0}
        FAULT "masked pe only", 0x037F, {fld1}, {fidiv word [i16_three]}

        ; the precision exception: the rounded result is stored as well
        fninit
        SETCW 0x035F
        fld1
        fidiv word [i16_three]
        PUTS "pe 1/3 before "
        PSW SW_MF
        mov dword [resume], .a2
        mov dword [fwait_at], .w2
.w2:    fwait
.a2:    PUTS " result "
        PST0
        NL

        ; a pending exception dropped by FNCLEX, and by FNINIT
        fninit
        SETCW 0x037B
        fld1
        fdiv dword [f_zero]
        fnclex
        PUTS "fnclex "
        PSW SW_MF
        mov dword [resume], .a3
        mov dword [fwait_at], .w3
.w3:    fwait
        PUTS " no #MF"
.a3:    NL
        fninit
        SETCW 0x037B
        fld1
        fdiv dword [f_zero]
        fninit
        PUTS "fninit "
        PSW SW_MF
        mov dword [resume], .a4
        mov dword [fwait_at], .w4
.w4:    fwait
        PUTS " no #MF"
.a4:    NL

        call nm_tests
        EXIT 0

; #MF: the status word (FNSTSW does not wait), the EIP of the FWAIT, then
; clear the exception and resume after the FWAIT
mf_handler:
        PUTS " #MF sw "
        PSW [mf_mask]
        PUTS " at fwait "
        mov eax, [esp]
        sub eax, [fwait_at]
        PHEX 2, eax
        fnclex
        mov eax, [resume]
        mov [esp], eax
        iretd

; #NM: print it and resume where the test says
nm_handler:
        PUTS " #NM at +"
        mov eax, [esp]
        sub eax, [nm_base]
        PHEX 2, eax
        mov eax, [resume]
        mov [esp], eax
        iretd

; NM_CASE name, CR0 bits to set, instruction: run the instruction with those
; bits, say whether it ran
%macro NM_CASE 3
        FPU_ON
        mov eax, cr0
        and eax, ~CR0_MP
        or eax, %2
        mov cr0, eax
        PUTS %1
        mov dword [resume], %%after
        mov dword [nm_base], %%insn
%%insn: %3
        PUTS " ran"
%%after:
        mov eax, cr0
        and eax, CR0_EM | CR0_MP | CR0_TS
        PUTS " cr0 "
        PHEX 2, eax
        NL
%endmacro

nm_tests:
        NM_CASE "em fadd", CR0_EM | CR0_MP, {fadd st0, st0}
        NM_CASE "em fninit", CR0_EM | CR0_MP, fninit
        NM_CASE "em fwait", CR0_EM | CR0_MP, fwait
        NM_CASE "ts fld1", CR0_TS | CR0_MP, fld1
        NM_CASE "ts fnstsw", CR0_TS | CR0_MP, {fnstsw ax}
        NM_CASE "ts mp fwait", CR0_TS | CR0_MP, fwait
        NM_CASE "ts fwait", CR0_TS, fwait
        NM_CASE "ts fnclex", CR0_TS, fnclex
        ; CLTS clears TS: the instruction runs
        FPU_ON
        mov eax, cr0
        or eax, CR0_TS
        mov cr0, eax
        clts
        PUTS "clts"
        mov dword [resume], .a
        mov dword [nm_base], .i
.i:     fld1
        fwait
        PUTS " ran"
.a:     mov eax, cr0
        and eax, CR0_EM | CR0_MP | CR0_TS
        PUTS " cr0 "
        PHEX 2, eax
        NL
        FPU_ON
        ret

align 4
resume:     dd 0
mf_mask:    dd SW_MF                    ; the status bits the #MF handler shows
fwait_at:   dd 0
nm_base:    dd 0
scratch:    dd 0
f_zero:     dd 0.0
f_one:      dd 1.0
f_snan:     dd 0x7F800001
i16_three:  dw 3
t_inf:      X80 0x7FFF, ONE
t_qnan:     X80 0x7FFF, 0xC000000000000000
t_big:      X80 0x4100, 0x8000000000000001  ; 2^257 (1 + 2^-63)
t_max:      X80 0x7FFE, 0xFFFFFFFFFFFFFFFF
t_tiny:     X80 0x1FED, 0xC000000000000001  ; squared: 2^-16420 * 2.25.., tiny, inexact even unrounded

%include "tail.inc"
