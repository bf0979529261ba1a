; x87 transcendental instructions: F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN,
; FCOS, FPTAN, FSINCOS on a range of arguments, their special cases (zeros,
; exact results, infinities, NaNs, invalid operands) and out-of-range
; arguments of FSIN/FCOS/FPTAN/FSINCOS (|x| >= 2^63: C2 = 1, ST(0) unchanged).
;
; A real FPU computes these within an ulp, not correctly rounded, so an
; inexact result is printed with the low bits of its significand cleared:
; 8 bits for F2XM1/FYL2X/FYL2XP1/FPATAN, 16 bits for FSIN/FCOS/FPTAN/FSINCOS
; (QEMU 7.2 computes those four through the host's double precision, exact to
; about 53 bits only). Every such argument was checked against a 200-bit
; evaluation: the cleared bits of the exact result are far enough from a
; boundary that any result within that error prints the same. Exact results
; are printed whole. Status words show IE ZE (and C2 for the four
; trigonometric instructions); PE is not compared, nor anything for the
; trigonometric ones but C2 (QEMU 7.2 sets no flags for them, see README).
%include "common.inc"
%include "fpu.inc"

ONE     equ 0x8000000000000000

; PR mask: pop and print ST(0) with the low bits of the significand cleared
%macro PR 1
        fstp tword [fpu_t80]
        and dword [fpu_t80], ~(%1)
        P80 [fpu_t80]
%endmacro

; ONE_ARG insn, value (m64fp), mask, label
%macro ONE_ARG 4
        fninit
        fld qword [%2]
        %1
        PUTS %4
        SP_
        PSW SW_IE | SW_ZE
        SP_
        PR %3
        NL
%endmacro

; TWO_ARG insn, ST(1) (m64fp), ST(0) (m64fp), mask, label
%macro TWO_ARG 5
        fninit
        fld qword [%2]
        fld qword [%3]
        %1
        PUTS %5
        SP_
        PSW SW_IE | SW_ZE | SW_TOP
        SP_
        PR %4
        NL
%endmacro

; TRIG insn, value (m80fp), mask, results, label: C2 and the results
%macro TRIG 5
        fninit
        fld tword [%2]
        %1
        PUTS %5
        SP_
        PSW SW_C2 | SW_TOP
  %rep %4
        SP_
        PR %3
  %endrep
        NL
%endmacro

main:
        FPU_ON
        ONE_ARG f2xm1, d_half, 0xFF, "f2xm1 0.5"
        ONE_ARG f2xm1, d_mhalf, 0xFF, "f2xm1 -0.5"
        ONE_ARG f2xm1, d_quarter, 0xFF, "f2xm1 0.25"
        ONE_ARG f2xm1, d_m0_75, 0xFF, "f2xm1 -0.75"
        ONE_ARG f2xm1, d_0_001, 0xFF, "f2xm1 0.001"
        ONE_ARG f2xm1, d_2m70, 0xFF, "f2xm1 2^-70"
        ONE_ARG f2xm1, d_one, 0, "f2xm1 1"
        ONE_ARG f2xm1, d_mone, 0, "f2xm1 -1"
        ONE_ARG f2xm1, d_zero, 0, "f2xm1 +0"
        ONE_ARG f2xm1, d_mzero, 0, "f2xm1 -0"
        ONE_ARG f2xm1, d_snan, 0, "f2xm1 snan"
        ONE_ARG f2xm1, d_qnan, 0, "f2xm1 qnan"

        TWO_ARG fyl2x, d_three, d_eight, 0, "fyl2x 3*log2(8)"
        TWO_ARG fyl2x, d_one, d_half, 0, "fyl2x 1*log2(0.5)"
        TWO_ARG fyl2x, d_five, d_one, 0, "fyl2x 5*log2(1)"
        TWO_ARG fyl2x, d_one, d_seven, 0xFF, "fyl2x 1*log2(7)"
        TWO_ARG fyl2x, d_mtwo, d_three, 0xFF, "fyl2x -2*log2(3)"
        TWO_ARG fyl2x, d_one, d_1_5, 0xFF, "fyl2x 1*log2(1.5)"
        TWO_ARG fyl2x, d_half, d_0_001, 0xFF, "fyl2x 0.5*log2(0.001)"
        TWO_ARG fyl2x, d_one, d_zero, 0, "fyl2x 1*log2(0)"
        TWO_ARG fyl2x, d_one, d_mone, 0, "fyl2x 1*log2(-1)"
        TWO_ARG fyl2x, d_two, d_inf, 0, "fyl2x 2*log2(inf)"
        TWO_ARG fyl2x, d_zero, d_inf, 0, "fyl2x 0*log2(inf)"

        TWO_ARG fyl2xp1, d_one, d_quarter, 0xFF, "fyl2xp1 1*log2(1.25)"
        TWO_ARG fyl2xp1, d_two, d_mquarter, 0xFF, "fyl2xp1 2*log2(0.75)"
        TWO_ARG fyl2xp1, d_one, d_2m40, 0xFF, "fyl2xp1 1*log2(1+2^-40)"
        TWO_ARG fyl2xp1, d_three, d_zero, 0, "fyl2xp1 3*log2(1+0)"
        TWO_ARG fyl2xp1, d_mtwo, d_0_1, 0xFF, "fyl2xp1 -2*log2(1.1)"

        TWO_ARG fpatan, d_one, d_one, 0xFF, "fpatan 1 1"
        TWO_ARG fpatan, d_one, d_mone, 0xFF, "fpatan 1 -1"
        TWO_ARG fpatan, d_zero, d_mone, 0xFF, "fpatan 0 -1"
        TWO_ARG fpatan, d_mzero, d_one, 0, "fpatan -0 1"
        TWO_ARG fpatan, d_one, d_zero, 0xFF, "fpatan 1 0"
        TWO_ARG fpatan, d_one, d_two, 0xFF, "fpatan 1 2"
        TWO_ARG fpatan, d_mthree, d_half, 0xFF, "fpatan -3 0.5"
        TWO_ARG fpatan, d_inf, d_inf, 0xFF, "fpatan inf inf"
        TWO_ARG fpatan, d_inf, d_minf, 0xFF, "fpatan inf -inf"
        TWO_ARG fpatan, d_qnan, d_one, 0, "fpatan qnan 1"

        TRIG fsin, t_half, 0xFFFF, 1, "fsin 0.5"
        TRIG fsin, t_one, 0xFFFF, 1, "fsin 1"
        TRIG fsin, t_m1_25, 0xFFFF, 1, "fsin -1.25"
        TRIG fsin, t_three, 0xFFFF, 1, "fsin 3"
        TRIG fsin, t_ten, 0xFFFF, 1, "fsin 10"
        TRIG fsin, t_zero, 0, 1, "fsin +0"
        TRIG fsin, t_mzero, 0, 1, "fsin -0"
        TRIG fsin, t_2p64, 0, 1, "fsin 2^64"
        TRIG fcos, t_half, 0xFFFF, 1, "fcos 0.5"
        TRIG fcos, t_m1_25, 0xFFFF, 1, "fcos -1.25"
        TRIG fcos, t_two, 0xFFFF, 1, "fcos 2"
        TRIG fcos, t_three, 0xFFFF, 1, "fcos 3"
        TRIG fcos, t_zero, 0, 1, "fcos +0"
        TRIG fcos, t_m2p70, 0, 1, "fcos -2^70"
        TRIG fptan, t_half, 0xFFFF, 2, "fptan 0.5"
        TRIG fptan, t_mone, 0xFFFF, 2, "fptan -1"
        TRIG fptan, t_1_5, 0xFFFF, 2, "fptan 1.5"
        TRIG fptan, t_zero, 0, 2, "fptan +0"
        TRIG fptan, t_2p64, 0, 1, "fptan 2^64"
        TRIG fsincos, t_0_375, 0xFFFF, 2, "fsincos 0.375"
        TRIG fsincos, t_mtwo, 0xFFFF, 2, "fsincos -2"
        TRIG fsincos, t_mzero, 0, 2, "fsincos -0"
        TRIG fsincos, t_m2p70, 0, 1, "fsincos -2^70"
        EXIT 0

d_half:     dq 0.5
d_mhalf:    dq -0.5
d_quarter:  dq 0.25
d_mquarter: dq -0.25
d_m0_75:    dq -0.75
d_0_001:    dq 0.001
d_0_1:      dq 0.1
d_2m70:     dq 0x3B90000000000000
d_2m40:     dq 0x3D70000000000000
d_one:      dq 1.0
d_mone:     dq -1.0
d_1_5:      dq 1.5
d_two:      dq 2.0
d_mtwo:     dq -2.0
d_three:    dq 3.0
d_mthree:   dq -3.0
d_five:     dq 5.0
d_eight:    dq 8.0
d_seven:    dq 7.0
d_zero:     dq 0.0
d_mzero:    dq -0.0
d_inf:      dq 0x7FF0000000000000
d_minf:     dq 0xFFF0000000000000
d_snan:     dq 0x7FF0000000000001
d_qnan:     dq 0xFFF8000000000000

t_half:     X80 0x3FFE, ONE
t_one:      X80 0x3FFF, ONE
t_mone:     X80 0xBFFF, ONE
t_m1_25:    X80 0xBFFF, 0xA000000000000000
t_1_5:      X80 0x3FFF, 0xC000000000000000
t_0_375:    X80 0x3FFD, 0xC000000000000000
t_two:      X80 0x4000, ONE
t_mtwo:     X80 0xC000, ONE
t_three:    X80 0x4000, 0xC000000000000000
t_ten:      X80 0x4002, 0xA000000000000000
t_zero:     X80 0x0000, 0
t_mzero:    X80 0x8000, 0
t_2p64:     X80 0x403F, ONE
t_m2p70:    X80 0xC045, ONE

%include "tail.inc"
