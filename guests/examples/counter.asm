; counter: a deterministic Multiboot kernel that never stops. Every
; ITERATIONS turns of a busy loop it prints "counter N" (N in decimal, from 1)
; on COM1. Nothing depends on time or interrupts, so the output is the same on
; every run and across a save and restore.
;
;   nasm -f bin -o counter.bin counter.asm

bits 32
org 0x100000

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 0x00010003      ; page-align modules, memory info, address fields valid
COM1            equ 0x3F8
ITERATIONS      equ 0x100000        ; busy-loop turns between lines

image_start:
mb_header:
        dd MB_MAGIC
        dd MB_FLAGS
        dd -(MB_MAGIC + MB_FLAGS)
        dd mb_header                ; header_addr
        dd image_start              ; load_addr
        dd image_end                ; load_end_addr
        dd bss_end                  ; bss_end_addr
        dd start                    ; entry_addr

start:
        cli
        cld
        mov esp, stack_top
        mov dword [count], 0
.line:
        mov ecx, ITERATIONS
.spin:
        dec ecx
        jnz .spin
        inc dword [count]
        mov esi, prefix
        call puts
        mov eax, [count]
        call put_decimal
        mov esi, crlf
        call puts
        jmp .line

; putc: write AL to COM1 once the transmitter holding register is empty.
putc:
        push edx
        push eax
        mov dx, COM1 + 5
.wait:
        in al, dx
        test al, 0x20
        jz .wait
        pop eax
        mov dx, COM1
        out dx, al
        pop edx
        ret

; puts: write the zero-terminated string at ESI.
puts:
        lodsb
        test al, al
        jz .end
        call putc
        jmp puts
.end:
        ret

; put_decimal: write EAX in decimal.
put_decimal:
        mov edi, digits_end
        mov ebx, 10
.div:
        xor edx, edx
        div ebx
        add dl, '0'
        dec edi
        mov [edi], dl
        test eax, eax
        jnz .div
.out:
        mov al, [edi]
        call putc
        inc edi
        cmp edi, digits_end
        jne .out
        ret

prefix: db "counter ", 0
crlf:   db 13, 10, 0

align 4
image_end:

; Not in the file: the loader clears this (bss_end_addr).
absolute image_end
count:      resd 1
digits:     resb 12
digits_end:
            alignb 16
stack:      resb 1024
stack_top:
bss_end:
