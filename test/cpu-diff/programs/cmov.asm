; P6 additions: CMOVcc over flag combinations (register and memory sources,
; 16 and 32 bits; a false condition still leaves the 32-bit destination's
; value alone), the long NOP forms (0F 1F), and CPUID executed without
; printing its model-specific results.
%include "common.inc"

%macro CMOVALL 16
  %assign bit 0
  %rep 16
        push ebx
        popfd
        mov eax, 0
        mov ecx, 1
        cmov%1 eax, ecx
        shl eax, bit
        or edx, eax
    %rotate 1
    %assign bit bit + 1
  %endrep
%endmacro

main:
        xor edi, edi
.l:     mov ebx, [flagsets + edi * 4]
        xor edx, edx
        CMOVALL o, no, b, nb, z, nz, be, nbe, s, ns, p, np, l, nl, le, nle
        PUTS "cmov "
        PHEX 3, ebx
        SP_
        PHEX 4, edx
        NL
        inc edi
        cmp edi, NFLAGSETS
        jb .l
        ; memory source, 16-bit operands
        mov dword [value], 0x89ABCDEF
        mov eax, 0x11112222
        stc
        cmovc ax, [value]
        PUTS "cmov16 "
        PHEX32 eax
        clc
        mov eax, 0x11112222
        cmovc eax, [value]
        SP_
        PHEX32 eax
        stc
        cmovc eax, [value]
        SP_
        PHEX32 eax
        NL
        ; long NOPs
        mov eax, 0x5555
        db 0x0F, 0x1F, 0x00                     ; nop [eax]
        db 0x0F, 0x1F, 0x40, 0x00               ; nop [eax+0]
        db 0x0F, 0x1F, 0x44, 0x00, 0x00         ; nop [eax+eax+0]
        db 0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00   ; nopw
        db 0x0F, 0x1F, 0x80, 0, 0, 0, 0         ; nop [eax+0]
        db 0x0F, 0x1F, 0x84, 0, 0, 0, 0, 0      ; nop [eax+eax+0]
        PUTS "nops "
        PHEX32 eax
        NL
        ; CPUID runs (its values differ between processors and are not shown)
        xor eax, eax
        cpuid
        PUTS "cpuid ran"
        NL
        EXIT 0

NFLAGSETS equ 10
align 4
value:  dd 0
flagsets:
        dd 0x002, F_CF | 2, F_ZF | 2, F_SF | 2, F_OF | 2, F_PF | 2
        dd F_SF | F_OF | 2, F_ZF | F_CF | 2, F_SF | F_ZF | 2, 0x8D7
%include "tail.inc"
