; Smoke test of the scaffolding: the Multiboot magic in EAX, output, exit status.
%include "common.inc"
main:
        PUTS "hello, magic "
        PHEX32 [boot_eax]
        NL
        mov eax, 0x12345678
        PHEX32 eax
        SP_
        PHEX 2, eax
        SP_
        stc
        PFLAGS F_ALL
        NL
        EXIT 0x00
%include "tail.inc"
