; Back to real mode from the Multiboot state and back again: a 16-bit
; protected-mode segment, CR0.PE cleared, a far jump to CS=FFFF (which
; reaches the image above 1 MiB), segment arithmetic (aliases of the same
; linear address), a segment register still holding its protected-mode
; descriptor ("unreal mode"), the IVT (INT n, the #DE of DIV, IRET), far CALL/RETF, 32-bit
; operands in real mode, then protected mode again.
%include "common.inc"

RMSEG   equ 0xFFFF
%define RMOFF(x) ((x) - 0xFFFF0)
SEL_RM16 equ SEL_SPARE0                 ; code16, base 0xFFFF0, limit 64K

main:
        SET_DESC SEL_RM16, 0xFFFF0, 0xFFFF, 0x9A, 0x0
        PUTS "to real mode"
        NL
        mov [saved_esp], esp
        jmp SEL_RM16:RMOFF(pm16)

bits 16
pm16:
        mov ax, SEL_DATA16
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov ss, ax
        mov ax, SEL_DATA32              ; GS keeps a 4 GiB limit into real mode
        mov gs, ax
        mov eax, cr0
        and eax, ~1
        mov cr0, eax
        jmp RMSEG:RMOFF(real)

real:
        mov ax, RMSEG
        mov ds, ax
        mov ss, ax
        mov sp, RMOFF(rm_stack_top)
        xor ax, ax
        mov es, ax
        lidt [RMOFF(ivt_ptr)]
        ; IVT entries 0 (#DE) and 0x60
        mov word [es:0 * 4], RMOFF(rm_de)
        mov word [es:0 * 4 + 2], RMSEG
        mov word [es:0x60 * 4], RMOFF(rm_int60)
        mov word [es:0x60 * 4 + 2], RMSEG
        mov si, RMOFF(msg_real)
        call rm_puts
        mov eax, cr0
        and eax, 0x80000011             ; PG, ET, PE
        call rm_hex32
        call rm_nl

        ; "unreal" GS: base 0 and the 4 GiB limit cached from protected mode
        a32 mov eax, [gs:dword image_start]
        call rm_hex32
        call rm_nl

        ; segment arithmetic: 1234:0010 and 1235:0000 are the same byte
        mov ax, 0x1234
        mov es, ax
        mov dword [es:0x0010], 0xC0FFEE11
        mov ax, 0x1235
        mov fs, ax
        mov eax, [fs:0x0000]
        call rm_hex32
        call rm_sp
        mov ax, 0x1000
        mov gs, ax
        mov bx, 0xFFFE
        mov word [gs:bx], 0xABCD        ; 1000:FFFE = linear 0x1FFFE
        mov ax, 0x1FFF
        mov fs, ax
        mov ax, [fs:0x000E]
        call rm_hex16
        call rm_sp
        ; 16-bit arithmetic with 32-bit operands
        mov eax, 0xFFFF0001
        mov ebx, 0x00010001
        add eax, ebx
        pushf
        call rm_hex32
        call rm_sp
        pop ax
        and ax, F_ALL
        call rm_hex16
        call rm_nl

        ; INT through the IVT
        mov ax, 0x6000
        stc
        int 0x60
        call rm_hex16
        call rm_sp
        pushf
        pop ax
        and ax, F_ALL | 0x200
        call rm_hex16
        call rm_sp
        ; #DE
        mov ax, 100
        mov bl, 0
        div bl
        call rm_hex16
        call rm_nl

        ; the stack pointer wraps at 64 KiB
        mov dx, sp
        mov cx, ss
        mov ax, 0x7000
        mov ss, ax
        xor sp, sp
        push word 0x1234                ; to 7000:FFFE
        mov bx, sp
        pop ax
        mov ax, [ss:0xFFFE]
        mov ss, cx
        mov sp, dx
        call rm_hex16
        call rm_sp
        mov ax, bx
        call rm_hex16
        call rm_nl

        ; far call and RETF
        call RMSEG:RMOFF(rm_far)
        call rm_hex16
        call rm_sp
        mov ax, sp
        sub ax, RMOFF(rm_stack_top)
        call rm_hex16
        call rm_nl

        ; back to protected mode
        lgdt [RMOFF(gdt_ptr)]
        mov eax, cr0
        or eax, 1
        mov cr0, eax
        jmp dword SEL_CODE32:pm_back

; INT 0x60: the frame is IP, CS, FLAGS
rm_int60:
        push bp
        mov bp, sp
        mov si, RMOFF(msg_int)
        call rm_puts
        mov ax, [bp + 2]
        sub ax, RMOFF(real)
        call rm_hex16
        call rm_sp
        mov ax, [bp + 4]
        call rm_hex16
        call rm_sp
        mov ax, [bp + 6]
        and ax, F_ALL | 0x300
        call rm_hex16
        call rm_sp
        pushf
        pop ax
        and ax, 0x300                   ; IF and TF cleared by INT
        call rm_hex16
        call rm_sp
        pop bp
        mov ax, 0x6060
        iret

; #DE: the saved IP points at the DIV; skip its two bytes
rm_de:
        push bp
        mov bp, sp
        mov si, RMOFF(msg_de)
        call rm_puts
        mov ax, [bp + 2]
        sub ax, RMOFF(real)
        call rm_hex16
        call rm_sp
        add word [bp + 2], 2
        pop bp
        mov ax, 0xDEDE
        iret

rm_far:
        mov ax, sp
        sub ax, RMOFF(rm_stack_top)
        call rm_hex16
        call rm_sp
        mov bp, sp
        mov ax, [bp + 2]                ; the pushed CS
        retf

; real-mode serial output (all registers preserved)
rm_putc:
        push dx
        push ax
        mov ah, al
        mov dx, COM1 + 5
.w:     in al, dx
        test al, 0x20
        jz .w
        mov al, ah
        mov dx, COM1
        out dx, al
        pop ax
        pop dx
        ret
rm_sp:
        push ax
        mov al, ' '
        call rm_putc
        pop ax
        ret
rm_nl:
        push ax
        mov al, 10
        call rm_putc
        pop ax
        ret
rm_puts:
        push ax
        push si
.n:     lodsb
        test al, al
        jz .d
        call rm_putc
        jmp .n
.d:     pop si
        pop ax
        ret
rm_hex16:
        push eax
        shl eax, 16
        push cx
        mov cx, 4
        jmp rm_hex_digits
rm_hex32:
        push eax
        push cx
        mov cx, 8
rm_hex_digits:
.l:     rol eax, 4
        push eax
        and eax, 0x0F
        mov al, [RMOFF(hexdigits) + eax]
        call rm_putc
        pop eax
        loop .l
        pop cx
        pop eax
        ret
bits 32

pm_back:
        mov ax, SEL_DATA32
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        mov esp, [saved_esp]
        lidt [idt_ptr]
        PUTS "back in protected mode "
        mov eax, cr0
        and eax, 0x80000011
        PHEX32 eax
        NL
        EXIT 0

align 4
saved_esp: dd 0
ivt_ptr: dw 0x3FF
        dd 0
msg_real: db "real mode cr0 ", 0
msg_int: db "int60 ", 0
msg_de: db "#DE ", 0

%macro PROGRAM_BSS 0
        resb 1024
rm_stack_top:
%endmacro
%include "tail.inc"
