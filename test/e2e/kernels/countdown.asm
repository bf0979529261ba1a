; countdown: deterministic work with output. Prints "line N checksum C" for
; N = 1..LINES, each after a busy loop that also stirs a checksum through
; 64 KiB of memory, then exits with status 7. Nothing depends on time, so
; the console is the same on every run and across save and restore.
%include "common.inc"

LINES equ 60
SPIN  equ 0x60000

start:
    cli
    mov esp, stack_top
    mov ebp, 0x2545f491             ; checksum
    mov dword [line], 0
.line:
    mov ecx, SPIN
.spin:
    mov eax, ecx
    and eax, 0xfffc
    imul ebp, ebp, 1103515245
    add ebp, [work + eax]
    add ebp, ecx
    mov [work + eax], ebp
    dec ecx
    jnz .spin
    inc dword [line]
    mov esi, text_line
    call puts
    mov eax, [line]
    call putdec
    mov esi, text_sum
    call puts
    mov eax, ebp
    call putdec
    mov esi, crlf
    call puts
    cmp dword [line], LINES
    jb .line
    mov al, 7
    call exit

text_line: db "line ", 0
text_sum:  db " checksum ", 0
crlf:      db 13, 10, 0

align 4
image_end:
absolute image_end
line:  resd 1
work:  resb 0x10000
       resb 4096
stack_top:
bss_end:
