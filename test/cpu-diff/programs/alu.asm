; ALU instructions and their flags over a table of edge operands, at 8, 16 and
; 32 bits: ADD ADC SUB SBB AND OR XOR CMP TEST (register, memory and immediate
; forms), INC DEC NEG NOT. Each case runs with the arithmetic flags all clear
; and all set on input. AF is undefined after the logical operations.
%include "common.inc"

LOGIC_MASK      equ F_CF | F_PF | F_ZF | F_SF | F_OF

; Output line: NAME a b flags-in -> result flags-out

; BINOP "name", mnemonic, width, flag mask, form (0 reg,reg  1 mem,reg  2 reg,mem)
%macro BINOP 5
  %if %3 == 8
    %define %%A al
    %define %%B dl
    %define %%M byte [scratch]
    %define %%T vals8
    %define %%D 2
  %elif %3 == 16
    %define %%A ax
    %define %%B dx
    %define %%M word [scratch]
    %define %%T vals16
    %define %%D 4
  %else
    %define %%A eax
    %define %%B edx
    %define %%M dword [scratch]
    %define %%T vals32
    %define %%D 8
  %endif
        jmp %%code
%%name: db %1, 0
%%code:
        xor ebp, ebp
%%la:   xor edi, edi
%%lb:   xor ecx, ecx
%%lc:   mov eax, [%%T + ebp * 4]
        mov edx, [%%T + edi * 4]
        mov [scratch], eax
        push dword [flagin + ecx * 4]
        popfd
  %if %5 == 0
        %2 %%A, %%B
  %elif %5 == 1
        %2 %%M, %%B
  %else
        %2 %%A, %%M
  %endif
        pushfd
        pop ebx
  %if %5 == 1
        mov eax, [scratch]
  %endif
        push esi
        mov esi, %%name
        call puts
        pop esi
        SP_
        PHEX %%D, [%%T + ebp * 4]
        SP_
        PHEX %%D, [%%T + edi * 4]
        SP_
        PHEX 3, [flagin + ecx * 4]
        SP_
        PHEX %%D, eax
        SP_
        and ebx, %4
        PHEX 3, ebx
        NL
        inc ecx
        cmp ecx, 2
        jb %%lc
        inc edi
        cmp edi, NVALS
        jb %%lb
        inc ebp
        cmp ebp, NVALS
        jb %%la
%endmacro

; UNOP "name", mnemonic, width, mask
%macro UNOP 4
  %if %3 == 8
    %define %%A al
    %define %%T vals8
    %define %%D 2
  %elif %3 == 16
    %define %%A ax
    %define %%T vals16
    %define %%D 4
  %else
    %define %%A eax
    %define %%T vals32
    %define %%D 8
  %endif
        jmp %%code
%%name: db %1, 0
%%code:
        xor ebp, ebp
%%la:   xor ecx, ecx
%%lc:   mov eax, [%%T + ebp * 4]
        push dword [flagin + ecx * 4]
        popfd
        %2 %%A
        pushfd
        pop ebx
        push esi
        mov esi, %%name
        call puts
        pop esi
        SP_
        PHEX %%D, [%%T + ebp * 4]
        SP_
        PHEX 3, [flagin + ecx * 4]
        SP_
        PHEX %%D, eax
        SP_
        and ebx, %4
        PHEX 3, ebx
        NL
        inc ecx
        cmp ecx, 2
        jb %%lc
        inc ebp
        cmp ebp, NVALS
        jb %%la
%endmacro

; IMMOP "name", mnemonic, operand, immediate (one line per value, both flag states)
%macro IMMOP 5
        jmp %%code
%%name: db %1, 0
%%code:
        xor ebp, ebp
%%la:   xor ecx, ecx
%%lc:   mov eax, [vals32 + ebp * 4]
        mov [scratch], eax
        push dword [flagin + ecx * 4]
        popfd
        %2 %3, %4
        pushfd
        pop ebx
        mov eax, [scratch]
        push esi
        mov esi, %%name
        call puts
        pop esi
        SP_
        PHEX 8, [vals32 + ebp * 4]
        SP_
        PHEX 3, [flagin + ecx * 4]
        SP_
        PHEX 8, eax
        SP_
        and ebx, %5
        PHEX 3, ebx
        NL
        inc ecx
        cmp ecx, 2
        jb %%lc
        inc ebp
        cmp ebp, NVALS
        jb %%la
%endmacro

%macro ALLWIDTHS 4
        BINOP {%1, "8"}, %2, 8, %3, %4
        BINOP {%1, "16"}, %2, 16, %3, %4
        BINOP {%1, "32"}, %2, 32, %3, %4
%endmacro

main:
        ALLWIDTHS "add", add, F_ALL, 0
        ALLWIDTHS "adc", adc, F_ALL, 0
        ALLWIDTHS "sub", sub, F_ALL, 0
        ALLWIDTHS "sbb", sbb, F_ALL, 0
        ALLWIDTHS "and", and, LOGIC_MASK, 0
        ALLWIDTHS "or", or, LOGIC_MASK, 0
        ALLWIDTHS "xor", xor, LOGIC_MASK, 0
        ALLWIDTHS "cmp", cmp, F_ALL, 0
        ALLWIDTHS "test", test, LOGIC_MASK, 0
        ; memory destination and memory source forms
        BINOP "add-m8", add, 8, F_ALL, 1
        BINOP "sbb-m16", sbb, 16, F_ALL, 1
        BINOP "xor-m32", xor, 32, LOGIC_MASK, 1
        BINOP "sub-r8m", sub, 8, F_ALL, 2
        BINOP "adc-r32m", adc, 32, F_ALL, 2
        BINOP "cmp-r16m", cmp, 16, F_ALL, 2
        ; immediates: sign-extended imm8 and full imm32, memory and register
        IMMOP "add-i8", add, dword [scratch], byte -1, F_ALL
        IMMOP "sub-i8", sub, dword [scratch], byte 0x7F, F_ALL
        IMMOP "and-i32", and, dword [scratch], 0x8000FFFF, LOGIC_MASK
        IMMOP "cmp-i8", cmp, dword [scratch], byte -128, F_ALL
        IMMOP "adc-wi8", adc, word [scratch], byte -2, F_ALL
        IMMOP "or-bi", or, byte [scratch], 0x81, LOGIC_MASK
        IMMOP "sbb-bi", sbb, byte [scratch], 0x80, F_ALL
        IMMOP "test-i", test, dword [scratch], 0x80000001, LOGIC_MASK
        ; unary operations (CF is preserved by INC/DEC; NOT changes no flags)
        UNOP "inc8", inc, 8, F_ALL
        UNOP "inc16", inc, 16, F_ALL
        UNOP "inc32", inc, 32, F_ALL
        UNOP "dec8", dec, 8, F_ALL
        UNOP "dec16", dec, 16, F_ALL
        UNOP "dec32", dec, 32, F_ALL
        UNOP "neg8", neg, 8, F_ALL
        UNOP "neg16", neg, 16, F_ALL
        UNOP "neg32", neg, 32, F_ALL
        UNOP "not8", not, 8, F_ALL
        UNOP "not16", not, 16, F_ALL
        UNOP "not32", not, 32, F_ALL
        ; the high byte registers
        mov eax, 0x11228844
        mov ebx, 0x55AA66CC
        add ah, bh
        sub bl, ah
        xor al, bh
        adc ah, al
        PHEX32 eax
        SP_
        PHEX32 ebx
        SP_
        PFLAGS F_ALL
        NL
        EXIT 0

NVALS   equ 8
align 4
flagin: dd 0x002, 0x8D7
vals8:  dd 0x00, 0x01, 0x0F, 0x10, 0x7F, 0x80, 0x81, 0xFF
vals16: dd 0x0000, 0x0001, 0x000F, 0x00F0, 0x7FFF, 0x8000, 0x8001, 0xFFFF
vals32: dd 0x00000000, 0x00000001, 0x0000000F, 0x00000FF0, 0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF
scratch: dd 0
%include "tail.inc"
