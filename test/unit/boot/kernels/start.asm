; Entry of the ELF multiboot kernel (elf.c): the multiboot header, a stack, and
; the hand-over to C. Whatever kmain returns goes to the status port 0xF4.

        bits    32

MB_MAGIC        equ     0x1badb002
MB_FLAGS        equ     (1 << 0) | (1 << 1)     ; page-aligned modules; memory information

        section .multiboot
        align   4
        dd      MB_MAGIC
        dd      MB_FLAGS
        dd      -(MB_MAGIC + MB_FLAGS)

        section .text
        global  _start
        extern  kmain
_start:
        mov     esp, stack_top
        push    ebx                     ; the multiboot information
        push    eax                     ; the boot loader magic
        call    kmain
        out     0xf4, al
.halt:  cli
        hlt
        jmp     .halt

        section .bss
        align   16
        resb    8192
stack_top:
