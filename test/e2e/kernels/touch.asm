; touch: writes a non-zero pattern over 32 MiB (from 16 MiB up), prints
; "touched", then idles with interrupts off. Used to measure save and restore
; of a VM whose memory is mostly, but not entirely, untouched.
%include "common.inc"

BASE equ 0x1000000
SIZE equ 0x2000000

start:
    cli
    mov esp, stack_top
    mov edi, BASE
    mov ecx, SIZE / 4
    mov eax, 0x9e3779b9
.fill:
    mov [edi], eax
    add eax, 0x7f4a7c15
    add edi, 4
    loop .fill
    mov esi, text
    call puts
.idle:
    hlt
    jmp .idle

text: db "touched", 13, 10, 0

align 4
image_end:
absolute image_end
    resb 4096
stack_top:
bss_end:
