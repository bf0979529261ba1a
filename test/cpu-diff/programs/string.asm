; String instructions: MOVS, STOS, LODS, CMPS, SCAS at 8/16/32 bits, with and
; without REP/REPE/REPNE, forward and backward (DF=1), ECX=0, and the final
; ESI/EDI/ECX, buffers and flags (CMPS/SCAS set flags like CMP); string I/O
; (REP OUTSB/OUTSW to COM1, REP INSB from its line status register).
%include "common.inc"

; REGS: print ESI EDI ECX (relative to the buffers) and masked flags
%macro REGS 0
        PFLAGS F_ALL
        SP_
        push eax
        mov eax, esi
        sub eax, src
        PHEX 4, eax
        SP_
        mov eax, edi
        sub eax, dst
        PHEX 4, eax
        pop eax
        SP_
        PHEX 4, ecx
        SP_
%endmacro

%macro RESET 0
        call reset_dst
        mov esi, src
        mov edi, dst
        push dword 0x002
        popfd
%endmacro

%macro DUMP 0
        call dump_dst
        NL
%endmacro

main:
        ; --- MOVS
        RESET
        mov ecx, 5
        rep movsb
        PUTS "rep movsb "
        REGS
        DUMP

        RESET
        mov ecx, 3
        rep movsw
        PUTS "rep movsw "
        REGS
        DUMP

        RESET
        mov ecx, 2
        rep movsd
        PUTS "rep movsd "
        REGS
        DUMP

        RESET
        movsb
        movsw
        movsd
        PUTS "movs bwd "
        REGS
        DUMP

        RESET
        xor ecx, ecx
        rep movsb
        PUTS "rep movsb ecx=0 "
        REGS
        DUMP

        ; backwards, overlapping copy inside dst
        RESET
        mov ecx, 8
        rep movsb
        mov esi, dst + 7
        mov edi, dst + 11
        mov ecx, 8
        std
        rep movsb
        cld
        PUTS "std rep movsb "
        REGS
        DUMP

        RESET
        mov esi, src + 12
        mov edi, dst + 12
        mov ecx, 3
        std
        rep movsd
        cld
        PUTS "std rep movsd "
        REGS
        DUMP

        ; --- STOS
        RESET
        mov eax, 0x44332211
        mov ecx, 5
        rep stosb
        PUTS "rep stosb "
        REGS
        DUMP

        RESET
        mov eax, 0x44332211
        mov ecx, 3
        rep stosw
        PUTS "rep stosw "
        REGS
        DUMP

        RESET
        mov eax, 0x44332211
        mov edi, dst + 12
        mov ecx, 3
        std
        rep stosd
        cld
        PUTS "std rep stosd "
        REGS
        DUMP

        ; --- LODS
        RESET
        mov eax, 0xFFFFFFFF
        lodsb
        PHEX32 eax
        SP_
        lodsw
        PHEX32 eax
        SP_
        lodsd
        PHEX32 eax
        SP_
        std
        lodsw
        cld
        PHEX32 eax
        SP_
        mov ecx, 4
        rep lodsb                       ; legal, if useless
        PHEX32 eax
        SP_
        PUTS "lods "
        REGS
        NL

        ; --- CMPS
        RESET
        mov esi, src
        mov edi, cmpbuf
        mov ecx, 16
        repe cmpsb
        PUTS "repe cmpsb "
        call regs2
        NL

        RESET
        mov esi, src
        mov edi, cmpbuf
        mov ecx, 8
        repe cmpsw
        PUTS "repe cmpsw "
        call regs2
        NL

        RESET
        mov esi, src
        mov edi, cmpbuf2
        mov ecx, 16
        repne cmpsb
        PUTS "repne cmpsb "
        call regs2
        NL

        RESET
        mov esi, src
        mov edi, src
        mov ecx, 4
        repe cmpsd
        PUTS "repe cmpsd equal "
        call regs2
        NL

        RESET
        mov esi, src + 15
        mov edi, cmpbuf + 15
        mov ecx, 16
        std
        repe cmpsb
        cld
        PUTS "std repe cmpsb "
        call regs2
        NL

        RESET
        mov esi, src
        mov edi, cmpbuf
        xor ecx, ecx
        stc
        repe cmpsb
        PUTS "repe cmpsb ecx=0 "
        call regs2
        NL

        ; --- SCAS
        RESET
        mov edi, src
        mov al, 'q'
        mov ecx, 32
        repne scasb
        PUTS "repne scasb "
        call regs2
        NL

        RESET
        mov edi, src
        mov al, 'T'
        mov ecx, 32
        repe scasb
        PUTS "repe scasb "
        call regs2
        NL

        RESET
        mov edi, src
        mov ax, 0x6F72                  ; "ro"
        mov ecx, 16
        repne scasw
        PUTS "repne scasw "
        call regs2
        NL

        RESET
        mov edi, src + 12
        mov eax, 0x20656854              ; "The "
        mov ecx, 8
        std
        repne scasd
        cld
        PUTS "std repne scasd "
        call regs2
        NL

        RESET
        mov edi, src
        mov al, 'Z'
        mov ecx, 20
        repne scasb
        PUTS "repne scasb miss "
        call regs2
        NL

        ; string I/O: REP OUTSB writes a message to COM1, OUTSW sends two bytes
        ; of which the serial port keeps the low one, REP INSB reads the line status
        mov esi, io_msg
        mov ecx, io_msg_end - io_msg
        mov dx, COM1
        rep outsb
        mov eax, esi
        sub eax, io_msg
        PHEX 4, eax
        SP_
        PHEX 4, ecx
        SP_
        mov esi, io_words
        mov ecx, 2
        std
        add esi, 2
        rep outsw
        cld
        mov eax, esi
        sub eax, io_words
        PHEX32 eax
        SP_
        RESET
        mov dx, COM1 + 5
        mov ecx, 4
        rep insb
        mov eax, edi
        sub eax, dst
        PHEX 4, eax
        SP_
        DUMP

        ; scasb without a prefix sets flags like CMP AL, [EDI]
        RESET
        mov edi, src
        mov al, 0x54
        scasb
        PFLAGS F_ALL
        SP_
        mov al, 0x00
        scasb
        PFLAGS F_ALL
        SP_
        mov al, 0xF0
        scasb
        PFLAGS F_ALL
        NL
        EXIT 0

; print ESI/EDI/ECX relative to the start and flags, for comparisons
regs2:
        pushfd
        push eax
        mov eax, esi
        sub eax, src
        PHEX 4, eax
        SP_
        mov eax, edi
        sub eax, src
        PHEX 4, eax
        SP_
        PHEX 4, ecx
        SP_
        pop eax
        popfd
        PFLAGS F_ALL
        ret

reset_dst:
        pushad
        mov edi, dst
        mov ecx, 16
.l:     mov byte [edi], 0xEE
        inc edi
        loop .l
        popad
        ret

dump_dst:
        pushad
        mov esi, dst
        mov ecx, 16
.l:     movzx eax, byte [esi]
        PHEX 2, eax
        inc esi
        loop .l
        popad
        ret

io_msg: db "[rep outsb to COM1]"
io_msg_end:
io_words: dw 0x2341, 0x2342
src:    db "The quick brown fox jumps over the lazy dog", 0
        times 16 db 0
cmpbuf: db "The quack brown fox jumps over the lazy dog", 0
cmpbuf2: db "xxxxxx", "i", "xxxxxxxxxxxxxxxxxxxxxxx"
align 16
dst:    times 32 db 0
%include "tail.inc"
