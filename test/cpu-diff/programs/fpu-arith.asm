; x87 arithmetic: FADD, FSUB, FSUBR, FMUL, FDIV, FDIVR on operand pairs that
; hit the rounding corners (halfway cases, sticky bits, a carry out of the
; significand, cancellation, overflow, underflow, denormal and pseudo-denormal
; operands, unsupported formats, signed zeros, infinities, NaN propagation,
; the real indefinite), each under the four rounding modes and the three
; precision controls; then every encoding form of each operation.
;
; Each line of the first part is "pair op cw result flags": the result of
; ST(0) op ST(1) with ST(0) = a, ST(1) = b, and the exception flags IE ZE OE
; UE PE (DE and C1 are not compared: QEMU 7.2 sets neither, see README).
; All exceptions are masked, so each result is the masked response.
; No tiny result lies between the two tininess rules (before and after
; rounding), and no tiny result is rounded under a precision control below 64.
%include "common.inc"
%include "fpu.inc"

main:
        FPU_ON
        xor ebx, ebx                    ; pair
.pair:  xor ebp, ebp                    ; operation
.op:    imul edi, ebx, PAIR_SIZE
        mov edi, [pairs + edi + 20]     ; the first control word used
.cw:    fninit
        fldcw [cw_table + edi * 2]
        imul esi, ebx, PAIR_SIZE
        add esi, pairs
        fld tword [esi + 10]            ; ST(1) = b
        fld tword [esi]                 ; ST(0) = a
        call [op_table + ebp * 4]
        PHEX 2, ebx
        SP_
        PHEX 1, ebp
        SP_
        movzx eax, word [cw_table + edi * 2]
        PHEX 4, eax
        SP_
        PSW SW_FLAGS
        SP_
        PST0
        NL
        inc edi
        cmp edi, 12
        jb .cw
        inc ebp
        cmp ebp, 6
        jb .op
        inc ebx
        cmp ebx, PAIRS
        jb .pair

        call forms
        EXIT 0

op_table: dd op_add, op_sub, op_subr, op_mul, op_div, op_divr
op_add:  fadd st0, st1
         ret
op_sub:  fsub st0, st1
         ret
op_subr: fsubr st0, st1
         ret
op_mul:  fmul st0, st1
         ret
op_div:  fdiv st0, st1
         ret
op_divr: fdivr st0, st1
         ret

; PC = 24, 53, 64 bits (0, 2, 3) x RC = nearest, down, up, chop
cw_table:
        dw 0x007F, 0x047F, 0x087F, 0x0C7F
        dw 0x027F, 0x067F, 0x0A7F, 0x0E7F
        dw 0x037F, 0x077F, 0x0B7F, 0x0F7F

ONE     equ 0x8000000000000000
PAIR_SIZE equ 24
; PAIR a, b, first control word: pairs whose results can be tiny run under
; PC = 64 only (first = 8), since the rounding of a denormal result to 24 or
; 53 bits is not something the SDM defines precisely.
%macro PAIR 5
        X80 %1, %2
        X80 %3, %4
        dd %5
%endmacro
pairs:
        PAIR 0x3FFF, ONE, 0x3FBF, ONE, 0 ; 00: 1 + 2^-64: halfway, to even
        PAIR 0x3FFF, 0x8000000000000001, 0x3FBF, ONE, 0 ; 01: halfway, odd: to even upward
        PAIR 0x3FFF, ONE, 0x3FBF, 0x8000000010000000, 0 ; 02: just above halfway (sticky bit)
        PAIR 0x3FFF, 0xFFFFFFFFFFFFFFFF, 0x3FBF, ONE, 0 ; 03: carry out of the significand
        PAIR 0x3FFF, 0x8000000000000001, 0x3FFF, ONE, 0 ; 04: cancellation
        PAIR 0x7FFE, 0xFFFFFFFFFFFFFFFF, 0x7FFE, 0x8000000000000000, 0 ; 05: overflow (add, mul)
        PAIR 0x0001, 0xC000000000000001, 0x3FFE, 0x8000000000000001, 8 ; 06: underflow: tiny and inexact (mul, div)
        PAIR 0x0000, 0x0000000000000001, 0x3FFF, ONE, 8 ; 07: the smallest denormal with 1
        PAIR 0x0000, 0x4000000000000000, 0x0000, 0x2000000000000001, 8 ; 08: denormal with denormal
        PAIR 0x0000, 0x8000000000000000, 0x3FFF, 0xC000000000000000, 8 ; 09: pseudo-denormal (2^-16382) with 1.5
        PAIR 0x3FFF, 0x4000000000000000, 0x3FFF, ONE, 0 ; 0a: unnormal (unsupported)
        PAIR 0x3FFF, ONE, 0x7FFF, 0x4000000000000001, 0 ; 0b: pseudo-NaN (unsupported)
        PAIR 0x7FFF, 0x0000000000000000, 0x3FFF, ONE, 0 ; 0c: pseudo-infinity (unsupported)
        PAIR 0x3FFF, 0xC000000000000000, 0x3FFF, 0xC000000000000000, 0 ; 0d: x op x: zero signs by RC
        PAIR 0x0000, 0, 0x8000, 0, 0 ; 0e: +0 op -0
        PAIR 0x7FFF, ONE, 0x7FFF, ONE, 0 ; 0f: +inf op +inf
        PAIR 0x7FFF, ONE, 0x8000, 0, 0 ; 10: +inf op -0
        PAIR 0xBFFF, ONE, 0x0000, 0, 0 ; 11: -1 op +0 (division by zero)
        PAIR 0x7FFF, 0xC000000000001234, 0xFFFF, 0x8000000000005678, 0 ; 12: QNaN op SNaN: the QNaN
        PAIR 0x7FFF, 0x8000000000001234, 0xFFFF, 0x8000000000005678, 0 ; 13: SNaN op SNaN: the larger, quieted
        PAIR 0xFFFF, 0xC000000000000000, 0x7FFF, 0xC000000000000001, 0 ; 14: indefinite op QNaN: the larger
        PAIR 0x3FFF, ONE, 0x7FFF, 0x8000000000000001, 0 ; 15: number op SNaN: quieted
        PAIR 0x3FFF, ONE, 0x4000, 0xC000000000000000, 0 ; 16: 1 and 3 (PC and RC on 1/3)
        PAIR 0xC002, 0xA000000000000000, 0x4000, 0xC000000000000000, 0 ; 17: -10 and 3
        PAIR 0x3FFF, ONE, 0x3FE7, 0x8000000000000001, 0 ; 18: halfway at 24 bits plus a sticky bit
        PAIR 0x3FFF, ONE, 0x3FCA, ONE, 0 ; 19: halfway at 53 bits exactly
        PAIR 0x7FFE, 0xFFFFFFFFFFFFFFFF, 0x3FFF, ONE, 0 ; 1a: the largest finite: overflow by PC rounding
        PAIR 0x4000, 0xD555555555555555, 0x3FFF, 0xFFFFFFFFFFFFFFFF, 0 ; 1b: 6.666.. and 1.999..
        PAIR 0xC3FF, 0x8000000000000000, 0x02BE, 0x8000000000000000, 8 ; 1c: -2^1024 and 2^-16000: overflow by division
PAIRS   equ ($ - pairs) / PAIR_SIZE

; ---------------------------------------------------------------------------
; Every form: ST(0) = 10, ST(1) = 7, ST(2) = 4; memory operands 3.0 (m32fp),
; -2.5 (m64fp), 3 (m16int), -6 (m32int). After each, the stack (ST(0)..ST(2),
; tag word, TOP) and the flags.

%macro FORM 1
        fninit
        fld dword [f_four]
        fld dword [f_seven]
        fld dword [f_ten]
        %1
        PUTS %str(%1)
        SP_
        PSW SW_FLAGS
        SP_
        PSTACK
        NL
%endmacro

%macro FORMS 1
        FORM {%1 st0, st2}
        FORM {%1 st2, st0}
        FORM {%1 %+ p st2, st0}
        FORM {%1 %+ p}
        FORM {%1 dword [f_three]}
        FORM {%1 qword [d_m2_5]}
%endmacro

%macro IFORMS 1
        FORM {%1 word [i16_three]}
        FORM {%1 dword [i32_m6]}
%endmacro

forms:
        FORMS fadd
        FORMS fsub
        FORMS fsubr
        FORMS fmul
        FORMS fdiv
        FORMS fdivr
        IFORMS fiadd
        IFORMS fisub
        IFORMS fisubr
        IFORMS fimul
        IFORMS fidiv
        IFORMS fidivr
        ; integer operands are exact; the operation rounds to PC = 24 bits
        fninit
        SETCW 0x007F
        fld1
        fiadd dword [i32_big]
        PUTS "fiadd pc24 "
        PSW SW_FLAGS
        SP_
        PSTACK
        NL
        fninit
        SETCW 0x0A7F
        fld dword [f_three]
        fidivr dword [i32_big]
        PUTS "fidivr pc53 up "
        PSW SW_FLAGS
        SP_
        PSTACK
        NL
        ret

f_four:     dd 4.0
f_seven:    dd 7.0
f_ten:      dd 10.0
f_three:    dd 3.0
d_m2_5:     dq -2.5
i16_three:  dw 3
i32_m6:     dd -6
i32_big:    dd 0x7FFFFF00                     ; exact in 24 bits: QEMU rounds integer operands to PC (see README)

%include "tail.inc"
