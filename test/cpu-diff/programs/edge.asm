; Odds and ends: CR0.ET reads as 1 whatever is written, CR3 keeps its
; PWT/PCD bits, the 15-byte instruction length limit (#GP), STOS ignoring a
; segment override (ES only) while MOVS/LODS/XLAT honour it on the source,
; far JMP and CALL through memory pointers, RETF, far transfers to a null
; selector (#GP(0)), and prefixes repeated.
%include "common.inc"

SEL_SHIFTED     equ SEL_SPARE0          ; data, base 0x100 below `buf`

main:
        SET_GATE 13, gp_handler, 0x8E
        SET_DESC SEL_SHIFTED, buf - 0x100, 0xFFFFF, 0x92, 0xC
        ; --- control registers
        mov eax, cr0
        and eax, ~0x10
        mov cr0, eax
        mov eax, cr0
        and eax, 0x80000011
        PUTS "cr0 "
        PHEX32 eax
        mov eax, 0x00001018             ; PWT | PCD, paging off
        mov cr3, eax
        mov eax, cr3
        PUTS " cr3 "
        PHEX32 eax
        NL

        ; --- instruction length
        mov dword [recover], .l1
        mov eax, 1
        db 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E
        db 0x3E, 0x3E, 0x3E, 0x3E, 0x40          ; 15 bytes: inc eax, fine
        PUTS "len15 "
        PHEX32 eax
        NL
        db 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E
        db 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x40    ; 16 bytes: #GP(0)
        PUTS "len16 executed"
.l1:    NL

        ; --- segment overrides and string instructions
        mov ax, SEL_SHIFTED
        mov fs, ax
        mov edi, buf
        mov al, 0x5A
        fs stosb                        ; still ES:EDI
        mov esi, 0x100
        mov edi, buf + 8
        mov ecx, 4
        fs rep movsb                    ; source FS:ESI = buf
        mov esi, 0x100 + 8
        fs lodsd
        PUTS "overrides "
        PHEX32 [buf]
        SP_
        PHEX32 [buf + 8]
        SP_
        PHEX32 eax
        mov byte [buf + 0x20], 0x77
        mov ebx, 0x100 + 0x1C
        mov al, 4
        fs xlatb
        SP_
        PHEX 2, eax
        NL

        ; --- far transfers through memory
        mov dword [farp], .far1
        mov word [farp + 4], SEL_CODE32
        jmp far [farp]
        PUTS "not here"
.far1:  mov dword [farp], far_sub
        mov [saved_esp], esp
        call far [farp]
        PUTS "far call "
        PHEX32 eax
        SP_
        PHEX32 ebx
        SP_
        mov eax, [saved_esp]
        sub eax, esp
        PHEX 2, eax
        NL

        ; --- far transfers to a null selector: #GP(0)
        mov dword [recover], .n1
        jmp 0:.n1
        PUTS "jmp far to null executed"
.n1:    mov dword [recover], .n2
        call 0:.n2
        PUTS "call far to null executed"
.n2:    mov dword [recover], .n3
        mov dword [farp], .n3
        mov word [farp + 4], 0
        jmp far [farp]
        PUTS "jmp far [null] executed"
.n3:    mov dword [recover], .n4
        mov dword [farp + 4], 3
        call far [farp]
        PUTS "call far [null rpl 3] executed"
.n4:    NL

        ; --- repeated and mixed prefixes
        mov eax, 0x11110000
        db 0x66, 0x66, 0x40             ; o16 o16 inc ax
        PUTS "prefixes "
        PHEX32 eax
        mov dword [buf], 0
        db 0x66, 0x3E, 0x66, 0xC7, 0x05 ; o16 ds o16 mov word [buf], 0xBEEF
        dd buf
        dw 0xBEEF
        SP_
        PHEX32 [buf]
        NL
        EXIT 0

far_sub:
        mov eax, [esp + 4]              ; the pushed CS
        and eax, 0xFFFF
        mov ebx, [esp]
        sub ebx, main
        retf

gp_handler:
        PUTS "#GP "
        PHEX 4, [esp]
        push eax
        mov eax, [recover]
        mov [esp + 8], eax
        pop eax
        add esp, 4
        iretd

align 4
recover: dd 0
saved_esp: dd 0
farp:   dd 0, 0
buf:    times 16 dd 0
%include "tail.inc"
