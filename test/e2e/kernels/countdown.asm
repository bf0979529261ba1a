; countdown: deterministic work with output. Prints "line N checksum C" for
; N = 1..LINES, each after a busy loop that also stirs a checksum through
; 64 KiB of memory, then exits with status 7. Nothing depends on time, so
; the console is the same on every run and across save and restore.
; pacer.asm is this kernel again with its own LINES and SPIN, and DIGEST:
; each line then shows a digest of the work area instead of the checksum.
%include "common.inc"

%ifndef LINES
%define LINES 60
%define SPIN 0x60000
%endif

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
%ifdef DIGEST
    xor eax, eax                    ; a digest of the whole work area,
    xor edx, edx                    ; so the line shows if memory differs
.sum:
    add eax, [work + edx*4]
    rol eax, 3
    inc edx
    cmp edx, 0x4000
    jb .sum
%else
    mov eax, ebp
%endif
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
