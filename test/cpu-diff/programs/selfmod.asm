; Self-modifying code: patching the immediate of an instruction that has
; already run, patching an opcode, writing a routine into a buffer and calling
; it, rewriting it with REP MOVSB and with a 16-bit store, each time followed
; by a jump as the SDM asks for. The CPU must not run stale decoded code.
%include "common.inc"

main:
        ; patch an immediate: the same instruction executed with three values
        xor ebx, ebx
        mov ecx, 3
.again: jmp .patched
.patched:
        mov eax, 0x11111111
patch_imm equ $ - 4
        add ebx, eax
        add dword [patch_imm], 0x01010101
        loop .again
        PUTS "imm "
        PHEX32 ebx
        NL

        ; patch an opcode: INC EAX (40) becomes DEC EAX (48) after one run
        mov eax, 100
        mov ecx, 4
.op:    jmp .opc
.opc:
        inc eax
patch_op equ $ - 1
        mov byte [patch_op], 0x48
        loop .op
        PUTS "opcode "
        PHEX32 eax
        NL

        ; generate code in a buffer: mov eax, imm32 / ret
        mov edi, codebuf
        mov byte [edi], 0xB8
        mov dword [edi + 1], 0xAAAA0001
        mov byte [edi + 5], 0xC3
        call codebuf
        PUTS "generated "
        PHEX32 eax
        ; overwrite it with REP MOVSB
        mov esi, template
        mov edi, codebuf
        mov ecx, template_end - template
        rep movsb
        jmp .t1
.t1:    call codebuf
        SP_
        PHEX32 eax
        ; a 16-bit store over the middle of the immediate
        mov word [codebuf + 2], 0x7777
        jmp .t2
.t2:    call codebuf
        SP_
        PHEX32 eax
        ; change the RET to a NOP and append a new tail
        mov byte [codebuf + 5], 0x90
        mov dword [codebuf + 6], 0xC3C0FF40     ; inc eax / inc eax / ret
        jmp .t3
.t3:    call codebuf
        SP_
        PHEX32 eax
        NL
        ; no jump between the store and the modified instruction: the SDM
        ; (P6 and later) has the processor notice writes to prefetched code
        mov eax, 0
        mov byte [.next + 1], 0x42
.next:  mov al, 0x00
        movzx edx, al
        mov dword [.next2 + 1], 0x13572468
        nop
.next2: mov ebx, 0
        mov edi, .next3
        mov ecx, 2
        mov al, 0x40                    ; inc eax
        rep stosb                       ; overwrite the two NOPs below
.next3: nop
        nop
        PUTS "same block "
        PHEX32 edx
        SP_
        PHEX32 ebx
        SP_
        PHEX32 eax
        NL

        ; code running across a page boundary, patched
        mov edi, codebuf + 0x1000 - 3
        mov byte [edi], 0xB8
        mov dword [edi + 1], 0x12345678
        mov byte [edi + 5], 0xC3
        call codebuf + 0x1000 - 3
        PUTS "boundary "
        PHEX32 eax
        mov byte [codebuf + 0x1000], 0x99       ; second byte of the immediate's upper part
        jmp .t4
.t4:    call codebuf + 0x1000 - 3
        SP_
        PHEX32 eax
        NL
        EXIT 0

template:
        mov eax, 0xBBBB0002
        ret
template_end:

%macro PROGRAM_BSS 0
alignb 4096
codebuf: resb 0x2000
%endmacro
%include "tail.inc"
