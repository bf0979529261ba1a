; triple: prints a line, loads an empty IDT and raises an exception. With no
; way to deliver it (nor the double fault that follows), the processor shuts
; down: a triple fault.
%include "common.inc"

start:
    cli
    mov esp, stack_top
    mov esi, text
    call puts
    lidt [empty_idt]
    int3
    jmp $

text: db "about to triple fault", 13, 10, 0
empty_idt:
    dw 0
    dd 0

align 4
image_end:
absolute image_end
    resb 4096
stack_top:
bss_end:
