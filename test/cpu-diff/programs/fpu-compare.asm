; x87 comparisons and classification: FCOM/FCOMP/FCOMPP, FUCOM/FUCOMP/
; FUCOMPP, FICOM/FICOMP, FTST against ordered, equal, signed-zero, infinite,
; NaN, denormal and unsupported operands (C3 C2 C0 and IE; FUCOM* raise IE
; only for SNaNs), FCOMI/FCOMIP/FUCOMI/FUCOMIP (ZF PF CF), FCMOVcc, FXAM on
; every class including an empty register, FNSTSW AX and m16.
;
; Status words are masked to C3 C2 C0, IE and TOP (C1 is not compared: QEMU
; leaves it unchanged where the SDM clears it). EFLAGS after FCOMI are masked
; to ZF PF CF (QEMU leaves OF SF AF unchanged where the SDM clears them).
%include "common.inc"
%include "fpu.inc"

SW_CMP  equ SW_C3 | SW_C2 | SW_C0 | SW_IE | SW_TOP

main:
        FPU_ON
        ; "pair  fcom fucom fcomp fucompp fcom-m32 fcom-m64 | fcomi fucomi fcomip fucomip"
        xor ebx, ebx
.pair:  PHEX 2, ebx
        SP_
        imul esi, ebx, 20
        add esi, pairs
%macro CMP2 1
        fninit
        fld tword [esi + 10]
        fld tword [esi]
        %1
        PSW SW_CMP
        SP_
%endmacro
        CMP2 fcom
        CMP2 {fucom st1}
        CMP2 {fcomp st1}
        CMP2 fcompp
        CMP2 fucomp
        CMP2 fucompp
%macro CMPI 1
        fninit
        fld tword [esi + 10]
        fld tword [esi]
        push dword 0x8D5                ; every arithmetic flag set: CF PF AF ZF SF OF
        popfd
        %1
        PFLAGS F_ZF | F_PF | F_CF
        PUTS "/"
        PSW SW_CMP
        SP_
%endmacro
        PUTS "| "
        CMPI {fcomi st0, st1}
        CMPI {fucomi st0, st1}
        CMPI {fcomip st0, st1}
        CMPI {fucomip st0, st1}
        NL
        inc ebx
        cmp ebx, PAIRS
        jb .pair

        ; memory and integer operands
%macro CMPM 2
        fninit
        fld tword [%2]
        %1
        PUTS %str(%1)
        SP_
        PSW SW_CMP
        NL
%endmacro
        CMPM {fcom dword [f_two]}, t_two
        CMPM {fcom qword [d_three]}, t_two
        CMPM {fcomp dword [f_snan]}, t_two
        CMPM {fcomp qword [d_qnan]}, t_two
        CMPM {ficom word [i16_m2]}, t_two
        CMPM {ficom dword [i32_two]}, t_two
        CMPM {ficomp word [i16_m2]}, t_ninf
        CMPM {ficomp dword [i32_two]}, t_qnan
        CMPM ftst, t_two
        CMPM ftst, t_nzero
        CMPM ftst, t_ninf
        CMPM ftst, t_qnan
        CMPM ftst, t_denormal

        call fcmov
        call fxam
        call fnstsw_forms
        EXIT 0

ONE     equ 0x8000000000000000
pairs:
        X80 0x3FFF, ONE                 ; 00: 1 < 2
        X80 0x4000, ONE
        X80 0x4000, ONE                 ; 01: 2 > 1
        X80 0x3FFF, ONE
        X80 0xBFFF, ONE                 ; 02: -1 = -1
        X80 0xBFFF, ONE
        X80 0x0000, 0                   ; 03: +0 = -0
        X80 0x8000, 0
        X80 0xFFFF, ONE                 ; 04: -inf < +inf
        X80 0x7FFF, ONE
        X80 0x7FFF, 0xC000000000000000  ; 05: QNaN, 1: unordered
        X80 0x3FFF, ONE
        X80 0x3FFF, ONE                 ; 06: 1, SNaN: unordered
        X80 0x7FFF, 0x8000000000000001
        X80 0x0000, 0x0000000000000001  ; 07: denormal > 0
        X80 0x0000, 0
        X80 0x0000, 0x8000000000000000  ; 08: pseudo-denormal = 2^-16382
        X80 0x0001, 0x8000000000000000
        X80 0x3FFF, 0x4000000000000000  ; 09: unnormal: unordered, invalid
        X80 0x3FFF, ONE
        X80 0x7FFF, 0x8000000000000000  ; 0a: +inf = +inf
        X80 0x7FFF, ONE
PAIRS   equ ($ - pairs) / 20

t_two:      X80 0x4000, ONE
t_ninf:     X80 0xFFFF, ONE
t_qnan:     X80 0xFFFF, 0xC000000000000000
t_nzero:    X80 0x8000, 0
t_denormal: X80 0x8000, 0x0000000000001000
f_two:      dd 2.0
f_snan:     dd 0x7F800001
d_three:    dq 3.0
d_qnan:     dq 0x7FF8000000000000
i16_m2:     dw -2
i32_two:    dd 2

; ---------------------------------------------------------------------------
; FCMOVcc: ST(0) = 1, ST(1) = 2; each condition under flags that make it true
; and false. Prints ST(0) after the move.
%macro FCMOV 2
        fninit
        fld1
        fld1
        fadd st0, st0
        fxch
        push dword %2
        popfd
        %1 st0, st1
        PUTS %str(%1)
        PUTS " "
        PHEX 3, %2
        SP_
        PST0
        NL
%endmacro
fcmov:
        FCMOV fcmovb, 0x003
        FCMOV fcmovb, 0x002
        FCMOV fcmove, 0x042
        FCMOV fcmove, 0x002
        FCMOV fcmovbe, 0x003
        FCMOV fcmovbe, 0x042
        FCMOV fcmovbe, 0x002
        FCMOV fcmovu, 0x006
        FCMOV fcmovu, 0x0C3
        FCMOV fcmovnb, 0x003
        FCMOV fcmovnb, 0x002
        FCMOV fcmovne, 0x042
        FCMOV fcmovne, 0x002
        FCMOV fcmovnbe, 0x043
        FCMOV fcmovnbe, 0x002
        FCMOV fcmovnu, 0x006
        FCMOV fcmovnu, 0x002
        ret

; ---------------------------------------------------------------------------
; FXAM: C3 C2 C1 C0 and TOP for each class
%macro XAM 2
        fninit
        fld tword [%1]
        fxam
        PUTS %2
        SP_
        PSW SW_CC | SW_C1 | SW_TOP
        NL
%endmacro
fxam:
        XAM t_pzero, "+0"
        XAM t_nzero, "-0"
        XAM t_denormal, "-denormal"
        XAM t_pdenormal, "pseudo-denormal"
        XAM t_two, "+normal"
        XAM t_nnormal, "-normal"
        XAM t_pinf, "+inf"
        XAM t_ninf, "-inf"
        XAM t_qnan, "-qnan"
        XAM t_snan, "+snan"
        XAM t_unnormal, "unnormal"
        XAM t_pnan, "pseudo-nan"
        XAM t_pseudoinf, "pseudo-inf"
        ; an empty ST(0): C3 C0 = 1 0 1 (C1, the sign of whatever the
        ; register held, is not compared)
        fninit
        fxam
        PUTS "empty "
        PSW SW_CC | SW_TOP
        NL
        fninit
        fld1
        fldz
        ffree st0
        fxam
        PUTS "freed "
        PSW SW_CC | SW_TOP
        NL
        ret

t_pzero:     X80 0x0000, 0
t_pdenormal: X80 0x0000, 0x8000000000000001
t_nnormal:   X80 0xC123, 0x8765432100000000
t_pinf:      X80 0x7FFF, ONE
t_snan:      X80 0x7FFF, 0xA000000000000000
t_unnormal:  X80 0x4000, 0x0000000000000001
t_pnan:      X80 0x7FFF, 0x4000000000000000
t_pseudoinf: X80 0xFFFF, 0

; ---------------------------------------------------------------------------
fnstsw_forms:
        fninit
        fld1
        fldz
        fdivp                           ; ZE, TOP = 7
        fld1
        fld1
        fcom st1
        mov eax, 0x12345678
        fnstsw ax                       ; only AX changes
        and eax, 0xFFFF0000 | SW_FLAGS | SW_CMP
        PUTS "fnstsw ax "
        PHEX32 eax
        mov word [sw_mem], 0xAAAA
        mov word [sw_mem + 2], 0x5555
        fnstsw [sw_mem]
        and word [sw_mem], SW_FLAGS | SW_CMP
        PUTS " m16 "
        PHEX32 [sw_mem]
        fstsw ax                        ; the waiting form
        and eax, SW_FLAGS | SW_CMP
        PUTS " fstsw "
        PHEX 4, eax
        NL
        ret

align 4
sw_mem: dd 0

%include "tail.inc"
