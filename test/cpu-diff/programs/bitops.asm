; Bit instructions and friends: BT/BTS/BTR/BTC (register and memory bases,
; register and immediate offsets, offsets outside the addressed dword),
; BSF/BSR, SETcc over flag combinations, BSWAP, CMPXCHG, XADD, CMPXCHG8B.
; BT*: CF is defined and ZF unchanged; BSF/BSR: only ZF, and the destination
; only when the source is not zero.
%include "common.inc"

BTF     equ F_CF | F_ZF

; BTREG "name", mnemonic, width: register base, register offset
%macro BTREG 3
  %if %3 == 16
    %define %%A ax
    %define %%B cx
    %define %%D 4
  %else
    %define %%A eax
    %define %%B ecx
    %define %%D 8
  %endif
        jmp %%code
%%name: db %1, 0
%%code:
        xor edi, edi
%%lb:   mov ebp, 0
%%lf:   mov eax, 0x8000A5C3
        mov ecx, [bitoffs + edi * 4]
        push dword [flagin + ebp * 4]
        popfd
        %2 %%A, %%B
        pushfd
        pop ebx
        and ebx, BTF
        push esi
        mov esi, %%name
        call puts
        pop esi
        SP_
        PHEX 8, ecx
        SP_
        PHEX %%D, eax
        SP_
        PHEX 3, ebx
        NL
        inc ebp
        cmp ebp, 2
        jb %%lf
        inc edi
        cmp edi, NBITOFFS
        jb %%lb
%endmacro

; BTMEM "name", mnemonic, width: memory base (middle of a buffer), register offset
%macro BTMEM 3
  %if %3 == 16
    %define %%B cx
    %define %%M word [bitbuf + 16]
  %else
    %define %%B ecx
    %define %%M dword [bitbuf + 16]
  %endif
        jmp %%code
%%name: db %1, 0
%%code:
        xor edi, edi
%%lb:   call fill_bitbuf
        mov ecx, [bitoffs + edi * 4]
  %if %3 == 16
        movsx ecx, cx                   ; the 16-bit form uses a signed 16-bit offset
        cmp ecx, -128
        jl %%skip
        cmp ecx, 127
        jg %%skip
  %else
        cmp ecx, -128
        jl %%skip
        cmp ecx, 127
        jg %%skip
  %endif
        push dword 0x8D7
        popfd
        %2 %%M, %%B
        pushfd
        pop ebx
        and ebx, BTF
        push esi
        mov esi, %%name
        call puts
        pop esi
        SP_
        PHEX 8, ecx
        SP_
        PHEX 3, ebx
        SP_
        call dump_bitbuf
        NL
%%skip:
        inc edi
        cmp edi, NBITOFFS
        jb %%lb
%endmacro

%macro BTALL 2
        BTREG {%1, "16"}, %2, 16
        BTREG {%1, "32"}, %2, 32
        BTMEM {%1, "m16"}, %2, 16
        BTMEM {%1, "m32"}, %2, 32
%endmacro

; SETALL cc...: edx bit n = SETcc number n, flags from ebx
%macro SETALL 16
  %assign bit 0
  %rep 16
        push ebx
        popfd
        set%1 al
        movzx eax, al
        shl eax, bit
        or edx, eax
    %rotate 1
    %assign bit bit + 1
  %endrep
%endmacro

; CMPX "name", accumulator, destination, source, size, acc reg, src reg
%macro CMPX 7
        mov eax, 0xEEEEEEEE
        mov ebx, 0xBBBBBBBB
        mov dword [q], 0xDDDDDDDD
        mov %6, %2
        mov %5 [q], %3
        mov %7, %4
        push dword 0x002
        popfd
        cmpxchg %5 [q], %7
        PUTS %1
        SP_
        PFLAGS F_ALL
        SP_
        PHEX32 eax
        SP_
        PHEX32 [q]
        NL
%endmacro

; XADDX "name", destination, source, size, src reg
%macro XADDX 5
        mov ebx, 0xBBBBBBBB
        mov dword [q], 0xDDDDDDDD
        mov %4 [q], %2
        mov %5, %3
        push dword 0x002
        popfd
        xadd %4 [q], %5
        PUTS %1
        SP_
        PFLAGS F_ALL
        SP_
        PHEX32 ebx
        SP_
        PHEX32 [q]
        NL
%endmacro

main:
        BTALL "bt", bt
        BTALL "bts", bts
        BTALL "btr", btr
        BTALL "btc", btc
        ; immediate offsets (taken modulo the operand size)
        call fill_bitbuf
        push dword 0x002
        popfd
        bt dword [bitbuf + 16], 33
        PFLAGS BTF
        bts dword [bitbuf + 16], 7
        PFLAGS BTF
        btr word [bitbuf + 16], 18
        PFLAGS BTF
        btc dword [bitbuf + 16], 31
        PFLAGS BTF
        mov eax, 0x12345678
        btc eax, 36
        PFLAGS BTF
        SP_
        PHEX32 eax
        SP_
        call dump_bitbuf
        NL

        ; BSF / BSR
        xor edi, edi
.bs:    mov ecx, [bsvals + edi * 4]
        PUTS "bsf/bsr "
        PHEX32 ecx
        mov eax, 0xDEADBEEF
        push dword 0x002
        popfd
        bsf eax, ecx
        mov esi, 32
        call print_bs
        mov eax, 0xDEADBEEF
        push dword 0x8D7
        popfd
        bsr eax, ecx
        mov esi, 32
        call print_bs
        mov eax, 0xDEADBEEF
        push dword 0x002
        popfd
        bsf ax, cx
        mov esi, 16
        call print_bs
        mov eax, 0xDEADBEEF
        push dword 0x002
        popfd
        bsr ax, cx
        mov esi, 16
        call print_bs
        NL
        inc edi
        cmp edi, NBSVALS
        jb .bs

        ; SETcc over flag combinations: one line per EFLAGS input, bit n = condition n
        xor edi, edi
.sc:    mov ebx, [setflags + edi * 4]
        xor edx, edx
        SETALL o, no, b, nb, z, nz, be, nbe, s, ns, p, np, l, nl, le, nle
        PUTS "setcc "
        PHEX 3, ebx
        SP_
        PHEX 4, edx
        NL
        inc edi
        cmp edi, NSETFLAGS
        jb .sc

        ; BSWAP
        mov eax, 0x11223344
        mov ebx, 0x80FF0001
        mov ecx, 0
        mov ebp, 0xA5C3E1F0
        bswap eax
        bswap ebx
        bswap ecx
        bswap ebp
        PUTS "bswap "
        PHEX32 eax
        SP_
        PHEX32 ebx
        SP_
        PHEX32 ecx
        SP_
        PHEX32 ebp
        NL

        ; CMPXCHG: accumulator equal / not equal to the destination
        CMPX "cmpxchg8 eq", 0x55, 0x55, 0xAA, byte, al, bl
        CMPX "cmpxchg8 ne", 0x54, 0x55, 0xAA, byte, al, bl
        CMPX "cmpxchg16 eq", 0x8000, 0x8000, 0x1234, word, ax, bx
        CMPX "cmpxchg16 ne", 0x7FFF, 0x8000, 0x1234, word, ax, bx
        CMPX "cmpxchg32 eq", 0x80000000, 0x80000000, 0x12345678, dword, eax, ebx
        CMPX "cmpxchg32 ne", 0x00000001, 0x80000000, 0x12345678, dword, eax, ebx
        CMPX "cmpxchg32 lt", 0xFFFFFFFF, 0x00000000, 0x12345678, dword, eax, ebx

        ; XADD
        XADDX "xadd8", 0x7F, 0x01, byte, bl
        XADDX "xadd16", 0xFFFF, 0x0001, word, bx
        XADDX "xadd32", 0x80000000, 0x80000000, dword, ebx
        XADDX "xadd32b", 0x0000000F, 0x00000001, dword, ebx
        mov eax, 5
        mov ebx, 7
        xadd eax, ebx
        PUTS "xadd reg "
        PHEX32 eax
        SP_
        PHEX32 ebx
        NL

        ; CMPXCHG8B: ZF reports the comparison, the other flags are unchanged
        mov dword [q], 0x89ABCDEF
        mov dword [q + 4], 0x01234567
        mov eax, 0x89ABCDEF
        mov edx, 0x01234567
        mov ebx, 0xCAFEBABE
        mov ecx, 0xF00DFACE
        push dword 0x8D7 & ~F_ZF
        popfd
        cmpxchg8b [q]
        PUTS "cmpxchg8b eq "
        PFLAGS F_ALL
        SP_
        PHEX32 edx
        PHEX32 eax
        SP_
        PHEX32 [q + 4]
        PHEX32 [q]
        NL
        mov eax, 0x89ABCDEF
        mov edx, 0x01234567
        push dword 0x8D7
        popfd
        cmpxchg8b [q]
        PUTS "cmpxchg8b ne "
        PFLAGS F_ALL
        SP_
        PHEX32 edx
        PHEX32 eax
        SP_
        PHEX32 [q + 4]
        PHEX32 [q]
        NL
        EXIT 0

; esi = operand width (16 or 32)
print_bs:
        pushfd
        pop ebx
        and ebx, F_ZF
        SP_
        PHEX 3, ebx
        cmp esi, 16
        jne .w32
        test cx, cx
        jz .zero
.w32:   test ecx, ecx
        jz .zero
        PUTS "/"
        PHEX32 eax
.zero:  ret

fill_bitbuf:
        pushad
        mov edi, bitbuf
        mov eax, 0x5AC3F00F
        mov ecx, 8
.l:     mov [edi], eax
        rol eax, 5
        add edi, 4
        loop .l
        popad
        ret

dump_bitbuf:
        pushad
        mov esi, bitbuf
        mov ecx, 8
.l:     PHEX32 [esi]
        add esi, 4
        loop .l
        popad
        ret

NBITOFFS equ 12
NBSVALS equ 8
NSETFLAGS equ 16
align 4
flagin: dd 0x002, 0x8D7
bitoffs: dd 0, 1, 15, 16, 31, 32, 33, 63, 100, -1, -33, -100
bsvals: dd 0, 1, 0x80000000, 0x00010000, 0x00018000, 0xFFFFFFFF, 0x00F0F000, 0x0000F000
setflags:
        dd 0x002, F_CF | 2, F_ZF | 2, F_SF | 2, F_OF | 2, F_PF | 2, F_SF | F_OF | 2, F_ZF | F_CF | 2
        dd F_ZF | F_SF | 2, F_ZF | F_OF | 2, F_SF | F_OF | F_ZF | 2, F_CF | F_PF | 2
        dd F_OF | F_CF | 2, F_SF | F_CF | 2, 0x8D7, 0x8D7 & ~F_ZF
q:      dd 0, 0
bitbuf: times 8 dd 0
%include "tail.inc"
