; x87 loads, stores and conversions: FST/FSTP to m32fp and m64fp under each
; rounding mode (halfway and sticky cases, rounding up into the next binade,
; overflow to infinity or the largest finite, underflow to denormals and zero,
; NaNs and unsupported formats), FLD from m32fp/m64fp/m80fp, FILD from
; m16/m32/m64int, FIST/FISTP to m16/m32/m64int with rounding and overflow to
; the integer indefinite, FBLD/FBSTP, and the seven constants under each
; rounding mode.
;
; Flags printed are IE ZE OE UE PE (DE and C1 are not compared, see README).
; Tiny results are all well below the smallest normal of the destination, so
; both tininess rules agree.
%include "common.inc"
%include "fpu.inc"

main:
        FPU_ON
        call stores
        call loads
        call integers
        call bcd
        call constants
        EXIT 0

; ---------------------------------------------------------------------------
; FST m32fp / m64fp: "value rc m32 flags m64 flags"
stores:
        xor ebx, ebx
.val:   xor edi, edi
.rc:    fninit
        fldcw [rc_table + edi * 2]
        imul esi, ebx, 10
        add esi, store_values
        fld tword [esi]
        fst dword [out32]
        PHEX 2, ebx
        SP_
        PHEX 1, edi
        SP_
        PHEX32 [out32]
        SP_
        PSW SW_FLAGS
        SP_
        fnclex
        fstp qword [out64]
        PHEX32 [out64 + 4]
        PHEX32 [out64]
        SP_
        PSW SW_FLAGS
        NL
        inc edi
        cmp edi, 4
        jb .rc
        inc ebx
        cmp ebx, STORE_VALUES
        jb .val
        ret

rc_table: dw 0x037F, 0x077F, 0x0B7F, 0x0F7F

store_values:
        X80 0x3FFF, 0x8000008000000000  ; 00: 1 + 2^-24: halfway for m32
        X80 0x3FFF, 0x8000008000000001  ; 01: halfway plus sticky
        X80 0x3FFF, 0x8000018000000000  ; 02: halfway, odd: to even upward
        X80 0x3FFF, 0xFFFFFF8000000000  ; 03: rounds up into the next binade (m32)
        X80 0x3FFF, 0x8000000000000400  ; 04: 1 + 2^-53: halfway for m64
        X80 0xBFFF, 0xFFFFFFFFFFFFFC00  ; 05: -(2 - 2^-53): rounds into the next binade (m64)
        X80 0x407E, 0xFFFFFF8000000000  ; 06: just above the largest m32 (halfway)
        X80 0xC0FF, 0x8000000000000000  ; 07: -2^256: overflows m32
        X80 0x43FF, 0x8000000000000000  ; 08: 2^1024: overflows m64
        X80 0x3F6A, 0x8000000000000000  ; 09: 2^-149: the smallest m32 denormal, exact
        X80 0x3F6A, 0xC000000000000000  ; 0a: 1.5 * 2^-149: m32 denormal, inexact
        X80 0x3F50, 0x8000000000000000  ; 0b: 2^-175: below every m32 denormal
        X80 0x3BCD, 0x8000000000000001  ; 0c: 2^-1074 (1 + 2^-63): m64 denormal, inexact
        X80 0x0000, 0x0000000000000001  ; 0d: the smallest 80-bit denormal
        X80 0x8000, 0x0000000000000000  ; 0e: -0
        X80 0xFFFF, 0x8000000000000000  ; 0f: -inf
        X80 0x7FFF, 0xC000000012345678  ; 10: QNaN: the payload is truncated
        X80 0xFFFF, 0x8000000400000000  ; 11: SNaN: quieted
        X80 0x7FFF, 0x8000000000000001  ; 12: SNaN whose payload is lost in m32 and m64
        X80 0x3FFF, 0x7FFFFFFFFFFFFFFF  ; 13: unnormal: invalid, the indefinite
        X80 0x7FFF, 0x0000000000000000  ; 14: pseudo-infinity: invalid
        X80 0x0000, 0x8000000000000000  ; 15: pseudo-denormal: 2^-16382 underflows both
        X80 0x4000, 0xC90FDAA22168C235  ; 16: pi
STORE_VALUES equ ($ - store_values) / 10

; ---------------------------------------------------------------------------
; FLD m32fp / m64fp / m80fp: "kind value -> ST(0) flags"
%macro LOAD 3
        fninit
        fld %1 [%2]
        PUTS %3
        SP_
        PSW SW_FLAGS
        SP_
        PST0
        NL
%endmacro

loads:
        LOAD dword, s_denormal, "m32 denormal"
        LOAD dword, s_snan, "m32 snan"
        LOAD dword, s_qnan, "m32 qnan"
        LOAD dword, s_ninf, "m32 -inf"
        LOAD dword, s_nzero, "m32 -0"
        LOAD dword, s_max, "m32 max"
        LOAD qword, d_denormal, "m64 denormal"
        LOAD qword, d_snan, "m64 snan"
        LOAD qword, d_qnan, "m64 qnan"
        LOAD qword, d_tenth, "m64 0.1"
        LOAD qword, d_max, "m64 max"
        LOAD tword, t_snan, "m80 snan"          ; FLD m80 does not check SNaNs
        LOAD tword, t_unnormal, "m80 unnormal"  ; nor unsupported formats
        ret

s_denormal: dd 0x00000001
s_snan:     dd 0xFF800123
s_qnan:     dd 0x7FC00456
s_ninf:     dd 0xFF800000
s_nzero:    dd 0x80000000
s_max:      dd 0x7F7FFFFF
d_denormal: dq 0x000FFFFFFFFFFFFF
d_snan:     dq 0x7FF0000000000789
d_qnan:     dq 0xFFF8000000000abc
d_tenth:    dq 0x3FB999999999999A
d_max:      dq 0x7FEFFFFFFFFFFFFF
t_snan:     X80 0x7FFF, 0x8000000000000042
t_unnormal: X80 0x1234, 0x0000000087654321

; ---------------------------------------------------------------------------
; FILD, then FIST/FISTP under each rounding mode
%macro ILOAD 3
        fninit
        fild %1 [%2]
        PUTS %3
        SP_
        PSW SW_FLAGS
        SP_
        PST0
        NL
%endmacro

integers:
        ILOAD word, i16_min, "fild m16 -32768"
        ILOAD word, i16_m1, "fild m16 -1"
        ILOAD dword, i32_max, "fild m32 max"
        ILOAD dword, i32_min, "fild m32 min"
        ILOAD qword, i64_max, "fild m64 max"
        ILOAD qword, i64_min, "fild m64 min"
        ILOAD qword, i64_odd, "fild m64 odd"
        ; FILD is exact whatever the precision control
        fninit
        SETCW 0x007F
        fild qword [i64_max]
        PUTS "fild m64 max pc24 "
        PSW SW_FLAGS
        SP_
        PST0
        NL

        ; "value rc m16 flags m32 flags m64 flags"
        xor ebx, ebx
.val:   xor edi, edi
.rc:    fninit
        fldcw [rc_table + edi * 2]
        imul esi, ebx, 10
        add esi, int_values
        fld tword [esi]
        mov dword [out64], 0x5A5A5A5A
        mov dword [out64 + 4], 0x5A5A5A5A
        fist word [out64]
        PHEX 2, ebx
        SP_
        PHEX 1, edi
        SP_
        PHEX 4, [out64]
        SP_
        PSW SW_FLAGS
        SP_
        fnclex
        fist dword [out64]
        PHEX32 [out64]
        SP_
        PSW SW_FLAGS
        SP_
        fnclex
        fistp qword [out64]
        PHEX32 [out64 + 4]
        PHEX32 [out64]
        SP_
        PSW SW_FLAGS
        SP_
        fnstsw ax                       ; FISTP popped
        shr eax, 11
        and eax, 7
        PHEX 1, eax
        NL
        inc edi
        cmp edi, 4
        jb .rc
        inc ebx
        cmp ebx, INT_VALUES
        jb .val
        ; FISTP m16 and m32 pop too
        fninit
        fld1
        fld1
        fistp word [out64]
        fistp dword [out64 + 4]
        PUTS "fistp pops "
        fnstsw ax
        PHEX 4, eax
        NL
        ret

i16_min:    dw -32768
i16_m1:     dw -1
i32_max:    dd 0x7FFFFFFF
i32_min:    dd 0x80000000
i64_max:    dq 0x7FFFFFFFFFFFFFFF
i64_min:    dq 0x8000000000000000
i64_odd:    dq -1234567890123456789

int_values:
        X80 0x4000, 0xA000000000000000  ; 00: 2.5
        X80 0xC000, 0xA000000000000000  ; 01: -2.5
        X80 0x4000, 0xE000000000000000  ; 02: 3.5
        X80 0xBFFE, 0x8000000000000000  ; 03: -0.5
        X80 0x3FFD, 0xCCCCCCCCCCCCCCCD  ; 04: 0.4
        X80 0xBFFF, 0xCCCCCCCCCCCCCCCD  ; 05: -1.6
        X80 0x400D, 0xFFFF000000000000  ; 06: 32767.5
        X80 0xC00E, 0x8000800000000000  ; 07: -32768.5
        X80 0xC00E, 0x8000000000000000  ; 08: -32768
        X80 0x401D, 0xFFFFFFFF00000000  ; 09: 2^31 - 0.5
        X80 0xC01E, 0x8000000040000000  ; 0a: -2^31 - 0.25
        X80 0x403D, 0xFFFFFFFFFFFFFFFF  ; 0b: 2^63 - 0.5
        X80 0x403E, 0x8000000000000000  ; 0c: 2^63: overflows m64
        X80 0xC03E, 0x8000000000000000  ; 0d: -2^63
        X80 0x7FFF, 0xC000000000000000  ; 0e: QNaN: invalid
        X80 0xFFFF, 0x8000000000000000  ; 0f: -inf: invalid
        X80 0x8000, 0x0000000000000000  ; 10: -0
        X80 0x0000, 0x0000000000000001  ; 11: a denormal
        X80 0x3FFF, 0x4000000000000000  ; 12: unnormal: invalid
INT_VALUES equ ($ - int_values) / 10

; ---------------------------------------------------------------------------
; FBLD / FBSTP
%macro BLOAD 2
        fninit
        fbld [%1]
        PUTS %2
        SP_
        PSW SW_FLAGS
        SP_
        PST0
        NL
%endmacro

bcd:
        BLOAD bcd_max, "fbld max"
        BLOAD bcd_neg, "fbld -12345"
        BLOAD bcd_nzero, "fbld -0"
        ; "value rc packed flags"
        xor ebx, ebx
.val:   xor edi, edi
.rc:    fninit
        fldcw [rc_table + edi * 2]
        imul esi, ebx, 10
        add esi, bcd_values
        fld tword [esi]
        fbstp [out80]
        PHEX 2, ebx
        SP_
        PHEX 1, edi
        SP_
        P80 [out80]
        SP_
        PSW SW_FLAGS
        NL
        inc edi
        cmp edi, 4
        jb .rc
        inc ebx
        cmp ebx, BCD_VALUES
        jb .val
        ret

bcd_max:    db 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x00
bcd_neg:    db 0x45, 0x23, 0x01, 0, 0, 0, 0, 0, 0, 0x80
bcd_nzero:  db 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80
bcd_values:
        X80 0x4005, 0xF700000000000000  ; 00: 123.5
        X80 0xC005, 0xF500000000000000  ; 01: -122.5
        X80 0x403A, 0xDE0B6B3A763FFFF0  ; 02: 999999999999999999
        X80 0x403A, 0xDE0B6B3A76400000  ; 03: 10^18: invalid, the BCD indefinite
        X80 0xBFFD, 0x8000000000000000  ; 04: -0.25
        X80 0x7FFF, 0xC000000000000000  ; 05: QNaN: invalid
BCD_VALUES equ ($ - bcd_values) / 10

; ---------------------------------------------------------------------------
; the constants under each rounding mode: "rc 1 0 pi l2e l2t lg2 ln2"
%macro CONST 1
        fninit
        fldcw [rc_table + edi * 2]
        %1
        PST0
        SP_
%endmacro

constants:
        xor edi, edi
.rc:    PHEX 1, edi
        SP_
        CONST fld1
        CONST fldz
        CONST fldpi
        CONST fldl2e
        CONST fldl2t
        CONST fldlg2
        CONST fldln2
        NL
        inc edi
        cmp edi, 4
        jb .rc
        ret

align 8
out32:  dd 0
out64:  dq 0
out80:  times 10 db 0

%include "tail.inc"
