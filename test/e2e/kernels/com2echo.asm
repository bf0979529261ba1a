; com2echo: a guest that talks on COM2 (0x2F8, IRQ 3). It says it is ready
; on COM1, greets COM2, then sleeps until COM2's receive interrupt and
; answers every byte it reads there with the byte in upper case; a 'q' powers
; the VM off with status 3 through the test-exit port.
%include "common.inc"

COM2      equ 0x2F8
PIC1_CMD  equ 0x20
PIC1_DATA equ 0x21
PIC2_DATA equ 0xA1
IRQ_BASE  equ 0x20
VECTORS   equ 0x30

start:
    cli
    ; Our own flat GDT: an interrupt reloads CS from the table, and the loader's may be anywhere.
    lgdt [gdt_pointer]
    jmp 0x08:.flat
.flat:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, stack_top
    call build_idt
    lidt [idt_pointer]
    ; PIC master to vectors 0x20-0x27 (ICW1-ICW4), only IRQ 3 unmasked.
    mov al, 0x11
    out PIC1_CMD, al
    mov al, IRQ_BASE
    out PIC1_DATA, al
    mov al, 0x04
    out PIC1_DATA, al
    mov al, 0x01
    out PIC1_DATA, al
    mov al, 0xF7
    out PIC1_DATA, al
    mov al, 0xFF
    out PIC2_DATA, al
    ; COM2: 115200 8N1, FIFO with a trigger of one byte, receive interrupt through OUT2.
    mov dx, COM2 + 3
    mov al, 0x80
    out dx, al
    mov dx, COM2
    mov al, 1
    out dx, al
    mov dx, COM2 + 1
    xor al, al
    out dx, al
    mov dx, COM2 + 3
    mov al, 0x03
    out dx, al
    mov dx, COM2 + 2
    mov al, 0x07
    out dx, al
    mov dx, COM2 + 4
    mov al, 0x0B
    out dx, al
    mov dx, COM2 + 1
    mov al, 0x01
    out dx, al
    mov esi, text_ready
    call puts
    mov esi, text_hello
    call puts2
.idle:
    sti                             ; STI's shadow: no interrupt slips in before HLT
    hlt
    cli
.drain:
    mov dx, COM2 + 5
    in al, dx
    test al, 0x01                   ; data ready
    jz .idle
    mov dx, COM2
    in al, dx
    cmp al, 'q'
    je .quit
    cmp al, 'a'
    jb .echo
    cmp al, 'z'
    ja .echo
    sub al, 'a' - 'A'
.echo:
    call putc2
    jmp .drain
.quit:
    mov esi, text_bye
    call puts2
    mov al, 3
    call exit

; IRQ 3 only wakes the loop above, which reads the data: end the interrupt.
irq_com2:
    push eax
    mov al, 0x20
    out PIC1_CMD, al
    pop eax
    iret

; Anything else (there should be nothing) returns at once.
ignore:
    iret

; Interrupt gates for vectors 0..VECTORS-1 in our code segment.
build_idt:
    mov edi, idt
    xor ecx, ecx
.gate:
    mov eax, ignore
    cmp ecx, IRQ_BASE + 3
    jne .write
    mov eax, irq_com2
.write:
    mov [edi], ax
    mov word [edi + 2], cs
    mov word [edi + 4], 0x8E00
    shr eax, 16
    mov [edi + 6], ax
    add edi, 8
    inc ecx
    cmp ecx, VECTORS
    jb .gate
    ret

; putc2 / puts2: as putc and puts, on COM2.
putc2:
    push edx
    push eax
    mov dx, COM2 + 5
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    pop eax
    mov dx, COM2
    out dx, al
    pop edx
    ret

puts2:
    push eax
.next:
    lodsb
    test al, al
    jz .done
    call putc2
    jmp .next
.done:
    pop eax
    ret

text_ready: db "com2echo ready", 13, 10, 0
text_hello: db "com2echo on COM2", 13, 10, 0
text_bye:   db "bye", 13, 10, 0

align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF           ; 0x08: code, base 0, 4 GiB, 32-bit
    dq 0x00CF92000000FFFF           ; 0x10: data
gdt_pointer:
    dw 3 * 8 - 1
    dd gdt

idt_pointer:
    dw VECTORS * 8 - 1
    dd idt

align 4
image_end:
absolute image_end
idt:   resb VECTORS * 8
       resb 4096
stack_top:
bss_end:
