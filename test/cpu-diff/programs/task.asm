; Hardware task switches: CALL to a TSS (NT and back link, busy bits, the
; outgoing state saved in the old TSS, the new state loaded, CR0.TS), IRET
; back through the back link, resuming a task where it left off, JMP to a TSS
; and back (no nesting), and a task gate in the IDT.
%include "common.inc"

SEL_TSS2        equ SEL_SPARE0
SEL_TGATE       equ SEL_SPARE0 + 8      ; task gate (GDT) for TSS2

T_LINK  equ 0
T_CR3   equ 28
T_EIP   equ 32
T_EFL   equ 36
T_EAX   equ 40
T_ECX   equ 44
T_EDX   equ 48
T_EBX   equ 52
T_ESP   equ 56
T_EBP   equ 60
T_ESI   equ 64
T_EDI   equ 68
T_ES    equ 72
T_CS    equ 76
T_SS    equ 80
T_DS    equ 84
T_FS    equ 88
T_GS    equ 92

%macro DESC_TYPE 1                      ; print the type nibble of a GDT descriptor
        push eax
        movzx eax, byte [gdt + (%1) + 5]
        and eax, 0x0F
        PHEX 1, eax
        pop eax
%endmacro

main:
        SETUP_TSS
        ; TSS 2
        mov dword [tss2 + T_EIP], task2
        mov dword [tss2 + T_EFL], 0x00000002 | 0x800 | 0x80  ; OF, SF
        mov dword [tss2 + T_EAX], 0xAAAA0000
        mov dword [tss2 + T_ECX], 0xCCCC0000
        mov dword [tss2 + T_EDX], 0xDDDD0000
        mov dword [tss2 + T_EBX], 0xBBBB0000
        mov dword [tss2 + T_ESP], task2_stack_top
        mov dword [tss2 + T_EBP], 0xBEBE0000
        mov dword [tss2 + T_ESI], 0x51510000
        mov dword [tss2 + T_EDI], 0xD1D10000
        mov dword [tss2 + T_ES], SEL_DATA32
        mov dword [tss2 + T_CS], SEL_CODE32
        mov dword [tss2 + T_SS], SEL_DATA32
        mov dword [tss2 + T_DS], SEL_DATA32
        mov dword [tss2 + T_FS], SEL_DATA32
        mov dword [tss2 + T_GS], 0
        mov word [tss2 + 102], 104
        SET_DESC SEL_TSS2, tss2, 103, 0x89, 0x0
        ; task gate descriptor: selector at +2, type 5
        mov dword [gdt + SEL_TGATE], SEL_TSS2 << 16
        mov dword [gdt + SEL_TGATE + 4], 0x0000E500
        ; task gate in the IDT
        mov dword [idt + 0x90 * 8], SEL_TSS2 << 16
        mov dword [idt + 0x90 * 8 + 4], 0x00008500

        PUTS "types "
        DESC_TYPE SEL_TSS
        DESC_TYPE SEL_TSS2
        NL

        ; --- CALL to the TSS
        mov byte [t2_mode], 0           ; task 2 returns with IRET
        mov eax, 0x11111111
        mov ecx, 0x22222222
        mov edx, 0x33333333
        mov ebx, 0x44444444
        mov ebp, 0x55555555
        mov esi, 0x66666666
        mov edi, 0x77777777
        push dword 0x8D7 & ~F_SF
        popfd
        call SEL_TSS2:0
after_call:
        call show_flags
        SP_
        call show_regs
        PUTS "types "
        DESC_TYPE SEL_TSS
        DESC_TYPE SEL_TSS2
        PUTS " tr "
        str eax
        PHEX 4, eax
        PUTS " t2 eip "
        mov eax, [tss2 + T_EIP]
        sub eax, task2
        PHEX 4, eax
        PUTS " t2 eflags "
        PHEX 8, [tss2 + T_EFL]
        PUTS " ts "
        mov eax, cr0
        and eax, 8
        PHEX 1, eax
        NL
        clts

        ; --- call again: task 2 resumes after its IRET
        call SEL_TSS2:0
        PUTS "second call back"
        NL

        ; --- JMP to the TSS and JMP back
        mov byte [t2_mode], 1
        mov eax, 0x99999999
        jmp SEL_TSS2:0
after_jmp:
        PUTS "jmp back "
        PHEX32 eax
        SP_
        call show_flags
        PUTS " types "
        DESC_TYPE SEL_TSS
        DESC_TYPE SEL_TSS2
        PUTS " t2 link "
        PHEX 4, [tss2 + T_LINK]
        NL

        ; --- task gate in the GDT, then in the IDT
        mov byte [t2_mode], 0
        call SEL_TGATE:0
        PUTS "task gate back "
        str eax
        PHEX 4, eax
        NL
        int 0x90
        PUTS "idt task gate back "
        DESC_TYPE SEL_TSS
        DESC_TYPE SEL_TSS2
        NL
        EXIT 0

show_flags:                             ; NT, IOPL, OF DF IF TF SF ZF AF PF CF
        pushfd
        pushfd
        and dword [esp], 0x7FFF
        push dword 4
        call puthex_n
        popfd
        ret

show_regs:
        PHEX32 eax
        SP_
        PHEX32 ecx
        SP_
        PHEX32 edx
        SP_
        PHEX32 ebx
        SP_
        PHEX32 ebp
        SP_
        PHEX32 esi
        SP_
        PHEX32 edi
        NL
        ret

task2:
        PUTS "task2 "
        call show_flags
        SP_
        call show_regs
        PUTS "task2 tr "
        str eax
        PHEX 4, eax
        PUTS " link "
        PHEX 4, [tss2 + T_LINK]
        PUTS " types "
        DESC_TYPE SEL_TSS
        DESC_TYPE SEL_TSS2
        PUTS " gs "
        mov eax, gs
        PHEX 4, eax
        PUTS " esp "
        mov eax, task2_stack_top
        sub eax, esp
        PHEX 4, eax
        NL
        PUTS "task1 saved: eip "
        mov eax, [tss0 + T_EIP]
        sub eax, image_start
        PHEX 4, eax
        SP_
        PHEX32 [tss0 + T_EAX]
        SP_
        PHEX32 [tss0 + T_EDI]
        SP_
        PHEX 3, [tss0 + T_EFL]
        SP_
        PHEX 4, [tss0 + T_CS]
        NL
.again:
        cmp byte [t2_mode], 1
        je .by_jmp
        iretd
        PUTS "task2 resumed "
        PHEX32 eax
        NL
        jmp .again
.by_jmp:
        mov eax, 0x12341234
        jmp SEL_TSS:0
        PUTS "task2 resumed after jmp"
        NL
        jmp .again

align 4
t2_mode: db 0

%macro PROGRAM_BSS 0
alignb 16
tss2:   resb 104
        resb 4096
task2_stack_top:
%endmacro
%include "tail.inc"
