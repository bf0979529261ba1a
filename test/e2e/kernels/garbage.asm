; garbage: fills a page with pseudo-random bytes (a fixed LCG, so every run is
; the same) and jumps into it, in ring 0 with no IDT. Whatever those bytes do,
; the host must come through: the guest may triple-fault, halt, or loop.
%include "common.inc"

start:
    cli
    mov esp, stack_top
    mov esi, text
    call puts
    mov edi, junk
    mov ecx, 4096
    mov eax, 12345
.fill:
    imul eax, eax, 1103515245
    add eax, 12345
    mov edx, eax
    shr edx, 16
    mov [edi], dl
    inc edi
    loop .fill
    jmp junk

text: db "jumping into garbage", 13, 10, 0

align 4096
image_end:
absolute image_end
junk:  resb 4096
       resb 4096
stack_top:
bss_end:
