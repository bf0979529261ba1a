; Data movement and stack: MOVZX/MOVSX, CBW/CWDE/CWD/CDQ, XCHG, LEA with
; many addressing forms, XLAT, LAHF/SAHF, LOOP/LOOPE/LOOPNE/JECXZ, PUSH ESP,
; POP to memory through ESP, PUSHA/POPA (32 and 16 bit), ENTER/LEAVE with
; nesting levels, RET imm16, PUSHFD/POPFD, CMC/CLC/STC, Jcc.
%include "common.inc"

%macro SHOW 2                           ; "label", value
        PUTS %1
        PHEX32 %2
        SP_
%endmacro

main:
        ; --- MOVZX / MOVSX
        mov ebx, 0x8081F0FF
        movzx eax, bl
        SHOW "movzx ", eax
        movzx eax, bh
        SHOW "", eax
        movzx eax, bx
        SHOW "", eax
        movsx eax, bl
        SHOW "movsx ", eax
        movsx eax, bh
        SHOW "", eax
        movsx eax, bx
        SHOW "", eax
        mov eax, 0x11111111
        movsx ax, bl
        SHOW "", eax
        movzx ax, bh
        SHOW "", eax
        mov dword [scratch], 0x00007F80
        movsx ecx, byte [scratch]
        movsx edx, word [scratch]
        movzx esi, byte [scratch + 1]
        SHOW "", ecx
        SHOW "", edx
        SHOW "", esi
        NL

        ; --- CBW / CWDE / CWD / CDQ
        mov eax, 0x12345680
        cbw
        SHOW "cbw ", eax
        mov eax, 0x1234807F
        cbw
        SHOW "", eax
        mov eax, 0x12348000
        cwde
        SHOW "cwde ", eax
        mov eax, 0x00008000
        mov edx, 0x55555555
        cwd
        SHOW "cwd ", edx
        mov eax, 0x80000000
        cdq
        SHOW "cdq ", edx
        mov eax, 0x7FFFFFFF
        cdq
        SHOW "", edx
        NL

        ; --- XCHG
        mov eax, 1
        mov ebx, 2
        mov dword [scratch], 3
        xchg eax, ebx
        xchg ebx, [scratch]
        mov ecx, 0x11223344
        xchg cl, ch
        mov edx, 0xAABBCCDD
        xchg dx, cx
        SHOW "xchg ", eax
        SHOW "", ebx
        SHOW "", ecx
        SHOW "", edx
        SHOW "", [scratch]
        NL

        ; --- LEA
        mov eax, 0x1000
        mov ebx, 0x20
        mov ecx, 0x300
        mov esi, 0xFFFFFFF0
        lea edx, [eax + ebx * 4 + 0x10]
        SHOW "lea ", edx
        lea edx, [ecx * 8]
        SHOW "", edx
        lea edx, [esi + ecx * 2 - 0x20]
        SHOW "", edx
        lea edx, [eax + eax * 8]
        SHOW "", edx
        lea edx, [esi + 0x7FFFFFF0]
        SHOW "", edx
        mov edx, 0x55555555
        lea dx, [esi + ebx + 5]         ; 16-bit destination keeps the high word
        SHOW "", edx
        mov ebp, 0x100
        lea edx, [ebp + esi * 1]
        SHOW "", edx
        NL

        ; --- XLAT
        mov ebx, xlat_table
        mov eax, 0xAABBCC03
        xlatb
        SHOW "xlat ", eax
        mov al, 0x0F
        xlatb
        SHOW "", eax
        NL

        ; --- LAHF / SAHF
        push dword 0x8D7
        popfd
        mov eax, 0
        lahf
        SHOW "lahf ", eax
        mov ah, 0x00
        sahf
        PFLAGS F_ALL
        SP_
        mov ah, 0xFF
        sahf
        PFLAGS F_ALL | 0x28             ; bits 3 and 5 stay clear
        SP_
        mov ah, 0x2A
        push dword 0x802
        popfd
        sahf
        PFLAGS 0xFFF
        NL

        ; --- LOOP family / JECXZ
        mov ecx, 5
        xor eax, eax
.l1:    inc eax
        loop .l1
        SHOW "loop ", eax
        SHOW "", ecx
        mov ecx, 10
        xor eax, eax
.l2:    inc eax
        cmp eax, 3
        loopne .l2
        SHOW "", eax
        SHOW "", ecx
        mov ecx, 10
        xor eax, eax
.l3:    inc eax
        cmp eax, eax
        loope .l3
        SHOW "", eax
        SHOW "", ecx
        mov ecx, 0
        jecxz .z
        PUTS "no-jecxz "
.z:     mov ecx, 1
        jecxz .nz
        PUTS "ok "
.nz:    NL

        ; --- PUSH ESP / POP [ESP]
        mov ebp, esp
        push esp
        pop eax
        sub eax, ebp
        SHOW "push-esp ", eax
        push dword 0x1234
        push dword 0x5678
        pop dword [esp]                 ; address computed after the increment
        pop eax
        SHOW "", eax
        mov eax, esp
        sub eax, ebp
        SHOW "", eax
        push word 0x7777
        pop ax
        SHOW "", eax
        push byte -2
        pop eax
        SHOW "", eax
        push ds
        pop eax
        and eax, 0xFFFF
        SHOW "", eax
        NL

        ; --- PUSHA / POPA
        mov eax, 0xA0A0A0A0
        mov ecx, 0xC1C1C1C1
        mov edx, 0xD2D2D2D2
        mov ebx, 0xB3B3B3B3
        mov esi, 0x56565656
        mov edi, 0x67676767
        mov ebp, 0x5B5B5B5B
        mov [saved_esp], esp
        pushad
        mov ebx, [saved_esp]
        sub ebx, esp
        SHOW "pushad ", ebx
        SHOW "", [esp]
        SHOW "", [esp + 4]
        mov eax, [esp + 12]
        sub eax, esp
        SHOW "", eax                    ; the ESP value pushed is the original one
        SHOW "", [esp + 28]
        mov dword [esp + 12], 0         ; POPAD ignores the saved ESP
        mov dword [esp + 4], 0x44444444
        popad
        SHOW "", esi
        mov eax, esp
        sub eax, [saved_esp]
        SHOW "", eax
        NL
        mov eax, 0x1111AAAA
        mov ecx, 0x2222CCCC
        pushaw
        mov word [esp + 14], 0x9999     ; AX slot
        mov word [esp + 12], 0x8888     ; CX slot
        popaw
        SHOW "pushaw ", eax
        SHOW "", ecx
        mov eax, esp
        sub eax, [saved_esp]
        SHOW "", eax
        NL

        ; --- ENTER / LEAVE
        mov ebp, 0xBBBB0000
        mov [saved_esp], esp
        enter 0x10, 0
        mov eax, [saved_esp]
        sub eax, esp
        SHOW "enter0 ", eax
        mov eax, [saved_esp]
        sub eax, ebp
        SHOW "", eax
        SHOW "", [ebp]
        leave
        SHOW "", ebp
        mov eax, [saved_esp]
        sub eax, esp
        SHOW "", eax
        NL
        ; nested frames: level 1 and level 3 using a fake chain
        mov dword [fake_frame - 4], 0xF1F1F1F1
        mov dword [fake_frame - 8], 0xF2F2F2F2
        mov ebp, fake_frame
        enter 8, 1
        mov eax, [saved_esp]
        sub eax, esp
        SHOW "enter1 ", eax
        SHOW "", [esp + 8]              ; frame pointer copy
        leave
        NL
        mov ebp, fake_frame
        enter 4, 3
        mov eax, [saved_esp]
        sub eax, esp
        SHOW "enter3 ", eax
        SHOW "", [esp + 4]
        SHOW "", [esp + 8]
        SHOW "", [esp + 12]
        mov eax, [esp + 16]
        sub eax, fake_frame
        SHOW "", eax
        leave
        mov eax, ebp
        sub eax, fake_frame
        SHOW "", eax
        mov eax, [saved_esp]
        sub eax, esp
        SHOW "", eax
        NL
        ; 16-bit ENTER/LEAVE (operand size prefix): pushes BP, uses SP-relative
        mov ebp, esp                    ; high word as the stack's: LEAVE copies all of EBP
        mov bp, 0x1234
        o16 enter 6, 0
        mov eax, [saved_esp]
        sub eax, esp
        SHOW "enter16 ", eax
        mov eax, [saved_esp]
        sub eax, ebp
        SHOW "", eax
        o16 leave
        mov eax, ebp
        sub eax, [saved_esp]
        SHOW "", eax
        mov eax, [saved_esp]
        sub eax, esp
        SHOW "", eax
        NL

        ; --- RET imm16, CALL indirect
        push dword 0x11
        push dword 0x22
        call ret8
        mov eax, [saved_esp]
        sub eax, esp
        SHOW "ret8 ", eax
        mov eax, ret8_target
        call eax
        call [ret8_ptr]
        NL

        ; --- PUSHFD / POPFD (bits that can change at CPL 0, IOPL included)
        push dword 0x000078D7           ; NT, IOPL 3, OF and the arithmetic flags
        popfd
        pushfd
        pop eax
        and eax, 0x7FD7                 ; leave out AC/ID/VIF/VIP (CPU-model dependent)
        SHOW "popfd ", eax
        push dword 0
        popfd
        pushfd
        pop eax
        SHOW "", eax
        clc
        cmc
        PFLAGS F_CF
        stc
        cmc
        PFLAGS F_CF
        NL

        ; --- Jcc: a byte per branch records "not taken"; MOV keeps the flags
        mov eax, 0x80000000
        cmp eax, 1
        jl .j1
        mov byte [jres + 0], 1
.j1:    jb .j2
        mov byte [jres + 1], 1
.j2:    jg .j3
        mov byte [jres + 2], 1
.j3:    ja .j4
        mov byte [jres + 3], 1
.j4:    jo .j5
        mov byte [jres + 4], 1
.j5:    jpe .j6
        mov byte [jres + 5], 1
.j6:    mov eax, 5
        cmp eax, 5
        jle .j7
        mov byte [jres + 6], 1
.j7:    jbe .j8
        mov byte [jres + 7], 1
.j8:    jns .j9
        mov byte [jres + 8], 1
.j9:    jnz .j10
        mov byte [jres + 9], 1
.j10:   jge .j11
        mov byte [jres + 10], 1
.j11:   jc .j12
        mov byte [jres + 11], 1
.j12:   SHOW "jcc ", [jres]
        SHOW "", [jres + 4]
        SHOW "", [jres + 8]
        NL
        EXIT 0

ret8:   ret 8
ret8_target:
        PUTS "indirect "
        ret
ret8_ptr: dd ret8_target

align 4
scratch: dd 0
saved_esp: dd 0
jres:   times 12 db 0
xlat_table: db "0123456789ABCDEF"
        times 64 dd 0
fake_frame: dd 0
        times 16 dd 0
%include "tail.inc"
