; 16-bit (286) gates and frames: a 286 interrupt gate and a 286 trap gate
; push IP, CS and FLAGS as words and return with a 16-bit IRET; a 286 call
; gate from ring 3 copies word parameters and pushes a 16-bit SS:SP and CS:IP;
; 16-bit far CALL/RETF; a 32-bit code segment whose base is not zero.
; The code runs in segments based at the image start so that offsets fit
; in 16 bits.
%include "common.inc"

SEL_IC32        equ SEL_SPARE0          ; code32, base image_start, DPL 0
SEL_IC32U       equ SEL_SPARE0 + 8      ; code32, base image_start, DPL 3
SEL_CG16        equ SEL_SPARE0 + 16     ; 286 call gate, DPL 3, 2 words
%define OFF(x) ((x) - image_start)

%macro GATE286 3                        ; vector, handler, type byte
        mov word [idt + (%1) * 8], OFF(%2)
        mov word [idt + (%1) * 8 + 2], SEL_IC32
        mov word [idt + (%1) * 8 + 4], (%3) << 8
        mov word [idt + (%1) * 8 + 6], 0
%endmacro

main:
        SETUP_TSS
        SET_DESC SEL_IC32, image_start, 0xFFFFF, 0x9A, 0xC
        SET_DESC SEL_IC32U, image_start, 0xFFFFF, 0xFA, 0xC
        GATE286 0x50, int16_handler, 0x86       ; 286 interrupt gate, DPL 0
        GATE286 0x51, int16_handler, 0x87       ; 286 trap gate
        GATE286 0x52, int16_handler, 0xE6       ; 286 interrupt gate, DPL 3
        mov word [gdt + SEL_CG16], OFF(cg16_target)
        mov word [gdt + SEL_CG16 + 2], SEL_IC32
        mov byte [gdt + SEL_CG16 + 4], 2
        mov byte [gdt + SEL_CG16 + 5], 0xE4
        mov word [gdt + SEL_CG16 + 6], 0
        jmp SEL_IC32:OFF(based)

based:
        ; EIP is now relative to image_start
        call .here                      ; a near call pushes the based EIP
.here:  pop eax
        PUTS "based eip "
        PHEX32 eax
        NL
        push dword 0x8D7 & ~F_ZF
        popfd
        mov [saved_esp], esp
        int 0x50
        PUTS "after int 0x50 "
        call show_esp
        pushfd
        pop eax
        and eax, 0x8D7
        PHEX 3, eax
        NL
        int 0x51
        PUTS "after int 0x51"
        NL
        ; 16-bit far call and RETF within the based segment
        call word SEL_IC32:OFF(far16)
        PUTS "after o16 call "
        call show_esp
        NL
        ; ring 3 in the based segment, then the 286 call gate and the DPL 3 gate
        mov dword [kernel_resume], .back
        mov [kernel_esp], esp
        push dword SEL_UDATA32
        push dword user_stack_top
        push dword 0x002
        push dword SEL_IC32U | 3
        push dword OFF(user16)
        iretd
.back:  mov ax, SEL_DATA32
        mov ds, ax
        mov es, ax
        PUTS "back in ring 0"
        NL
        EXIT 0

user16:
        USER_PROLOGUE
        push word 0x1111
        push word 0x2222
        call (SEL_CG16 | 3):0           ; 286 call gate: word parameters
        mov [ss:user_sp_after], esp
        int 0x52
        int 0x80

; frame: IP, CS, FLAGS (words)
int16_handler:
        PUTS "int16 frame ip "
        movzx eax, word [esp]
        PHEX 4, eax
        PUTS " cs "
        PHEX 4, [esp + 2]
        PUTS " fl "
        movzx eax, word [esp + 4]
        and eax, 0x0ED7
        PHEX 4, eax
        PUTS " if/tf "
        pushfd
        pop eax
        and eax, 0x300
        PHEX 3, eax
        mov ax, cs
        test al, 3
        jz .r0
        NL
        o16 iret
.r0:    PUTS " esp "
        call show_esp
        NL
        o16 iret

far16:
        PUTS "far16 frame "
        PHEX 4, [esp]
        SP_
        PHEX 4, [esp + 2]
        SP_
        o16 retf

; 286 call gate target (ring 0): SP, SS, params, CS, IP as words
cg16_target:
        PUTS "cg16 ip "
        PHEX 4, [esp]
        PUTS " cs "
        PHEX 4, [esp + 2]
        PUTS " params "
        PHEX 4, [esp + 4]
        SP_
        PHEX 4, [esp + 6]
        PUTS " sp "
        mov eax, user_stack_top
        sub ax, [esp + 8]
        PHEX 4, eax
        PUTS " ss "
        PHEX 4, [esp + 10]
        PUTS " esp0-"
        mov eax, ring0_stack_top
        sub eax, esp
        PHEX 2, eax
        NL
        o16 retf 4

show_esp:                               ; ESP relative to saved_esp (+4 for this call)
        push eax
        mov eax, [saved_esp]
        sub eax, esp
        sub eax, 8
        PHEX 8, eax
        pop eax
        ret

align 4
saved_esp: dd 0
user_sp_after: dd 0

%macro PROGRAM_BSS 0
        resb 4096
user_stack_top:
%endmacro
%include "tail.inc"
