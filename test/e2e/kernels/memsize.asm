; memsize: what a 32-bit guest sees of its memory. Prints the Multiboot
; mem_upper and the top of RAM it implies, then proves that RAM is there up
; to the top: writes a dword at every 256 MiB step and at the last dword below
; the top, reads them back, and prints "probe ok" (or where it failed). Then,
; for each byte received on COM1, checks again and prints the result, so a
; test can ask after a save and restore whether the memory came back.
%include "common.inc"

STEP  equ 0x10000000
SALT  equ 0x5a5a5a5a

start:
    cli
    mov esp, stack_top
    mov esi, text_upper
    call puts
    mov eax, [ebx + 8]              ; mem_upper: KiB of RAM from 1 MiB
    call putdec
    mov esi, text_kib
    call puts
    shl eax, 10
    add eax, 0x100000
    mov [top], eax
    mov esi, text_top
    call puts
    shr eax, 20
    call putdec
    mov esi, text_mib
    call puts

    mov edi, STEP                   ; the pattern: each dword holds its address
.write:
    cmp edi, [top]
    jae .write_last
    mov [edi], edi
    add edi, STEP
    jnc .write                      ; past 4 GiB: done

.write_last:
    mov edi, [top]
    sub edi, 4
    mov eax, edi
    xor eax, SALT
    mov [edi], eax

.check:
    mov edi, STEP
.check_step:
    cmp edi, [top]
    jae .check_last
    cmp [edi], edi
    jne .bad
    add edi, STEP
    jnc .check_step

.check_last:
    mov edi, [top]
    sub edi, 4
    mov eax, edi
    xor eax, SALT
    cmp [edi], eax
    jne .bad
    mov esi, text_ok
    call puts
    jmp .wait
.bad:
    mov esi, text_bad
    call puts
    mov eax, edi
    call putdec
    mov esi, crlf
    call puts

.wait:                              ; poll COM1 for a byte, then check again
    mov dx, COM1 + 5
.poll:
    in al, dx
    test al, 1
    jz .poll
    mov dx, COM1
    in al, dx
    jmp .check

text_upper: db "mem_upper ", 0
text_kib:   db " KiB", 13, 10, 0
text_top:   db "top of RAM ", 0
text_mib:   db " MiB", 13, 10, 0
text_ok:    db "probe ok", 13, 10, 0
text_bad:   db "probe failed at ", 0
crlf:       db 13, 10, 0

align 4
image_end:
absolute image_end
top:   resd 1
       resb 4096
stack_top:
bss_end:
