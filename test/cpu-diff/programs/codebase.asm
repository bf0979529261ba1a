; The same code run through code segments with different bases: a routine
; with taken and not-taken conditional jumps, a short jump, LOOP, a near call
; and return is called alternately from the flat code segment (base 0) and
; from one based at the image start, where its EIPs are 1 MiB smaller. The
; results and the EIPs it sees must follow the current CS base.
%include "common.inc"

SEL_BASED       equ SEL_SPARE0          ; code32, base image_start
%define OFF(x) ((x) - image_start)

main:
        SET_DESC SEL_BASED, image_start, 0xFFFFF, 0x9A, 0xC
        mov ecx, 3
round:  push ecx
        jmp SEL_BASED:OFF(in_based)     ; the based segment runs the routine first
in_based:
        PUTS "based "
        call routine
        call show
        jmp SEL_CODE32:back_flat
back_flat:
        PUTS "flat  "
        call routine
        call show
        pop ecx
        loop round

        ; CS changes other than far JMP: INT through a gate into the flat
        ; segment and IRET back, far CALL and RETF, IRET to a new CS
        SET_GATE 0x60, int60, 0x8E
        jmp SEL_BASED:OFF(based2)
based2:
        PUTS "based "
        call routine
        call show
        int 0x60                        ; flat handler
        PUTS "based after iret "
        call routine
        call show
        call SEL_CODE32:far_flat
        PUTS "based after retf "
        call routine
        call show
        pushfd
        push dword SEL_CODE32
        push dword flat_by_iret
        iretd
flat_by_iret:
        PUTS "flat by iret "
        call routine
        call show
        ; 16-bit far CALL/RETF inside the based segment (offsets below 64K),
        ; then 32-bit flat code again
        jmp SEL_BASED:OFF(based3)
based3:
        call word SEL_BASED:OFF(sub16)
        PUTS "based after o16 retf "
        call routine
        call show
        jmp SEL_CODE32:flat3
flat3:
        PUTS "flat again "
        call routine
        call show
        ; a 286 interrupt gate into the based segment, 16-bit IRET, then flat
        mov word [idt + 0x61 * 8], OFF(int61)
        mov word [idt + 0x61 * 8 + 2], SEL_BASED
        mov dword [idt + 0x61 * 8 + 4], 0x00008600
        jmp SEL_BASED:OFF(based4)
based4:
        int 0x61
        PUTS "based after int 0x61 "
        call routine
        call show
        jmp SEL_CODE32:flat4
flat4:
        PUTS "flat after 286 gate "
        call routine
        call show
        ; an exception raised in the based segment, handled in the flat one
        SET_GATE 13, gp_flat, 0x8E
        jmp SEL_BASED:OFF(based5)
based5:
        mov ax, 0x0100                  ; beyond the GDT limit: #GP
        mov ds, ax
        PUTS "not reached"
        EXIT 0x7E
based6:
        ; IRET to a DPL 3 code segment with RPL 0: #GP(selector) from IRET itself
        pushfd
        push dword SEL_UCODE32 & ~3
        push dword 0x1234
        iretd
        PUTS "not reached"
        EXIT 0x7E

int61:
        PUTS "286 gate handler "
        call routine
        call show
        o16 iret

gp_flat:
        PUTS "flat #GP handler "
        PHEX 4, [esp]
        SP_
        call routine
        call show
        mov ax, SEL_DATA32
        mov ds, ax
        add esp, 16
        inc byte [gp_count]
        cmp byte [gp_count], 2
        jae .done
        jmp SEL_BASED:OFF(based6)
.done:  EXIT 0

gp_count: db 0

sub16:
        o16 retf

int60:
        PUTS "flat int handler "
        call routine
        call show
        iretd

far_flat:
        PUTS "flat far call "
        call routine
        call show
        retf

; eax = a count built from branches, ebx = an EIP seen by the routine
routine:
        xor eax, eax
        mov ecx, 5
.l:     test ecx, 1
        jz .even                        ; taken for even ECX, not taken for odd
        add eax, 0x10
        jmp short .next
.even:  add eax, 0x100
.next:  loop .l
        cmp eax, 0x230
        jne .bad
        add eax, 1
.bad:   call .where
.where: pop ebx
        ret

show:
        PHEX32 eax
        SP_
        PHEX32 ebx
        NL
        ret
%include "tail.inc"
