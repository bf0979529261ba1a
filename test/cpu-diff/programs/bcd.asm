; Decimal adjust instructions over every AL value: DAA and DAS (with each
; AF/CF input), AAA and AAS (AX form), AAM and AAD with several bases, and the
; #DE of AAM 0. Only defined flags are compared: SF ZF AF PF CF after DAA/DAS;
; AF CF after AAA/AAS; SF ZF PF after AAM/AAD.
%include "common.inc"

; BCDOP "name", instruction, flag mask, AH input, digits of AX to print
; One line per (flags-in, high nibble of AL): 16 results "value/flags".
%macro BCDOP 5
        jmp %%code
%%name: db %1, 0
%%code:
        xor ebp, ebp                    ; flag input index 0..3
%%lf:   xor edi, edi                    ; AL high nibble
%%lh:   push esi
        mov esi, %%name
        call puts
        pop esi
        SP_
        PHEX 3, [bcd_flags + ebp * 4]
        SP_
        PHEX 1, edi
        PUTS ":"
        xor esi, esi                    ; AL low nibble
%%ll:   mov eax, edi
        shl eax, 4
        or eax, esi
        mov ah, %4
        push dword [bcd_flags + ebp * 4]
        popfd
        %2
        pushfd
        pop ebx
        and ebx, %3
        SP_
        PHEX %5, eax
        PUTS "/"
        PHEX 3, ebx
        inc esi
        cmp esi, 16
        jb %%ll
        NL
        inc edi
        cmp edi, 16
        jb %%lh
        inc ebp
        cmp ebp, 4
        jb %%lf
%endmacro

DAAF    equ F_SF | F_ZF | F_AF | F_PF | F_CF
AAAF    equ F_AF | F_CF
AAMF    equ F_SF | F_ZF | F_PF

main:
        SET_GATE 0, de_handler, 0x8E
        BCDOP "daa", daa, DAAF, 0x5A, 2
        BCDOP "das", das, DAAF, 0x5A, 2
        BCDOP "aaa", aaa, AAAF, 0x12, 4
        BCDOP "aaa-ff", aaa, AAAF, 0xFF, 4
        BCDOP "aas", aas, AAAF, 0x12, 4
        BCDOP "aas-00", aas, AAAF, 0x00, 4
        BCDOP "aam", aam, AAMF, 0x33, 4
        BCDOP "aam16", {aam 16}, AAMF, 0x33, 4
        BCDOP "aam7", {aam 7}, AAMF, 0x33, 4
        BCDOP "aad", aad, AAMF, 0x07, 4
        BCDOP "aad-ff", aad, AAMF, 0xFF, 4
        BCDOP "aad3", {aad 3}, AAMF, 0x9A, 4
        BCDOP "aad0", {aad 0}, AAMF, 0x9A, 4
        ; AAM 0 divides by zero
        mov dword [recover], .r1
        mov eax, 0x1234
        aam 0
        PUTS "no #DE"
.r1:    NL
        EXIT 0

de_handler:
        PUTS "#DE "
        PHEX32 eax
        push eax
        mov eax, [recover]
        mov [esp + 4], eax
        pop eax
        iretd

align 4
recover: dd 0
bcd_flags: dd 0x002, 0x012, 0x003, 0x8D7
%include "tail.inc"
