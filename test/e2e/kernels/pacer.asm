; pacer: the countdown kernel, slower: 40 lines, each after about 25 million
; instructions of busy work that stirs a checksum through 64 KiB of memory,
; then exit status 7. Each line ends with a digest of that memory. Nothing depends on time, so every run prints the same,
; and a run is long enough to checkpoint it at chosen lines.
%include "common.inc"

LINES equ 40
SPIN  equ 0x300000

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
    xor eax, eax                    ; a digest of the whole work area,
    xor edx, edx                    ; so the line shows if memory differs
.sum:
    add eax, [work + edx*4]
    rol eax, 3
    inc edx
    cmp edx, 0x4000
    jb .sum
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
