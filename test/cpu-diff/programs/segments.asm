; Segmentation: data segments with a non-zero base, far pointer loads
; (LDS/LES/LFS/LGS/LSS), LAR/LSL/VERR/VERW on various descriptors, ARPL,
; SGDT/SIDT/SLDT/STR/SMSW, the accessed bit set by a load, MOV from segment
; registers, and an LDT with a descriptor used through a TI=1 selector.
%include "common.inc"

SEL_B1000       equ SEL_SPARE0          ; data, base 0x1000 below `area`, limit 4 GiB
SEL_BYTE        equ SEL_SPARE0 + 8      ; data, byte-granular limit 0x0FFF, DPL 2
SEL_CODE_RD     equ SEL_SPARE0 + 16     ; readable code, conforming
SEL_LDT         equ SEL_SPARE0 + 24     ; LDT descriptor
SEL_GATE        equ SEL_SPARE0 + 32     ; a call gate (system descriptor)
SEL_UNUSED      equ SEL_SPARE0 + 40     ; zero descriptor

%macro SHOW 2
        PUTS %1
        PHEX32 %2
        SP_
%endmacro

main:
        SET_DESC SEL_B1000, area - 0x1000, 0xFFFFF, 0x92, 0xC
        SET_DESC SEL_BYTE, area, 0x0FFF, 0xD2, 0x4
        SET_DESC SEL_CODE_RD, 0, 0xFFFFF, 0x9E, 0xC
        SET_DESC SEL_LDT, ldt, 15, 0x82, 0x0
        mov dword [gdt + SEL_GATE], (SEL_CODE32 << 16) | 0x1234
        mov dword [gdt + SEL_GATE + 4], 0x0000EC00
        ; LDT: entry 1 = data, base `area` + 0x10
        mov eax, area + 0x10
        mov word [ldt + 8], 0xFFFF
        mov [ldt + 8 + 2], ax
        shr eax, 16
        mov [ldt + 8 + 4], al
        mov byte [ldt + 8 + 5], 0x92
        mov byte [ldt + 8 + 6], 0xCF
        mov [ldt + 8 + 7], ah

        ; --- based segments
        mov dword [area], 0x11111111
        mov dword [area + 0x10], 0x22222222
        mov ax, SEL_B1000
        mov fs, ax
        mov eax, [fs:0x1000]
        SHOW "base ", eax
        mov dword [fs:0x1004], 0x33333333
        SHOW "", [area + 4]
        mov ax, SEL_LDT
        lldt ax
        mov ax, 0x0C                    ; LDT entry 1, TI=1, RPL 0
        mov gs, ax
        mov eax, [gs:0]
        SHOW "ldt ", eax
        sldt eax
        SHOW "", eax
        NL

        ; --- accessed bit
        and byte [gdt + SEL_BYTE + 5], ~1
        movzx eax, byte [gdt + SEL_BYTE + 5]
        SHOW "accessed ", eax
        mov ax, SEL_BYTE
        mov es, ax
        movzx eax, byte [gdt + SEL_BYTE + 5]
        SHOW "", eax
        mov ax, SEL_DATA32
        mov es, ax
        NL

        ; --- far pointer loads
        mov dword [farptr], 0xCAFE1234
        mov word [farptr + 4], SEL_B1000
        lfs ebx, [farptr]
        mov eax, fs
        and eax, 0xFFFF
        SHOW "lfs ", ebx
        SHOW "", eax
        mov word [farptr + 4], SEL_DATA32
        les ecx, [farptr]
        lgs edx, [farptr]
        SHOW "", ecx
        SHOW "", edx
        mov [saved_esp], esp
        mov dword [farptr], stack_top - 64
        lss esp, [farptr]
        mov eax, stack_top
        sub eax, esp
        mov esp, [saved_esp]
        SHOW "lss ", eax
        push ds
        lds esi, [farptr]
        pop ds
        SHOW "lds ", esi
        o16 lfs bx, [farptr]
        SHOW "", ebx
        NL

        ; --- LAR / LSL / VERR / VERW
        mov esi, selectors
.sel:   movzx ebx, word [esi]
        cmp ebx, 0xFFFF
        je .seldone
        PUTS "sel "
        PHEX 4, ebx
        mov eax, 0xAAAAAAAA
        lar eax, ebx
        PUTS " lar "
        PFLAGS F_ZF
        SP_
        jnz .nolar
        ; bits 9-15 and 20-23 (G D/B L AVL). Bit 8, the accessed bit, is left
        ; out: the SDM sets it on every segment load, QEMU not on far jumps.
        and eax, 0x00F0FE00
        PHEX32 eax
        jmp .lsl
.nolar: PUTS "--------"
.lsl:   mov eax, 0xBBBBBBBB
        lsl eax, ebx
        PUTS " lsl "
        PFLAGS F_ZF
        SP_
        jnz .nolsl
        PHEX32 eax
        jmp .ver
.nolsl: PUTS "--------"
.ver:   verr bx
        PUTS " verr "
        PFLAGS F_ZF
        verw bx
        PUTS " verw "
        PFLAGS F_ZF
        NL
        add esi, 2
        jmp .sel
.seldone:

        ; --- ARPL
        mov ax, 0x0010
        mov bx, 0x0003
        arpl ax, bx
        PFLAGS F_ZF
        SP_
        PHEX 4, eax
        SP_
        mov ax, 0x0013
        arpl ax, bx
        PFLAGS F_ZF
        SP_
        PHEX 4, eax
        NL

        ; --- descriptor table registers, MSW, segment registers
        sgdt [dtr]
        mov eax, [dtr + 2]
        sub eax, gdt
        SHOW "sgdt ", eax
        movzx eax, word [dtr]
        SHOW "", eax
        sidt [dtr]
        mov eax, [dtr + 2]
        sub eax, idt
        SHOW "sidt ", eax
        movzx eax, word [dtr]
        SHOW "", eax
        mov eax, 0xFFFFFFFF
        smsw ax
        and eax, 0xFFFF000F | 0x10
        SHOW "smsw ", eax
        str ax
        SHOW "str ", eax
        mov eax, 0x12345678
        mov ax, cs
        SHOW "cs ", eax
        mov word [dtr], 0x5555
        mov [dtr], ss
        movzx eax, word [dtr]
        SHOW "ss ", eax
        NL
        EXIT 0

align 4
saved_esp: dd 0
farptr: dd 0, 0
dtr:    dd 0, 0
selectors:
        dw SEL_CODE32, SEL_DATA32, SEL_CODE16, SEL_UCODE32, SEL_UDATA32, SEL_B1000, SEL_BYTE
        dw SEL_BYTE | 3, SEL_CODE_RD, SEL_LDT, SEL_GATE, SEL_UNUSED, 0x000C, 0x0000, 0x0200
        dw 0xFFFF
align 8
ldt:    dq 0, 0

%macro PROGRAM_BSS 0
alignb 4096
area:   resb 0x2000
%endmacro
%include "tail.inc"
