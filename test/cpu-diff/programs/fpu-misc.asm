; x87 stack and value operations: FXCH, FCHS, FABS, FRNDINT under each
; rounding mode, FSCALE (truncated scale, overflow, underflow, infinite and
; NaN scales), FXTRACT, FPREM and FPREM1 (remainders with the quotient bits in
; C0 C3 C1, the partial remainder with C2 = 1 for huge exponent differences,
; invalid cases), FSQRT under every rounding mode and precision, and
; FINCSTP/FDECSTP/FFREE with TOP and the tag word.
;
; Flags are IE ZE OE UE PE (DE and C1 are not compared, see README) unless a
; line says otherwise.
%include "common.inc"
%include "fpu.inc"

ONE     equ 0x8000000000000000

main:
        FPU_ON
        call moves
        call rounding
        call scale
        call extract
        call remainders
        call roots
        call stack
        EXIT 0

; ---------------------------------------------------------------------------
moves:
        fninit
        fld1
        fldpi
        fldz
        fxch st2                        ; 1 pi 0
        PUTS "fxch "
        PSTACK
        NL
        fninit
        fld1
        fldpi
        fxch                            ; the short form: ST(1)
        PUTS "fxch "
        PSTACK
        NL
%macro SIGNOP 2
        fninit
        fld tword [%2]
        %1
        PUTS %str(%1)
        SP_
        PSW SW_FLAGS
        SP_
        PST0
        NL
%endmacro
        SIGNOP fchs, v_two
        SIGNOP fchs, v_nzero
        SIGNOP fchs, v_snan             ; no exception, the SNaN stays signalling
        SIGNOP fabs, v_nthird
        SIGNOP fabs, v_ninf
        SIGNOP fabs, v_nqnan
        SIGNOP fabs, v_unnormal         ; sign only, even for unsupported formats
        ret

v_two:      X80 0x4000, ONE
v_nzero:    X80 0x8000, 0
v_snan:     X80 0x7FFF, 0x8000000000000123
v_nthird:   X80 0xBFFD, 0xAAAAAAAAAAAAAAAB
v_ninf:     X80 0xFFFF, ONE
v_nqnan:    X80 0xFFFF, 0xC000000000000456
v_unnormal: X80 0xC000, 0x1000000000000000

; ---------------------------------------------------------------------------
; FRNDINT: "value rc result flags"
rc_table: dw 0x037F, 0x077F, 0x0B7F, 0x0F7F
rounding:
        xor ebx, ebx
.val:   xor edi, edi
.rc:    fninit
        fldcw [rc_table + edi * 2]
        imul esi, ebx, 10
        fld tword [round_values + esi]
        frndint
        PUTS "frndint "
        PHEX 2, ebx
        SP_
        PHEX 1, edi
        SP_
        PSW SW_FLAGS
        SP_
        PST0
        NL
        inc edi
        cmp edi, 4
        jb .rc
        inc ebx
        cmp ebx, ROUND_VALUES
        jb .val
        ; FRNDINT ignores the precision control
        fninit
        SETCW 0x007F
        fld tword [round_values + 10 * 7]
        frndint
        PUTS "frndint pc24 "
        PSW SW_FLAGS
        SP_
        PST0
        NL
        ret

round_values:
        X80 0x4000, 0xA000000000000000  ; 00: 2.5
        X80 0xC000, 0xA000000000000000  ; 01: -2.5
        X80 0x3FFE, 0x8000000000000000  ; 02: 0.5
        X80 0xBFFE, 0x8000000000000000  ; 03: -0.5: -0 or -1
        X80 0x3FFF, 0xC000000000000000  ; 04: 1.5
        X80 0x403D, 0xFFFFFFFFFFFFFFFF  ; 05: 2^63 - 0.5
        X80 0x403E, 0xFFFFFFFFFFFFFFFF  ; 06: already an integer
        X80 0x4016, 0xFFFFFF8000000001  ; 07: 2^24 - 0.5 + a little
        X80 0x0000, 0x0000000000000001  ; 08: a denormal
        X80 0xFFFF, ONE                 ; 09: -inf
        X80 0x7FFF, 0x8000000000000001  ; 0a: SNaN: invalid, quieted
        X80 0x8000, 0                   ; 0b: -0
ROUND_VALUES equ ($ - round_values) / 10

; ---------------------------------------------------------------------------
; FSCALE: "ST(0) ST(1) -> result flags"
scale:
        xor ebx, ebx
.val:   fninit
        imul esi, ebx, 20
        add esi, scale_values
        fld tword [esi + 10]            ; the scale
        fld tword [esi]
        fscale
        PUTS "fscale "
        PHEX 2, ebx
        SP_
        PSW SW_FLAGS
        SP_
        PSTACK
        NL
        inc ebx
        cmp ebx, SCALE_VALUES
        jb .val
        ret

scale_values:
        X80 0x3FFF, ONE                 ; 00: 1 * 2^trunc(3.75)
        X80 0x4000, 0xF000000000000000
        X80 0x4001, 0xA000000000000000  ; 01: 5 * 2^trunc(-2.5)
        X80 0xC000, 0xA000000000000000
        X80 0x3FFF, 0xC000000000000000  ; 02: overflow
        X80 0x400D, 0x8000000000000000
        X80 0x3FFF, 0xC000000000000001  ; 03: by -16416: underflow to a denormal, inexact
        X80 0xC00D, 0x8040000000000000
        X80 0x3FFF, ONE                 ; 04: scale by -0.75: by 0
        X80 0xBFFE, 0xC000000000000000
        X80 0x4000, ONE                 ; 05: scale by +inf
        X80 0x7FFF, ONE
        X80 0xC000, ONE                 ; 06: scale by -inf
        X80 0xFFFF, ONE
        X80 0x0000, 0                   ; 07: 0 by +inf: invalid
        X80 0x7FFF, ONE
        X80 0x7FFF, ONE                 ; 08: inf by -inf: invalid
        X80 0xFFFF, ONE
        X80 0x3FFF, ONE                 ; 09: by a QNaN
        X80 0x7FFF, 0xC000000000000777
        X80 0x0000, 0x0000000000000010  ; 0a: a denormal scaled by 64 up to a normal
        X80 0x4005, 0x8000000000000000
        X80 0x3FFF, ONE                 ; 0b: by a huge scale: overflow
        X80 0x401E, 0xFFFFFFFF00000000
SCALE_VALUES equ ($ - scale_values) / 20

; ---------------------------------------------------------------------------
; FXTRACT: ST(0) significand, ST(1) exponent
%macro XTRACT 2
        fninit
        fld tword [%1]
        fxtract
        PUTS %2
        SP_
        PSW SW_FLAGS | SW_ZE
        SP_
        PSTACK
        NL
%endmacro
extract:
        XTRACT v_two, "fxtract 2"
        XTRACT v_nthird, "fxtract -1/3"
        XTRACT x_denormal, "fxtract denormal"
        XTRACT v_nzero, "fxtract -0"
        XTRACT v_ninf, "fxtract -inf"
        XTRACT v_nqnan, "fxtract qnan"
        XTRACT v_snan, "fxtract snan"
        ret
x_denormal: X80 0x0000, 0x0000000000000300

; ---------------------------------------------------------------------------
; FPREM / FPREM1: "pair op C3 C2 C1 C0 flags remainder"; a partial remainder
; (C2 = 1) is followed by further steps until C2 = 0. The quotient bits
; (C0 C3 C1) are compared for FPREM only: QEMU 7.2 leaves them zero after
; FPREM1 (see README).
SW_REM  equ SW_C3 | SW_C2 | SW_C1 | SW_C0 | SW_FLAGS
SW_REM1 equ SW_C2 | SW_FLAGS
remainders:
        xor ebx, ebx
.pair:  xor ebp, ebp
.op:    fninit
        imul esi, ebx, 20
        add esi, rem_values
        fld tword [esi + 10]            ; ST(1) = divisor
        fld tword [esi]                 ; ST(0) = dividend
        PHEX 2, ebx
        PUTS " fprem"
        test ebp, ebp
        jz .step
        PUTS "1"
.step:  test ebp, ebp
        jnz .p1
        fprem
        jmp .show
.p1:    fprem1
.show:  SP_
        test ebp, ebp
        jnz .show1
        PSW SW_REM
        jmp .shown
.show1: PSW SW_REM1
.shown:
        fnstsw ax
        test ax, SW_C2
        jz .done
        fstp tword [fpu_t80]            ; there is no FST m80: store and reload
        fld tword [fpu_t80]
        SP_
        P80 [fpu_t80]
        PUTS " ;"
        jmp .step
.done:  SP_
        fstp tword [fpu_t80]
        P80 [fpu_t80]
        NL
        inc ebp
        cmp ebp, 2
        jb .op
        inc ebx
        cmp ebx, REM_VALUES
        jb .pair
        ret

rem_values:
        X80 0x4001, 0xE000000000000000  ; 00: 7 rem 2 (quotient 3)
        X80 0x4000, ONE
        X80 0xC001, 0xE000000000000000  ; 01: -7 rem 2
        X80 0x4000, ONE
        X80 0x4001, 0xE000000000000000  ; 02: 7 rem -2
        X80 0xC000, ONE
        X80 0x4002, 0xB000000000000000  ; 03: 11 rem 2 (quotient 5)
        X80 0x4000, ONE
        X80 0x4003, 0xF800000000000000  ; 04: 31 rem 4.5
        X80 0x4001, 0x9000000000000000
        X80 0x4002, 0xB000000000000000  ; 05: 11 rem 4 (q 2.75: FPREM1 rounds to 3)
        X80 0x4001, 0x8000000000000000
        X80 0x3FFE, ONE                 ; 06: 0.5 rem 3 (q 0)
        X80 0x4000, 0xC000000000000000
        X80 0x4063, 0x8000000000000000  ; 07: 2^100 rem 3: partial remainders
        X80 0x4000, 0xC000000000000000
        X80 0x40C7, 0xC90FDAA22168C235  ; 08: pi * 2^200 rem pi
        X80 0x4000, 0xC90FDAA22168C234
        X80 0x4001, 0xC000000000000000  ; 09: 6 rem 0: invalid
        X80 0x0000, 0
        X80 0x7FFF, ONE                 ; 0a: inf rem 2: invalid
        X80 0x4000, ONE
        X80 0x4000, ONE                 ; 0b: 2 rem inf: 2
        X80 0x7FFF, ONE
        X80 0x8000, 0                   ; 0c: -0 rem 5
        X80 0x4001, 0xA000000000000000
        X80 0x3FFF, ONE                 ; 0d: 1 rem QNaN
        X80 0x7FFF, 0xC000000000000001
        X80 0x0000, 0x0000000000000007  ; 0e: denormal rem denormal
        X80 0x0000, 0x0000000000000002
REM_VALUES equ ($ - rem_values) / 20

; ---------------------------------------------------------------------------
; FSQRT: sqrt(2) under every control word, then special operands. C0 C2 C3
; are undefined after FSQRT and not printed.
cw_table:
        dw 0x007F, 0x047F, 0x087F, 0x0C7F
        dw 0x027F, 0x067F, 0x0A7F, 0x0E7F
        dw 0x037F, 0x077F, 0x0B7F, 0x0F7F
%macro SQRT 2
        fninit
        fld tword [%1]
        fsqrt
        PUTS %2
        SP_
        PSW SW_FLAGS
        SP_
        PST0
        NL
%endmacro
roots:
        xor edi, edi
.cw:    fninit
        fldcw [cw_table + edi * 2]
        fld tword [v_two]
        fsqrt
        PUTS "fsqrt 2 "
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
        SQRT v_four, "fsqrt 4"
        SQRT v_nzero, "fsqrt -0"
        SQRT v_nthird, "fsqrt -1/3"
        SQRT v_ninf, "fsqrt -inf"
        SQRT v_pinf, "fsqrt +inf"
        SQRT x_denormal, "fsqrt denormal"
        SQRT v_snan, "fsqrt snan"
        SQRT v_unnormal, "fsqrt unnormal"
        SQRT v_big, "fsqrt big"
        ret
v_four: X80 0x4001, ONE
v_pinf: X80 0x7FFF, ONE
v_big:  X80 0x7FFE, 0xFFFFFFFFFFFFFFFF

; ---------------------------------------------------------------------------
; FINCSTP / FDECSTP / FFREE: TOP and the tag word (through FNSTENV)
%macro TAGS 1
        fnstenv [env]
        PUTS %1
        PUTS " sw "
        movzx eax, word [env + 4]
        and eax, SW_TOP | SW_CC
        PHEX 4, eax
        PUTS " tw "
        PHEX 4, [env + 8]
        NL
        fldcw [env]                     ; FNSTENV masks the exceptions on a real FPU
%endmacro
stack:
        fninit
        TAGS "fninit"
        fld1
        fldz
        fld tword [v_pinf]
        fld tword [x_denormal]
        fld tword [v_unnormal]
        TAGS "loaded"
        fincstp
        fincstp
        TAGS "fincstp x2"
        fdecstp
        TAGS "fdecstp"
        ffree st1
        TAGS "ffree st1"
        ffree st0
        fincstp
        fincstp
        fincstp
        fincstp
        fincstp
        fincstp
        TAGS "wrap"
        PUTS "st "
        PSTACK
        NL
        ret

align 4
env:    times 28 db 0

%include "tail.inc"
