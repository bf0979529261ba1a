; exit42: the smallest useful Multiboot kernel. Prints a line on COM1 and
; writes 42 to the test-exit port 0xF4 (QEMU's isa-debug-exit turns that into
; exit status (42 << 1) | 1 = 85).
;
;   nasm -f bin -o exit42.bin exit42.asm

bits 32
org 0x100000

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 0x00010003      ; page-align modules, memory info, address fields valid
COM1            equ 0x3F8
EXIT_PORT       equ 0xF4

image_start:
mb_header:
        dd MB_MAGIC
        dd MB_FLAGS
        dd -(MB_MAGIC + MB_FLAGS)
        dd mb_header                ; header_addr
        dd image_start              ; load_addr
        dd image_end                ; load_end_addr
        dd image_end                ; bss_end_addr (no bss)
        dd start                    ; entry_addr

start:
        cli
        cld
        mov esi, message
.next:
        lodsb
        test al, al
        jz .done
        mov ah, al
        mov dx, COM1 + 5            ; line status register
.wait:
        in al, dx
        test al, 0x20               ; transmitter holding register empty
        jz .wait
        mov al, ah
        mov dx, COM1
        out dx, al
        jmp .next
.done:
        mov al, 42
        out EXIT_PORT, al
.halt:                              ; no exit device: stop here
        hlt
        jmp .halt

message:
        db "hello from a multiboot kernel", 13, 10, 0

align 4
image_end:
