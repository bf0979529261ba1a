; fpu-error: x87 error reporting the PC/AT way (CR0.NE = 0). An unmasked x87
; exception makes the next waiting x87 instruction assert FERR#, which the
; chipset routes to IRQ 13; the handler writes port 0xF0 (IRQ 13 drops, IGNNE#
; rises) and clears the exception, then the instruction runs. A second
; handler leaves the exception pending and relies on IGNNE#; FNCLEX then
; drops FERR# and IGNNE#, so the next error interrupts again. Finally, with
; CR0.NE = 1, the same error is #MF at the next waiting instruction.
; Prints each step on COM1 and writes 0 to the test-exit port 0xF4.
;
;   nasm -f bin -o fpu-error.bin fpu-error.asm

bits 32
org 0x100000

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 0x00010003
COM1            equ 0x3F8
EXIT_PORT       equ 0xF4
IRQ13_VECTOR    equ 0x2D                ; slave PIC at 0x28, line 5

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
        lgdt [gdt_ptr]
        jmp 0x08:.flat
.flat:  mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, stack_top
        ; IDT: every vector to `unexpected`, then the two we expect
        mov edi, idt
        mov ecx, 256
.fill:  mov eax, unexpected
        call set_gate
        add edi, 8
        loop .fill
        mov edi, idt + 16 * 8
        mov eax, math_fault
        call set_gate
        mov edi, idt + IRQ13_VECTOR * 8
        mov eax, irq13_clearing
        call set_gate
        lidt [idt_ptr]
        ; PICs: master at 0x20, slave at 0x28; only IRQ 2 (cascade) and IRQ 13 open
        mov al, 0x11
        out 0x20, al
        out 0xA0, al
        mov al, 0x20
        out 0x21, al
        mov al, 0x28
        out 0xA1, al
        mov al, 4
        out 0x21, al
        mov al, 2
        out 0xA1, al
        mov al, 1
        out 0x21, al
        out 0xA1, al
        mov al, 0xFB
        out 0x21, al
        mov al, 0xDF
        out 0xA1, al
        ; FPU with MS-DOS compatible error reporting: EM = 0, MP = 1, NE = 0
        mov eax, cr0
        and eax, ~(4 | 8 | 32)
        or eax, 2
        mov cr0, eax
        fninit
        fldcw [cw_unmask_zero]
        sti

        ; 1. The handler clears the exception: FWAIT waits for IRQ 13, then runs
        mov esi, msg_step1
        call puts
        call divide_by_zero
        fnstsw [status]
        mov esi, msg_pending
        call puts
        mov ax, [status]
        call print_hex16
        call newline
        fwait
        mov esi, msg_after
        call puts
        mov eax, [irq13_count]
        call print_hex16
        call newline

        ; 2. The handler only writes port 0xF0: IGNNE# lets waiting instructions run with the error pending
        mov edi, idt + IRQ13_VECTOR * 8
        mov eax, irq13_ignoring
        call set_gate
        mov esi, msg_step2
        call puts
        call divide_by_zero
        fwait
        fld1                            ; a waiting instruction, also let through
        fstp st0
        fnstsw [status]
        mov esi, msg_still
        call puts
        mov ax, [status]
        call print_hex16
        mov esi, msg_count
        call puts
        mov eax, [irq13_count]
        call print_hex16
        call newline
        fnclex                          ; FERR# and IGNNE# drop
        mov edi, idt + IRQ13_VECTOR * 8
        mov eax, irq13_clearing
        call set_gate
        call divide_by_zero
        fwait
        mov esi, msg_again
        call puts
        mov eax, [irq13_count]
        call print_hex16
        call newline

        ; 3. CR0.NE = 1: #MF at the next waiting x87 instruction
        cli
        mov eax, cr0
        or eax, 32
        mov cr0, eax
        mov esi, msg_step3
        call puts
        call divide_by_zero
        mov dword [mf_return], .resume
.faulting:
        fld1                            ; #MF here, before it runs
.resume:
        mov esi, msg_mf_at
        call puts
        mov eax, [mf_eip]
        sub eax, .faulting
        call print_hex16
        mov esi, msg_tags
        call puts
        fnstenv [env]
        mov eax, [env + 8]
        call print_hex16
        call newline

        mov esi, msg_done
        call puts
        mov al, 0
        out EXIT_PORT, al
.halt:  hlt
        jmp .halt

; Unmasked division by zero: fld1 / fldz, ZE pending (the pop leaves 1 register used)
divide_by_zero:
        fld1
        fldz
        fdivp st1, st0
        ret

irq13_clearing:
        pushad
        fnstsw [status]
        mov esi, msg_irq13
        call puts
        mov ax, [status]
        call print_hex16
        call newline
        inc dword [irq13_count]
        xor al, al
        out 0xF0, al
        fnclex
        ffree st0
        fincstp
        mov al, 0x20
        out 0xA0, al
        out 0x20, al
        popad
        iretd

irq13_ignoring:
        pushad
        mov esi, msg_irq13_ignore
        call puts
        inc dword [irq13_count]
        xor al, al
        out 0xF0, al
        ffree st0
        fincstp
        mov al, 0x20
        out 0xA0, al
        out 0x20, al
        popad
        iretd

math_fault:
        mov eax, [esp]
        mov [mf_eip], eax
        fnclex
        ffree st0
        fincstp
        mov eax, [mf_return]
        mov [esp], eax
        iretd

unexpected:
        mov esi, msg_unexpected
        call puts
        mov al, 1
        out EXIT_PORT, al
        hlt

; EAX = handler, EDI = gate: a 32-bit interrupt gate in the flat code segment
set_gate:
        mov [edi], ax
        mov word [edi + 2], 0x08
        mov word [edi + 4], 0x8E00
        shr eax, 16
        mov [edi + 6], ax
        ret

puts:
        lodsb
        test al, al
        jz .done
        mov dx, COM1
        out dx, al
        jmp puts
.done:  ret

newline:
        mov al, 13
        mov dx, COM1
        out dx, al
        mov al, 10
        out dx, al
        ret

; AX in hex, four digits
print_hex16:
        mov ecx, 4
        mov bx, ax
.digit: rol bx, 4
        mov al, bl
        and al, 15
        add al, '0'
        cmp al, '9'
        jbe .out
        add al, 'A' - '9' - 1
.out:   mov dx, COM1
        out dx, al
        loop .digit
        ret

align 8
gdt:    dq 0
        dq 0x00CF9A000000FFFF
        dq 0x00CF92000000FFFF
gdt_ptr: dw 23
        dd gdt
idt_ptr: dw 256 * 8 - 1
        dd idt

cw_unmask_zero: dw 0x037B
msg_step1:      db "1. NE=0, handler clears the error", 13, 10, 0
msg_pending:    db "status before FWAIT ", 0
msg_irq13:      db "IRQ 13, status ", 0
msg_after:      db "after FWAIT, IRQ 13 count ", 0
msg_step2:      db "2. handler leaves the error pending", 13, 10, 0
msg_irq13_ignore: db "IRQ 13, error left pending", 13, 10, 0
msg_still:      db "ran with IGNNE#, status ", 0
msg_count:      db ", IRQ 13 count ", 0
msg_again:      db "after FNCLEX the next error interrupts again, IRQ 13 count ", 0
msg_step3:      db "3. NE=1", 13, 10, 0
msg_mf_at:      db "#MF at the next waiting instruction, offset ", 0
msg_tags:       db ", tag word ", 0
msg_unexpected: db "unexpected interrupt", 13, 10, 0
msg_done:       db "done", 13, 10, 0
align 16
image_end:

section .bss
bss_start:
irq13_count:    resd 1
status:         resw 1
mf_eip:         resd 1
mf_return:      resd 1
env:            resb 28
idt:            resb 256 * 8
                resb 4096
stack_top:
bss_end:
