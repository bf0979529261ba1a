; 16-bit operand and address sizes: o16/a16 prefixes in 32-bit code (the
; eight 16-bit addressing forms, offset wraparound at 64 KiB, SS as the default
; segment for BP, string instructions and LOOP with CX/SI/DI), and a 16-bit
; protected-mode code segment (default 16-bit operands and addresses, o32/a32
; prefixes, near CALL/RET pushing 16-bit IP, far jump back).
%include "common.inc"

SEL_BUF16       equ SEL_SPARE0          ; data16, base = buf, limit 64K
SEL_IMG16       equ SEL_SPARE0 + 8      ; code16, base = image start, limit 64K

%macro SHOW 2
        PUTS %1
        PHEX32 %2
        SP_
%endmacro

main:
        SET_DESC SEL_BUF16, buf, 0xFFFF, 0x92, 0x0
        SET_DESC SEL_IMG16, image_start, 0xFFFF, 0x9A, 0x0
        ; fill the 64 KiB buffer: word at offset i = i
        mov edi, buf
        xor eax, eax
.fill:  mov [edi + eax], ax
        add eax, 2
        cmp eax, 0x10000
        jb .fill

        ; --- the eight 16-bit addressing forms, read through FS = buf
        mov ax, SEL_BUF16
        mov fs, ax
        mov ebx, 0x11110100
        mov esi, 0x22220020
        mov edi, 0x33330040
        mov ebp, 0x44440300
        a16 mov ax, [fs:bx + si]
        a16 mov cx, [fs:bx + di + 2]
        a16 mov dx, [fs:bp + si + 0x1000]
        a16 mov word [fs:bp + di - 2], 0xABCD
        SHOW "a16 ", eax
        SHOW "", ecx
        SHOW "", edx
        a16 mov ax, [fs:si]
        a16 mov cx, [fs:di + 0x7F]
        a16 mov dx, [fs:bp + 0x80]
        SHOW "", eax
        SHOW "", ecx
        SHOW "", edx
        a16 mov ax, [fs:bx]
        a16 mov cx, [fs:0x4444]
        a16 mov dx, [fs:bp + di - 2]
        SHOW "", eax
        SHOW "", ecx
        SHOW "", edx
        NL
        ; wraparound: the 16-bit effective address drops the carry
        mov ebx, 0xFFF0
        mov esi, 0x0020
        a16 mov ax, [fs:bx + si]        ; offset 0x0010
        mov ebx, 0x0010
        a16 mov cx, [fs:bx - 0x20]      ; offset 0xFFF0
        a16 lea dx, [bx + si - 1]
        a16 lea edi, [bx - 0x11]        ; 16-bit address, zero-extended
        SHOW "wrap ", eax
        SHOW "", ecx
        SHOW "", edx
        SHOW "", edi
        NL
        ; BP-based forms default to SS
        mov ax, ss
        mov [saved_ss], ax
        mov [saved_esp], esp
        mov ax, SEL_BUF16
        mov ss, ax
        mov ebp, 0x0200
        mov esi, 0x0002
        a16 mov ax, [bp + si]
        a16 mov cx, [bp + 4]
        mov ss, [saved_ss]
        mov esp, [saved_esp]
        SHOW "ss ", eax
        SHOW "", ecx
        NL

        ; --- string instructions and LOOP with 16-bit addresses
        mov ax, SEL_BUF16
        mov ds, ax
        mov es, ax
        mov esi, 0xAAAAFFFC
        mov edi, 0xBBBB1000
        mov ecx, 0xCCCC0006
        a16 rep movsb                   ; SI wraps to 0x0002
        mov ax, SEL_DATA32
        mov ds, ax
        mov es, ax
        SHOW "a16 movsb ", esi
        SHOW "", edi
        SHOW "", ecx
        SHOW "", [buf + 0x1000]
        SHOW "", [buf + 0x1004]
        mov ecx, 0x12340003
        xor eax, eax
.lp:    inc eax
        loop .lp, cx
        SHOW "", eax
        SHOW "", ecx
        mov ecx, 0xFFFF0000
        jcxz .cz
        PUTS "nojcxz "
.cz:    NL

        ; --- o16 data operations in 32-bit code
        mov eax, 0x12345678
        o16 push ax
        o16 push word 0xBEEF
        o16 pop cx
        o16 pop dx
        mov ecx, ecx
        SHOW "o16 ", ecx
        SHOW "", edx
        mov eax, 0xFFFFFFFF
        o16 inc ax
        SHOW "", eax
        PFLAGS F_ALL & ~F_CF
        NL

        ; --- 16-bit code segment
        mov [saved_esp], esp
        jmp SEL_IMG16:(code16 - image_start)
back32:
        mov ax, SEL_DATA32
        mov ds, ax
        mov es, ax
        mov esp, [saved_esp]
        SHOW "code16 ", [res16]
        SHOW "", [res16 + 4]
        SHOW "", [res16 + 8]
        SHOW "", [res16 + 12]
        SHOW "", [res16 + 16]
        SHOW "", [res16 + 20]
        NL
        EXIT 0

bits 16
code16:
        ; DS is the flat 32-bit data segment: a32 addressing reaches the data
        mov ax, 0x1234
        mov bx, 0x0F0F
        add ax, bx                      ; 16-bit by default
        a32 mov [dword res16], eax
        o32 mov eax, 0x89ABCDEF
        a32 mov [dword res16 + 4], eax
        mov cx, 3
        xor dx, dx
.l:     add dx, cx
        loop .l                         ; uses CX
        a32 mov [dword res16 + 8], edx
        call sub16                      ; pushes a 16-bit return IP
        a32 mov [dword res16 + 12], eax
        mov bp, sp
        push word 0x5555
        mov ax, bp
        sub ax, sp
        a32 mov [dword res16 + 16], eax
        pop ax
        push dword 0xCAFEF00D           ; o32 push
        pop ebx
        a32 mov [dword res16 + 20], ebx
        jmp dword SEL_CODE32:back32

sub16:
        a32 mov ax, [esp]               ; the return address, 16 bits
        ret
bits 32

align 4
saved_ss: dw 0
saved_esp: dd 0
res16:  times 8 dd 0

%macro PROGRAM_BSS 0
alignb 4096
buf:    resb 0x10000
%endmacro
%include "tail.inc"
