; plugin-timer: drives the example plug-in device examples/vdevs/countdown-timer.mjs
; at its default configuration (ports 0x310-0x31F, ISA IRQ 5) on a Generation 1
; VM. Checks the device's ID, runs it periodically until three interrupts came
; through the 8259 (each one acknowledged by clearing STATUS.EXPIRED), stops it
; and reads its expiry count, then runs it once without the interrupt and polls
; for the expiry. Prints what it saw on COM1 and writes the result to the
; test-exit port 0xF4: 0 when every check passed, else the number of the step
; that failed (2 ID, 3 count, 4 one-shot, 5 an unexpected interrupt).
;
;   nasm -f bin -o plugin-timer.bin plugin-timer.asm

bits 32
org 0x100000

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 0x00010003
COM1            equ 0x3F8
EXIT_PORT       equ 0xF4
TIMER           equ 0x310               ; the plug-in's default basePort
T_RELOAD        equ TIMER + 0
T_CURRENT       equ TIMER + 4
T_CONTROL       equ TIMER + 8
T_STATUS        equ TIMER + 9
T_ID            equ TIMER + 10
T_EXPIRIES      equ TIMER + 12
RUN             equ 1
PERIODIC        equ 2
IRQ_ENABLE      equ 4
IRQ5_VECTOR     equ 0x25                ; master PIC at 0x20, line 5
WANTED          equ 3

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
        ; IDT: every vector to `unexpected`, the timer's to `timer_irq`
        mov edi, idt
        mov ecx, 256
.fill:  mov eax, unexpected
        call set_gate
        add edi, 8
        loop .fill
        mov edi, idt + IRQ5_VECTOR * 8
        mov eax, timer_irq
        call set_gate
        lidt [idt_ptr]
        ; PICs: master at 0x20, slave at 0x28; only IRQ 5 open
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
        mov al, 0xDF
        out 0x21, al
        mov al, 0xFF
        out 0xA1, al

        ; 1. Is the device there?
        mov dx, T_ID
        in al, dx
        cmp al, 0x54
        mov bl, 2
        jne fail
        mov esi, msg_found
        call puts

        ; 2. Periodic, 5 ticks, with the interrupt: wait for three
        mov dx, T_RELOAD
        mov eax, 5
        out dx, eax
        mov dx, T_CONTROL
        mov al, RUN | PERIODIC | IRQ_ENABLE
        out dx, al
        sti
.wait:  hlt
        cmp dword [irq_count], WANTED
        jb .wait
        cli
        mov dx, T_CONTROL
        xor al, al
        out dx, al
        mov esi, msg_irqs
        call puts
        mov eax, [irq_count]
        call print_dec
        mov esi, msg_expiries
        call puts
        mov dx, T_EXPIRIES
        in eax, dx
        mov [expiries], eax
        call print_dec
        call newline
        mov bl, 3
        cmp dword [expiries], WANTED
        jb fail
        mov dx, T_CURRENT               ; a stopped timer has nothing left
        in eax, dx
        test eax, eax
        jnz fail

        ; 3. One-shot, no interrupt: poll STATUS, then RUN must have dropped
        mov dx, T_STATUS
        mov al, 1
        out dx, al
        mov dx, T_RELOAD
        mov eax, 2
        out dx, eax
        mov dx, T_CONTROL
        mov al, RUN
        out dx, al
        mov dx, T_STATUS
.poll:  in al, dx
        test al, 1
        jz .poll
        mov dx, T_CONTROL
        in al, dx
        mov bl, 4
        test al, RUN
        jnz fail
        mov dx, T_EXPIRIES
        in eax, dx
        dec eax
        cmp eax, [expiries]
        jne fail
        mov esi, msg_oneshot
        call puts

        mov esi, msg_pass
        call puts
        xor al, al
        out EXIT_PORT, al
.halt:  hlt
        jmp .halt

; bl = the failing step
fail:
        cli
        mov esi, msg_fail
        call puts
        movzx eax, bl
        call print_dec
        call newline
        mov al, bl
        out EXIT_PORT, al
        jmp start.halt

timer_irq:
        pushad
        mov dx, T_STATUS
        mov al, 1                       ; clear EXPIRED: the line drops
        out dx, al
        inc dword [irq_count]
        mov al, 0x20
        out 0x20, al
        popad
        iretd

unexpected:
        mov bl, 5
        jmp fail

; edi = gate, eax = handler: a 32-bit interrupt gate in the flat code segment
set_gate:
        mov [edi], ax
        mov word [edi + 2], 0x08
        mov word [edi + 4], 0x8E00
        shr eax, 16
        mov [edi + 6], ax
        ret

; esi = NUL-terminated string
puts:
        lodsb
        test al, al
        jz .done
        call putc
        jmp puts
.done:  ret

putc:
        push edx
        mov ah, al
        mov dx, COM1 + 5
.wait:  in al, dx
        test al, 0x20
        jz .wait
        mov al, ah
        mov dx, COM1
        out dx, al
        pop edx
        ret

newline:
        mov al, 13
        call putc
        mov al, 10
        jmp putc

; eax in decimal
print_dec:
        mov ecx, 10
        xor edi, edi
.digit: xor edx, edx
        div ecx
        push edx
        inc edi
        test eax, eax
        jnz .digit
.out:   pop eax
        add al, '0'
        call putc
        dec edi
        jnz .out
        ret

msg_found:      db "plugin-timer: countdown timer found at 0x310", 13, 10, 0
msg_irqs:       db "plugin-timer: interrupts ", 0
msg_expiries:   db ", expiries ", 0
msg_oneshot:    db "plugin-timer: one-shot expired and stopped", 13, 10, 0
msg_pass:       db "plugin-timer: pass", 13, 10, 0
msg_fail:       db "plugin-timer: FAIL at step ", 0

align 8
gdt:    dq 0
        dq 0x00CF9A000000FFFF           ; 0x08: flat 32-bit code
        dq 0x00CF92000000FFFF           ; 0x10: flat data
gdt_ptr:
        dw gdt_ptr - gdt - 1
        dd gdt
idt_ptr:
        dw 256 * 8 - 1
        dd idt

align 4
image_end:

section .bss
alignb 8
irq_count:      resd 1
expiries:       resd 1
idt:            resb 256 * 8
                resb 4096
stack_top:
bss_end:
