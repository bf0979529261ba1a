; x87 environment and state images: FNSTENV/FLDENV and FNSAVE/FRSTOR in
; 32-bit protected mode, with the operand-size prefix (the 16-bit layouts) in
; 32-bit code, and in real mode (16-bit by default, 32-bit with the prefix);
; the tag word as the images hold it (valid, zero, special, empty, computed
; from the register contents), FNSAVE reinitialising the FPU, FRSTOR and
; FLDENV loading crafted images (TOP, tags, unsupported register contents).
;
; Printed from each image: the control, status and tag words and the data
; registers whose tag is not empty. The instruction and operand pointers
; (FIP, FCS, FOP, FDP, FDS) are left out: QEMU 7.2 does not record FOP and
; does not use the real-mode layouts for them (see README). The reserved upper
; halves of the 32-bit layout's first three dwords are left out too.
%include "common.inc"
%include "fpu.inc"

ONE     equ 0x8000000000000000
RMSEG   equ 0xFFFF
%define RMOFF(x) ((x) - 0xFFFF0)
SEL_RM16 equ SEL_SPARE0                 ; code16, base 0xFFFF0, limit 64K

; PIMAGE label, address, 16|32: print an image (esi = address, ebx = layout)
%macro PIMAGE 3
        PUTS %1
        SP_
        push esi
        push ebx
        mov esi, %2
        mov ebx, %3
        call put_image
        pop ebx
        pop esi
        NL
%endmacro

; the state every image is taken from: CW 0x0A72 (PC 53, RC up, IM ZM OM
; unmasked, no flag of theirs set), PE set, C0 set, TOP 4, and in the stack
; 1/3 (valid), 0 (zero), +inf (special), 1 (valid)
%macro SETUP 0
        fninit
        SETCW 0x0A72
        fld1
        fld tword [t_inf]
        fldz
        fld1
        fidiv word [i16_three]          ; PE
        fcom st2                        ; 1/3 < inf: C0
%endmacro

main:
        FPU_ON
        ; --- 32-bit protected mode, 32-bit layout
        SETUP
        fnstenv [env32]
        PIMAGE "fnstenv32", env32, 32
        ; (the SDM has FNSTENV mask every exception afterwards; QEMU 7.2 leaves
        ; the control word as it was, so it is not printed before FLDENV)
        fldenv [env32]
        fnstenv [env32b]                ; FLDENV then FNSTENV gives the same image
        PIMAGE "fldenv32", env32b, 32
        ; --- the 16-bit layout through the operand-size prefix
        SETUP
        o16 fnstenv [env16]
        PIMAGE "fnstenv16", env16, 16
        o16 fldenv [env16]
        o16 fnstenv [env16b]
        PIMAGE "fldenv16", env16b, 16

        ; --- FNSAVE: the image, then the FPU is initialised
        SETUP
        fnsave [save32]
        PIMAGE "fnsave32", save32, 32
        call show_live
        frstor [save32]
        fnstenv [env32]
        PIMAGE "frstor32", env32, 32
        SETUP
        o16 fnsave [save16]
        PIMAGE "fnsave16", save16, 16
        call show_live
        o16 frstor [save16]
        o16 fnstenv [env16]
        PIMAGE "frstor16", env16, 16

        ; --- crafted images: FLDENV with TOP = 2 and every tag "valid", then
        ; FNSTENV recomputes the tags from the register contents
        SETUP
        fnsave [save32]
        mov word [save32 + 4], 0x1000   ; TOP = 2, no flags
        mov word [save32 + 8], 0x0000   ; all valid
        mov word [save32 + 0], 0x037F
        ; ST(0)..ST(7) now hold: 1/3 0 inf 1, an unnormal, a pseudo-denormal,
        ; a denormal, a pseudo-NaN
        mov esi, crafted
        mov edi, save32 + 28 + 40
        mov ecx, 40
        rep movsb
        frstor [save32]
        fnstenv [env32]
        PIMAGE "crafted", env32, 32
        PUTS "crafted stack "
        PSTACK
        NL
        ; FLDENV with tags of 11 (empty) for ST(1) and ST(3)
        SETUP
        fnstenv [env32]
        movzx ecx, word [env32 + 4]
        shr ecx, 11
        and ecx, 7                      ; TOP
        inc ecx                         ; physical register of ST(1)
        and ecx, 7
        shl ecx, 1
        mov eax, 3
        shl eax, cl
        or [env32 + 8], ax
        add ecx, 4                      ; ST(3)
        and ecx, 15
        mov eax, 3
        shl eax, cl
        or [env32 + 8], ax
        fldenv [env32]
        PUTS "emptied "
        PSTACK
        NL

        call real_mode
        PIMAGE "real fnstenv16", rm_env16, 16
        PIMAGE "real fnstenv32", rm_env32, 32
        PIMAGE "real fnsave16", rm_save16, 16
        PIMAGE "real fnsave32", rm_save32, 32
        PIMAGE "real frstor16", rm_after16, 16
        PIMAGE "real frstor32", rm_after32, 32
        PIMAGE "real fldenv16", rm_ldenv16, 16
        EXIT 0

; the control, status and tag words after FNSAVE (FNINIT values)
show_live:
        PUTS "after fnsave cw "
        fnstcw [fpu_cw]
        PHEX 4, [fpu_cw]
        PUTS " sw "
        PSW 0xFFFF
        fnstenv [env_tmp]
        PUTS " tw "
        PHEX 4, [env_tmp + 8]
        NL
        ret

; esi = image, ebx = 16 or 32: "cw sw tw | ST(i)=value ..." for non-empty tags
put_image:
        pushad
        cmp ebx, 16
        je .l16
        movzx eax, word [esi]
        movzx ecx, word [esi + 4]
        movzx edx, word [esi + 8]
        lea edi, [esi + 28]
        jmp .show
.l16:   movzx eax, word [esi]
        movzx ecx, word [esi + 2]
        movzx edx, word [esi + 4]
        lea edi, [esi + 14]
.show:  PHEX 4, eax
        SP_
        PHEX 4, ecx
        SP_
        PHEX 4, edx
        ; the registers are only in FNSAVE images
        cmp esi, save32
        je .regs
        cmp esi, save16
        je .regs
        cmp esi, rm_save16
        je .regs
        cmp esi, rm_save32
        je .regs
        popad
        ret
.regs:  shr ecx, 11
        and ecx, 7                      ; TOP
        xor ebx, ebx                    ; ST(i)
.reg:   lea eax, [ecx + ebx]
        and eax, 7
        push ecx
        lea ecx, [eax * 2]
        mov eax, edx
        shr eax, cl
        pop ecx
        and eax, 3
        cmp eax, 3
        je .next
        PUTS " st"
        PHEX 1, ebx
        PUTS "="
        push esi
        imul esi, ebx, 10
        add esi, edi
        call put80
        pop esi
.next:  inc ebx
        cmp ebx, 8
        jb .reg
        popad
        ret

t_inf:      X80 0x7FFF, ONE
i16_three:  dw 3
crafted:
        X80 0x4000, 0x4000000000000000  ; unnormal: special
        X80 0x0000, 0x8000000000000001  ; pseudo-denormal: special
        X80 0x0000, 0x0000000000000001  ; denormal: special
        X80 0x7FFF, 0x4000000000000000  ; pseudo-NaN: special

; ---------------------------------------------------------------------------
; Real mode: the same state, images in both layouts, FRSTOR and FLDENV
real_mode:
        SET_DESC SEL_RM16, 0xFFFF0, 0xFFFF, 0x9A, 0x0
        mov [saved_esp], esp
        jmp SEL_RM16:RMOFF(pm16)
bits 16
pm16:
        mov ax, SEL_DATA16
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov eax, cr0
        and eax, ~1
        mov cr0, eax
        jmp RMSEG:RMOFF(real)
real:
        mov ax, RMSEG
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, RMOFF(rm_stack_top)
%macro RM_SETUP 0
        fninit
        mov word [RMOFF(rm_cw)], 0x0A72
        fldcw [RMOFF(rm_cw)]
        fld1
        fld tword [RMOFF(t_inf)]
        fldz
        fld1
        fidiv word [RMOFF(i16_three)]
        fcom st2
%endmacro
        RM_SETUP
        fnstenv [RMOFF(rm_env16)]
        RM_SETUP                        ; FNSTENV masks every exception (QEMU does not): set up again
        o32 fnstenv [RMOFF(rm_env32)]
        RM_SETUP
        fnsave [RMOFF(rm_save16)]
        RM_SETUP
        o32 fnsave [RMOFF(rm_save32)]
        frstor [RMOFF(rm_save16)]
        fnstenv [RMOFF(rm_after16)]
        o32 frstor [RMOFF(rm_save32)]
        o32 fnstenv [RMOFF(rm_after32)]
        ; FLDENV of a crafted 16-bit image: CW 0x0F7F, TOP 5, C3 C1, all empty
        ; but ST(0) (physical 5, tag "valid" though it holds what it holds)
        fninit
        mov word [RMOFF(rm_img)], 0x0F7F
        mov word [RMOFF(rm_img) + 2], 0x6A00
        mov word [RMOFF(rm_img) + 4], 0xF3FF
        fldenv [RMOFF(rm_img)]
        fnstenv [RMOFF(rm_ldenv16)]
        fninit
        lgdt [RMOFF(gdt_ptr)]
        mov eax, cr0
        or eax, 1
        mov cr0, eax
        jmp dword SEL_CODE32:pm_back
bits 32
pm_back:
        mov ax, SEL_DATA32
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        mov esp, [saved_esp]
        ret

align 4
saved_esp:  dd 0
rm_cw:      dw 0
env16:      times 14 db 0
env16b:     times 14 db 0
env32:      times 28 db 0
env32b:     times 28 db 0
env_tmp:    times 28 db 0
save16:     times 94 db 0
save32:     times 108 db 0
rm_env16:   times 14 db 0
rm_env32:   times 28 db 0
rm_after16: times 14 db 0
rm_after32: times 28 db 0
rm_ldenv16: times 14 db 0
rm_img:     times 14 db 0
rm_save16:  times 94 db 0
rm_save32:  times 108 db 0

%macro PROGRAM_BSS 0
        resb 1024
rm_stack_top:
%endmacro
%include "tail.inc"
