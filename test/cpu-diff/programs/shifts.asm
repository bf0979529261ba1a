; Shifts and rotates by CL over counts 0, 1, width-1, width, width+1, 31, and
; counts above 31 (masked to 5 bits), at 8, 16 and 32 bits; SHLD and SHRD;
; the by-1 and by-immediate encodings. Only the flags the SDM defines for the
; (masked) count are compared: with count 0 nothing changes; OF only for
; count 1; CF of SHL/SHR undefined for counts >= the width; AF undefined
; after shifts; rotates leave SF, ZF, AF and PF alone.
%include "common.inc"

K_SHIFT equ 0
K_SAR   equ 1
K_ROT   equ 2
K_DBL   equ 3

; SHOP "name", mnemonic, width, kind
%macro SHOP 4
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
%%la:   xor edi, edi
%%lb:   mov dword [fidx], 0
%%lc:   mov eax, [%%T + ebp * 4]
        mov ecx, [counts + edi * 4]
        mov edx, [%%T + 4]              ; second operand for SHLD/SHRD
        mov ebx, [fidx]
        push dword [flagin + ebx * 4]
        popfd
  %if %4 == K_DBL && %3 == 16
        %2 %%A, dx, cl
  %elif %4 == K_DBL
        %2 %%A, edx, cl
  %else
        %2 %%A, cl
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
        PHEX 2, ecx
        SP_
        mov esi, [fidx]
        PHEX 3, [flagin + esi * 4]
        SP_
        ; flags the SDM defines for this count
        push eax
        push ecx
        push edx
        and ecx, 31
        mov edx, F_ALL
        jz %%mask_done
  %if %4 == K_ROT
        cmp ecx, 1
        je %%mask_done
        mov edx, F_ALL & ~F_OF
  %else
        mov edx, F_SF | F_ZF | F_PF | F_CF
        cmp ecx, 1
        jne %%not1
        or edx, F_OF
%%not1:
    %if %4 == K_SHIFT
        cmp ecx, %3
        jb %%mask_done
        and edx, ~F_CF
    %elif %4 == K_DBL
        cmp ecx, %3
        jbe %%mask_done
        xor edx, edx                    ; count > width: result and flags undefined
        pop edx
        pop ecx
        pop eax
        PUTS "undefined"
        jmp %%next
    %endif
  %endif
%%mask_done:
        and ebx, edx
        pop edx
        pop ecx
        pop eax
        PHEX %%D, eax
        SP_
        PHEX 3, ebx
%%next:
        NL
        inc dword [fidx]
        cmp dword [fidx], 2
        jb %%lc
        inc edi
        cmp edi, NCOUNTS
        jb %%lb
        inc ebp
        cmp ebp, NVALS
        jb %%la
%endmacro

%macro ALLW 3
        SHOP {%1, "8"}, %2, 8, %3
        SHOP {%1, "16"}, %2, 16, %3
        SHOP {%1, "32"}, %2, 32, %3
%endmacro

; FIXED "name", instruction...: one line, input value 0x80000001 / flags 0x8D7 and 0x002
%macro FIXED 3
        mov eax, 0x80000001
        mov [scratch], eax
        push dword 0x8D7
        popfd
        %2
        pushfd
        pop ebx
        mov eax, [scratch]
        PUTS %1
        SP_
        PHEX32 eax
        SP_
        and ebx, %3
        PHEX 3, ebx
        mov eax, 0x40000002
        mov [scratch], eax
        push dword 0x002
        popfd
        %2
        pushfd
        pop ebx
        mov eax, [scratch]
        SP_
        PHEX32 eax
        SP_
        and ebx, %3
        PHEX 3, ebx
        NL
%endmacro

main:
        ALLW "shl", shl, K_SHIFT
        ALLW "shr", shr, K_SHIFT
        ALLW "sar", sar, K_SAR
        ALLW "rol", rol, K_ROT
        ALLW "ror", ror, K_ROT
        ALLW "rcl", rcl, K_ROT
        ALLW "rcr", rcr, K_ROT
        SHOP "shld16", shld, 16, K_DBL
        SHOP "shrd16", shrd, 16, K_DBL
        SHOP "shld32", shld, 32, K_DBL
        SHOP "shrd32", shrd, 32, K_DBL
        FIXED "shl1", {shl dword [scratch], 1}, F_ALL & ~F_AF
        FIXED "shr1", {shr dword [scratch], 1}, F_ALL & ~F_AF
        FIXED "sar1", {sar dword [scratch], 1}, F_ALL & ~F_AF
        FIXED "rol1", {rol dword [scratch], 1}, F_ALL
        FIXED "ror1", {ror dword [scratch], 1}, F_ALL
        FIXED "rcl1", {rcl dword [scratch], 1}, F_ALL
        FIXED "rcr1", {rcr dword [scratch], 1}, F_ALL
        FIXED "shl5", {shl dword [scratch], 5}, F_CF | F_SF | F_ZF | F_PF
        FIXED "sar31", {sar dword [scratch], 31}, F_CF | F_SF | F_ZF | F_PF
        FIXED "rcr3", {rcr dword [scratch], 3}, F_ALL & ~F_OF
        FIXED "rol8b", {rol byte [scratch], 3}, F_ALL & ~F_OF
        FIXED "rcl16", {rcl word [scratch], 4}, F_ALL & ~F_OF
        FIXED "shrd4", {shrd [scratch], eax, 4}, F_CF | F_SF | F_ZF | F_PF
        FIXED "shld1", {shld [scratch], eax, 1}, F_ALL & ~F_AF
        FIXED "sal0", {shl dword [scratch], 0}, F_ALL
        EXIT 0

NVALS   equ 5
NCOUNTS equ 13
align 4
fidx:   dd 0
scratch: dd 0
flagin: dd 0x002, 0x8D7
counts: dd 0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 0xE1
vals8:  dd 0x81, 0x7F, 0x01, 0xA5, 0x00
vals16: dd 0x8001, 0x7FFF, 0x0001, 0xA55A, 0x0000
vals32: dd 0x80000001, 0x7FFFFFFF, 0x00000001, 0xA55A3CC3, 0x00000000
%include "tail.inc"
