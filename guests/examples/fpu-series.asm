; fpu-series: the logistic map x = 3.9 x (1 - x) in 80-bit arithmetic, a
; chaotic iteration in which any wrong bit grows until every later line
; differs. Prints x (sign|exponent and significand in hex) after each block of
; 32768 steps, 32 lines, then writes 0 to the test-exit port 0xF4. The output
; is the same on every run and across save-vm/start-vm and checkpoints, which
; makes it a check that a saved state carries the FPU exactly.
;
;   nasm -f bin -o fpu-series.bin fpu-series.asm

bits 32
org 0x100000

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 0x00010003
COM1            equ 0x3F8
EXIT_PORT       equ 0xF4
LINES           equ 32
STEPS           equ 32768

image_start:
mb_header:
        dd MB_MAGIC
        dd MB_FLAGS
        dd -(MB_MAGIC + MB_FLAGS)
        dd mb_header
        dd image_start
        dd image_end
        dd bss_end
        dd start

start:
        cli
        cld
        mov esp, stack_top
        mov eax, cr0
        and eax, ~(4 | 8)               ; EM = 0, TS = 0
        or eax, 2 | 32                  ; MP = 1, NE = 1
        mov cr0, eax
        fninit
        fld tword [x0]
        mov edi, LINES
.line:  mov ecx, STEPS
.step:  fld st0                         ; x x
        fld1                            ; 1 x x
        fsubrp st1, st0                 ; 1-x x
        fmulp st1, st0                  ; x(1-x)
        fld tword [r]
        fmulp st1, st0                  ; r x (1-x)
        dec ecx
        jnz .step
        fld st0
        fstp tword [out]
        mov ax, [out + 8]
        call hex16
        mov al, '.'
        call putc
        mov eax, [out + 4]
        call hex32
        mov eax, [out]
        call hex32
        mov al, 13
        call putc
        mov al, 10
        call putc
        dec edi
        jnz .line
        mov al, 0
        out EXIT_PORT, al
.halt:  hlt
        jmp .halt

putc:   mov dx, COM1
        out dx, al
        ret

hex32:  push eax
        shr eax, 16
        call hex16
        pop eax
hex16:  mov ebx, eax
        mov esi, 4
.digit: rol bx, 4
        mov al, bl
        and al, 15
        add al, '0'
        cmp al, '9'
        jbe .out
        add al, 'A' - '9' - 1
.out:   call putc
        dec esi
        jnz .digit
        ret

align 4
x0:     dt 0.3141592653589793238
r:      dt 3.9
image_end:

section .bss
out:    resb 10
        resb 4096
stack_top:
bss_end:
