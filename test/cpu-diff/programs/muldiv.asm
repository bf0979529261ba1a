; MUL, IMUL (one, two and three operands), DIV and IDIV at 8, 16 and 32 bits.
; Only CF and OF are defined after multiplication; no flag after division.
; Divide errors (#DE) are caught by an IDT handler that prints "#DE" and the
; registers (a fault leaves them unchanged) and resumes after the instruction.
%include "common.inc"

MULF    equ F_CF | F_OF

; MUL1 "name", mnemonic, width: acc = acc * src
%macro MUL1 3
  %if %3 == 8
    %define %%B dl
    %define %%T vals8
    %define %%D 2
  %elif %3 == 16
    %define %%B dx
    %define %%T vals16
    %define %%D 4
  %else
    %define %%B ecx
    %define %%T vals32
    %define %%D 8
  %endif
        jmp %%code
%%name: db %1, 0
%%code:
        xor ebp, ebp
%%la:   xor edi, edi
%%lb:   mov eax, [%%T + ebp * 4]
        mov edx, [%%T + edi * 4]
        mov ecx, edx
        mov edx, 0x5A5A5A5A
  %if %3 == 8
        mov dl, cl
  %elif %3 == 16
        mov dx, cx
  %endif
        push dword 0x8D7
        popfd
        %2 %%B
        pushfd
        pop ebx
        push esi
        mov esi, %%name
        call puts
        pop esi
        SP_
        PHEX %%D, [%%T + ebp * 4]
        SP_
        PHEX %%D, [%%T + edi * 4]
        SP_
        PHEX32 edx
        SP_
        PHEX32 eax
        SP_
        and ebx, MULF
        PHEX 3, ebx
        NL
        inc edi
        cmp edi, NVALS
        jb %%lb
        inc ebp
        cmp ebp, NVALS
        jb %%la
%endmacro

; IMULN "name", width, form: 2 = imul r, r/m   3 = imul r, r/m, imm8   4 = imul r, r/m, imm
%macro IMULN 3
  %if %2 == 16
    %define %%A ax
    %define %%B dx
    %define %%T vals16
    %define %%D 4
  %else
    %define %%A eax
    %define %%B edx
    %define %%T vals32
    %define %%D 8
  %endif
        jmp %%code
%%name: db %1, 0
%%code:
        xor ebp, ebp
%%la:   xor edi, edi
%%lb:   mov eax, [%%T + ebp * 4]
        mov edx, [%%T + edi * 4]
        mov [scratch], edx
        push dword 0x002
        popfd
  %if %3 == 2
        imul %%A, %%B
  %elif %3 == 3
        imul %%A, [scratch], byte -3
  %elif %2 == 16
        imul %%A, [scratch], 0x0101
  %else
        imul %%A, [scratch], 0x00010001
  %endif
        pushfd
        pop ebx
        push esi
        mov esi, %%name
        call puts
        pop esi
        SP_
        PHEX %%D, [%%T + ebp * 4]
        SP_
        PHEX %%D, [%%T + edi * 4]
        SP_
        PHEX32 eax
        SP_
        and ebx, MULF
        PHEX 3, ebx
        NL
        inc edi
        cmp edi, NVALS
        jb %%lb
        inc ebp
        cmp ebp, NVALS
        jb %%la
%endmacro

; DIVOP "name", mnemonic, width: dividend high part from hi table, low part
; from the value table, divisor from the value table.
%macro DIVOP 3
  %if %3 == 8
    %define %%T vals8
    %define %%D 2
  %elif %3 == 16
    %define %%T vals16
    %define %%D 4
  %else
    %define %%T vals32
    %define %%D 8
  %endif
        jmp %%code
%%name: db %1, 0
%%code:
        xor ebp, ebp                    ; high part index
%%la:   xor edi, edi                    ; low part index
%%lb:   xor esi, esi                    ; divisor index
%%lc:   push esi
        mov esi, %%name
        call puts
        pop esi
        SP_
        PHEX %%D, [%%T + ebp * 4]
        PHEX %%D, [%%T + edi * 4]
        SP_
        PHEX %%D, [%%T + esi * 4]
        SP_
        mov dword [recover], %%after
        mov eax, [%%T + edi * 4]
        mov edx, [%%T + ebp * 4]
        mov ecx, [%%T + esi * 4]
  %if %3 == 8
        mov ah, dl
        mov edx, 0x5A5A5A5A
        %2 cl
  %elif %3 == 16
    %ifidn %2, idiv
        ; 0x80000000 / -1 in DX:AX is #DE by the SDM, but QEMU's TCG helper
        ; computes it with a host 32-bit division and dies of SIGFPE: skipped.
        cmp edx, 0x8000
        jne %%go
        test eax, eax
        jne %%go
        cmp ecx, 0xFFFF
        jne %%go
        PUTS "skipped"
        jmp %%after
%%go:
    %endif
        %2 cx
  %else
    %ifidn %2, idiv
        ; the same with a 64-bit host division
        cmp edx, 0x80000000
        jne %%go
        test eax, eax
        jne %%go
        cmp ecx, -1
        jne %%go
        PUTS "skipped"
        jmp %%after
%%go:
    %endif
        %2 ecx
  %endif
        PHEX32 edx
        SP_
        PHEX32 eax
%%after:
        NL
        inc esi
        cmp esi, NVALS
        jb %%lc
        inc edi
        cmp edi, NVALS
        jb %%lb
        inc ebp
        cmp ebp, NVALS
        jb %%la
%endmacro

main:
        SET_GATE 0, de_handler, 0x8E
        MUL1 "mul8", mul, 8
        MUL1 "mul16", mul, 16
        MUL1 "mul32", mul, 32
        MUL1 "imul8", imul, 8
        MUL1 "imul16", imul, 16
        MUL1 "imul32", imul, 32
        IMULN "imul2-16", 16, 2
        IMULN "imul2-32", 32, 2
        IMULN "imul3b-16", 16, 3
        IMULN "imul3b-32", 32, 3
        IMULN "imul3-16", 16, 4
        IMULN "imul3-32", 32, 4
        DIVOP "div8", div, 8
        DIVOP "div16", div, 16
        DIVOP "div32", div, 32
        DIVOP "idiv8", idiv, 8
        DIVOP "idiv16", idiv, 16
        DIVOP "idiv32", idiv, 32
        ; the classic overflow: most negative dividend by -1
        mov dword [recover], .r1
        mov eax, 0x80000000
        cdq
        mov ecx, -1
        idiv ecx
        PUTS "no #DE"
.r1:    NL
        ; memory operand divisor of zero
        mov dword [recover], .r2
        mov dword [scratch], 0
        mov eax, 1234
        xor edx, edx
        div dword [scratch]
        PUTS "no #DE"
.r2:    NL
        EXIT 0

; #DE: print the registers (unchanged by the faulting division) and the
; faulting EIP relative to the recovery point, then continue there.
de_handler:
        PUTS "#DE "
        PHEX32 edx
        SP_
        PHEX32 eax
        push eax
        mov eax, [recover]
        sub eax, [esp + 4]              ; distance from the faulting instruction
        PUTS " d="
        PHEX 2, eax
        pop eax
        push eax
        mov eax, [recover]
        mov [esp + 4], eax
        pop eax
        iretd

NVALS   equ 8
align 4
recover: dd 0
scratch: dd 0
vals8:  dd 0x00, 0x01, 0x02, 0x7F, 0x80, 0x81, 0xFE, 0xFF
vals16: dd 0x0000, 0x0001, 0x0003, 0x7FFF, 0x8000, 0x8001, 0xFFFD, 0xFFFF
vals32: dd 0x00000000, 0x00000001, 0x00000007, 0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFF9, 0xFFFFFFFF
%include "tail.inc"
