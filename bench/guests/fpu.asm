; The FPU loop of bench/cpu.ts as a Multiboot 1 kernel (layout, loop count and
; exit port as in compute.asm).
;
; The FPU is set up as an operating system leaves it for its programs: CR0.EM
; clear (no emulation), CR0.MP and CR0.NE set (WAIT checks TS; errors raise
; #MF), FNINIT, then control word 0x37F: every exception masked, round to
; nearest, 64-bit precision, as Linux starts a process and gcc code runs.
;
; Each iteration steps the logistic map x = 3.9 x (1 - x), which is chaotic on
; (0, 1), so that any difference in any rounding grows into a different
; trajectory, and adds sqrt(x) / (1 + x) to a running sum. x and the sum live
; in memory as doubles (FLD/FST/FSTP m64). The checksum folds the bits of both
; into 7 bits for the isa-debug-exit port.
;
; Per iteration: 15 instructions (13 x87, DEC, JNZ).

bits 32
org 0x100000

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 0x00010000              ; address fields valid
EXIT_PORT       equ 0xF4
CR0_MP          equ 1 << 1
CR0_EM          equ 1 << 2
CR0_NE          equ 1 << 5

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
        dd 200000

entry:
        mov eax, cr0
        and eax, ~CR0_EM
        or eax, CR0_MP | CR0_NE
        mov cr0, eax
        fninit
        fldcw [control_word]
        mov ecx, [iterations]
.loop:
        fld qword [x]                       ; x
        fld1                                ; 1, x
        fsub st0, st1                       ; 1 - x, x
        fmulp st1, st0                      ; x (1 - x)
        fmul qword [growth]                 ; x' = 3.9 x (1 - x)
        fst qword [x]
        fld qword [one]                     ; 1, x'
        fadd st0, st1                       ; 1 + x', x'
        fxch st1                            ; x', 1 + x'
        fsqrt                               ; sqrt(x'), 1 + x'
        fdivrp st1, st0                     ; sqrt(x') / (1 + x')
        fadd qword [sum]
        fstp qword [sum]
        dec ecx
        jnz .loop

        mov eax, [x]
        xor eax, [x + 4]
        xor eax, [sum]
        xor eax, [sum + 4]
        mov edx, eax
        shr edx, 16
        xor eax, edx
        mov edx, eax
        shr edx, 8
        xor eax, edx
        mov edx, eax
        shr edx, 7
        xor eax, edx
        and eax, 0x7f
        out EXIT_PORT, al
.stop:
        hlt
        jmp .stop

; The data on a page of its own: stores to the page that holds the code would
; be checked as self-modifying code, a cost that a real program does not pay.
align 4096
x:              dq 0.3
sum:            dq 0.0
growth:         dq 3.9
one:            dq 1.0
control_word:   dw 0x037F
image_end:
