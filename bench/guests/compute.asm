; The integer compute loop of bench/cpu.ts as a Multiboot 1 kernel, so that the
; same guest runs on hv and on QEMU.
;
; Flat binary (nasm -f bin) with the a.out-kludge address fields, loaded at
; 1 MiB. The loop count is the dword `iterations`, right after the Multiboot
; header (file offset 32): the benchmark patches it to time two lengths of the
; same run. The guest ends by writing a checksum of its registers (7 bits, so
; that QEMU's exit code (status << 1) | 1 keeps it) to the isa-debug-exit port
; 0xF4; hv and QEMU must agree on it.
;
; Per iteration: 14 instructions when the JZ is not taken, 13 when it is.

bits 32
org 0x100000

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 0x00010000              ; address fields valid
EXIT_PORT       equ 0xF4
SCRATCH         equ 0x200000                ; the loop's memory operand, a page away from the code

image_start:
mb_header:
        dd MB_MAGIC
        dd MB_FLAGS
        dd -(MB_MAGIC + MB_FLAGS)
        dd mb_header                        ; header_addr
        dd image_start                      ; load_addr
        dd image_end                        ; load_end_addr
        dd 0                                ; bss_end_addr: no BSS
        dd entry                            ; entry_addr
iterations:
        dd 2000000

entry:
        mov ecx, [iterations]
        xor eax, eax
        mov ebx, 0x12345
        mov esi, SCRATCH
.loop:
        add eax, ebx
        mov edx, eax
        shl edx, 3
        xor eax, edx
        mov [esi], eax
        add ebx, [esi]
        ror ebx, 5
        sub ebx, ecx
        test eax, 1
        jz .skip
        inc edx
.skip:
        lea edi, [esi + edx + 4]
        dec ecx
        jnz .loop

        xor eax, ebx
        xor eax, edi
        and eax, 0x7f
        out EXIT_PORT, al
.stop:
        hlt
        jmp .stop
image_end:
