; Stacks whose SS is a 16-bit segment (descriptor B=0) in protected mode: every
; implicit stack access must use SP, not ESP, and change only SP, while the
; upper half of ESP holds garbage that must survive. The same operations on a
; 32-bit SS that is not flat (so compiled blocks may not inline them).
;
; Covered: PUSH/POP of registers, immediates, memory and segment registers
; (POP SS between a 16-bit and a 32-bit stack moves the pointer of the stack it
; popped from), PUSH ESP/POP ESP/POP SP, PUSHA/POPA at both sizes, PUSHF/POPF,
; POP to an ESP-based address, near and far CALL/RET with and without imm16,
; ENTER/LEAVE with nesting, INT/IRET and exceptions (with and without an error
; code) on the 16-bit stack, and privilege changes from a ring-3 16-bit stack to
; a ring-0 16-bit or 32-bit stack from the TSS and IRETD back (a 16-bit SS gets
; only SP: the upper half of ESP keeps what it held), loops of stack operations
; hot enough to be compiled, and a block that loads a non-flat DS in its middle.
;
; Printed: ESP after each case, the stack memory the case wrote, and the values
; it popped. The stack segments are based at STK_BASE; memory is dumped through
; the flat data segment. Not printed, because QEMU does not check segment limits
; on stack accesses: #SS on limit violations (see test/unit/cpu/stack16.test.ts);
; nor the upper word of a segment register pushed with a 32-bit operand size
; (the SDM allows a zero-extended value or a 16-bit write), nor ENTER/LEAVE with
; an operand size other than the stack size where the SDM and QEMU part ways
; (EBP's upper half is chosen equal to ESP's there).
%include "common.inc"

STK_BASE        equ 0x400000            ; base of the test stack segments
U16_BASE        equ STK_BASE + 0x20000  ; ring-3 16-bit stack
K16_BASE        equ STK_BASE + 0x30000  ; ring-0 16-bit stack (TSS SS0)

SEL_S16         equ SEL_SPARE0          ; 16-bit stack, limit 0xFFFF
SEL_S16BIG      equ SEL_SPARE0 + 8      ; 16-bit stack, limit 0xFFFFF (ESP-based addresses fit)
SEL_S32         equ SEL_SPARE0 + 16     ; 32-bit stack, limit 0xFFFFF, not flat
SEL_U16D        equ SEL_SPARE0 + 24     ; ring-3 16-bit stack (descriptor)
SEL_U16         equ SEL_U16D | 3
SEL_K16         equ SEL_SPARE0 + 32     ; ring-0 16-bit stack
SEL_DSB         equ SEL_SPARE0 + 40     ; 32-bit data at STK_BASE, 4 GiB

; ON selector, esp: switch to a test stack (clobbers AX)
%macro ON 2
        mov [flat_esp], esp
        mov ax, %1
        mov ss, ax
        mov esp, %2
%endmacro

; OFF: record ESP in r_esp, back to the flat stack (clobbers AX)
%macro OFF 0
        mov [r_esp], esp
        mov ax, SEL_DATA32
        mov ss, ax
        mov esp, [flat_esp]
%endmacro

; FILL offset, dwords: fill STK_BASE+offset with the pattern 0xEEEEEEEE
%macro FILL 2
        pushad
        mov edi, STK_BASE + (%1)
        mov ecx, %2
        mov eax, 0xEEEEEEEE
        rep stosd
        popad
%endmacro

; DUMP offset, dwords: print the dwords at STK_BASE+offset
%macro DUMP 2
        push esi
        push ecx
        mov esi, STK_BASE + (%1)
        mov ecx, %2
        call dump
        pop ecx
        pop esi
%endmacro

; SHOWESP "name": print the name and r_esp
%macro SHOWESP 1
        PUTS %1
        PUTS " esp "
        PHEX32 [r_esp]
%endmacro

main:
        SET_DESC SEL_S16, STK_BASE, 0xFFFF, 0x92, 0x0
        SET_DESC SEL_S16BIG, STK_BASE, 0xFFFFF, 0x92, 0x0
        SET_DESC SEL_S32, STK_BASE, 0xFFFFF, 0x92, 0x4
        SET_DESC SEL_U16D, U16_BASE, 0xFFFF, 0xF2, 0x0
        SET_DESC SEL_K16, K16_BASE, 0xFFFF, 0x92, 0x0
        SET_DESC SEL_DSB, STK_BASE, 0xFFFFF, 0x92, 0xC
        SET_GATE 6, ud_handler, 0x8E
        SET_GATE 13, gp_handler, 0x8E
        SET_GATE 0x90, int_handler, 0x8E
        SET_GATE 0x91, k_handler, 0xEE
        SET_GATE 0x92, k_resume, 0xEE
        SETUP_TSS

        ; ---- PUSH register and immediate, SP wrapping from 0 ----
        FILL 0xFFE0, 8
        ON SEL_S16, 0xDEAD0000
        mov ebx, 0x11223344
        push ebx
        push bx
        push dword 0x55667788
        push word 0x99AA
        push byte -2
        o16 push byte -3
        OFF
        SHOWESP "push r"
        DUMP 0xFFE0, 8
        NL

        ; ---- POP register back up through 0 ----
        ON SEL_S16, 0x1234FFEE
        o16 pop bx
        pop ecx
        pop dx
        pop esi
        pop di
        pop ebp
        OFF
        SHOWESP "pop r"
        SP_
        PHEX32 ebx
        SP_
        PHEX32 ecx
        SP_
        PHEX32 edx
        SP_
        PHEX32 esi
        SP_
        PHEX32 edi
        SP_
        PHEX32 ebp
        NL

        ; ---- PUSH ESP / PUSH SP, POP ESP, POP SP ----
        FILL 0, 8
        ON SEL_S16, 0xBEEF0010
        push esp
        o16 push sp
        OFF
        SHOWESP "push esp"
        DUMP 0, 8
        NL
        mov dword [STK_BASE + 8], 0xCAFE0100
        ON SEL_S16, 0xBEEF0008
        pop esp
        OFF
        SHOWESP "pop esp"
        ON SEL_S16, 0xBEEF0008
        o16 pop sp
        OFF
        SHOWESP " pop sp"
        NL

        ; ---- PUSHAD/POPAD and PUSHAW/POPAW across the wrap ----
        FILL 0xFFE0, 8
        FILL 0, 4
        call set_regs
        ON SEL_S16, 0x77770004
        pushad
        OFF
        SHOWESP "pushad"
        DUMP 0xFFE0, 8
        DUMP 0, 1
        NL
        mov dword [STK_BASE + 0xFFF0], 0x99999999   ; the saved ESP is skipped
        xor eax, eax
        xor ebx, ebx
        xor ecx, ecx
        xor edx, edx
        xor esi, esi
        xor edi, edi
        ON SEL_S16, 0x7777FFE4
        xor ebp, ebp
        popad
        mov [r_eax], eax
        OFF
        SHOWESP "popad"
        call show_regs
        NL
        FILL 0xFFE0, 8
        call set_regs
        ON SEL_S16, 0x66660002
        mov eax, 0x11111111
        o16 pusha
        OFF
        SHOWESP "pushaw"
        DUMP 0xFFE0, 8
        DUMP 0, 1
        NL
        call set_regs
        ON SEL_S16, 0x6666FFF2
        mov eax, 0x11111111
        o16 popa
        mov [r_eax], eax
        OFF
        SHOWESP "popaw"
        call show_regs
        NL

        ; ---- segment registers ----
        FILL 0xFFE0, 8
        ON SEL_S16, 0xABCD0000
        push ds
        o16 push es
        push cs
        o16 push ss
        push fs
        o16 push gs
        OFF
        SHOWESP "push sreg"
        PUTS " words"
        mov esi, STK_BASE + 0xFFFC              ; o32: the low word of each slot
        call word_at
        mov esi, STK_BASE + 0xFFFA
        call word_at
        mov esi, STK_BASE + 0xFFF6
        call word_at
        mov esi, STK_BASE + 0xFFF4
        call word_at
        mov esi, STK_BASE + 0xFFF0
        call word_at
        mov esi, STK_BASE + 0xFFEE
        call word_at
        NL
        mov word [STK_BASE + 0xFFFA], SEL_DSB
        mov dword [STK_BASE + 0xFFFC], 0xEEEE0000 | SEL_DATA32
        ON SEL_S16, 0xABCDFFFA
        o16 pop es
        pop fs
        mov [r_sel], es
        mov [r_sel + 2], fs
        OFF
        mov ax, SEL_DATA32
        mov es, ax
        mov fs, ax
        SHOWESP "pop sreg"
        SP_
        PHEX32 [r_sel]
        NL
        ; POP SS from a 16-bit to a 32-bit stack: SP moves (the old stack), not ESP
        mov dword [STK_BASE + 0xFFFC], 0xEEEE0000 | SEL_S32
        ON SEL_S16, 0x0001FFFC
        pop ss
        OFF
        SHOWESP "pop ss 16->32"
        ; and back: ESP moves as a whole (the old stack is 32-bit)
        mov word [STK_BASE + 0x1FFFE], SEL_S16
        ON SEL_S32, 0x0001FFFE
        o16 pop ss
        OFF
        SHOWESP " pop ss 32->16"
        NL

        ; ---- PUSHF/POPF ----
        FILL 0xFFE0, 8
        push dword 0x8D7 | F_DF
        popfd
        ON SEL_S16, 0x5A5A0000
        pushfd
        o16 pushf
        OFF
        cld
        push dword 0x002
        popfd
        SHOWESP "pushf"
        DUMP 0xFFF8, 2
        NL
        mov dword [STK_BASE + 0xFFFA], 0x000008D7 << 16 | 0x0045
        mov word [STK_BASE + 0xFFFE], 0
        ON SEL_S16, 0x5A5AFFFA
        o16 popf
        OFF
        pushfd
        pop dword [r_flags]
        SHOWESP "popf"
        SP_
        PHEX 3, [r_flags]
        ON SEL_S16, 0x5A5AFFFC
        popfd
        OFF
        pushfd
        pop dword [r_flags]
        push dword 0x002
        popfd
        SHOWESP " popfd"
        SP_
        PHEX 3, [r_flags]
        NL

        ; ---- memory operands ----
        FILL 0xFFE0, 8
        mov dword [mem_a], 0x01020304
        mov dword [mem_b], 0xEEEEEEEE
        mov dword [mem_c], 0xEEEEEEEE
        ON SEL_S16, 0x3C3C0000
        push dword [mem_a]
        push word [mem_a + 2]
        pop word [mem_b]
        push word [mem_a]
        pop dword [mem_c]
        OFF
        SHOWESP "push/pop m"
        SP_
        PHEX32 [mem_b]
        SP_
        PHEX32 [mem_c]
        DUMP 0xFFF8, 2
        NL

        ; ---- ESP-based addresses on a 16-bit stack: ESP as a whole forms the address ----
        FILL 0x7FF0, 8
        FILL 0x18000, 4
        mov dword [STK_BASE + 0x18004], 0x44332211
        ON SEL_S16BIG, 0x00018000
        push dword [esp + 4]                    ; reads 0x18004, pushes at SP 0x7FFC
        pop dword [esp + 8]                     ; ESP is 0x18000 when the address is formed
        push word [esp + 4]
        pop word [esp]
        OFF
        SHOWESP "esp-based"
        DUMP 0x7FF0, 4
        DUMP 0x18000, 4
        NL

        ; ---- near and far CALL/RET ----
        FILL 0xFFE0, 8
        ON SEL_S16, 0xC0DE0000
        call near_fn
        call [near_ptr]
        push dword 0x12345678
        call near_ret4
        call SEL_CODE32:far_fn
        push dword 0x87654321
        push dword 0x0BADF00D
        call far [far_ptr]
        OFF
        SHOWESP "call/ret"
        PUTS " in"
        mov esi, r_inner
        mov ecx, 4
        call dump_at
        NL
        DUMP 0xFFE0, 8
        NL

        ; ---- ENTER/LEAVE ----
        ; (no SP wrap here: QEMU forms the new EBP from ESP - 4 without the 16-bit wrap)
        FILL 0x1FE0, 8
        FILL 0x0F00, 64
        mov dword [STK_BASE + 0x0FFC], 0xF1F1F1F1      ; frame pointers of the enclosing levels
        mov dword [STK_BASE + 0x0FF8], 0xF2F2F2F2
        ON SEL_S16, 0x4B4B2000
        mov ebp, 0x4B4B1000
        enter 8, 3
        mov [r_ebp], ebp
        mov [r_inner], esp
        leave
        mov [r_ebp + 4], ebp
        OFF
        SHOWESP "enter/leave o32"
        PUTS " in "
        PHEX32 [r_inner]
        SP_
        PHEX32 [r_ebp]
        SP_
        PHEX32 [r_ebp + 4]
        DUMP 0x1FE0, 8
        NL
        FILL 0xFFE0, 8
        mov word [STK_BASE + 0x0FFE], 0xF3F3
        ON SEL_S16, 0x4C4C0000
        mov ebp, 0x4C4C1000
        o16 enter 6, 2
        mov [r_ebp], ebp
        mov [r_inner], esp
        o16 leave
        mov [r_ebp + 4], ebp
        OFF
        SHOWESP "enter/leave o16"
        PUTS " in "
        PHEX32 [r_inner]
        SP_
        PHEX32 [r_ebp]
        SP_
        PHEX32 [r_ebp + 4]
        DUMP 0xFFF0, 4
        NL
        ; a 32-bit stack that is not flat
        FILL 0x1FFE0, 8
        mov word [STK_BASE + 0x1EFFE], 0xF4F4
        ON SEL_S32, 0x00020000
        mov ebp, 0x0001F000
        o16 enter 4, 2
        mov [r_ebp], ebp
        mov [r_inner], esp
        o16 leave
        mov [r_ebp + 4], ebp
        OFF
        SHOWESP "enter/leave s32"
        PUTS " in "
        PHEX32 [r_inner]
        SP_
        PHEX32 [r_ebp]
        SP_
        PHEX32 [r_ebp + 4]
        DUMP 0x1FFF0, 4
        NL

        ; ---- INT/IRET and exceptions on the 16-bit stack ----
        FILL 0xFFE0, 8
        push dword 0x8D7
        popfd
        ON SEL_S16, 0x9F9F0000
        int 0x90
        OFF
        push dword 0x002
        popfd
        SHOWESP "int"
        PUTS " handler "
        PHEX32 [h_esp]
        DUMP 0xFFF4, 3
        NL
        FILL 0xFFE0, 8
        ON SEL_S16, 0x9E9E0000
        ud2
        OFF
        SHOWESP "#ud"
        PUTS " handler "
        PHEX32 [h_esp]
        DUMP 0xFFF4, 3
        NL
        FILL 0xFFE0, 8
        ON SEL_S16, 0x9D9D0000
        mov bx, 0x1234
        mov ds, bx
        OFF
        mov ax, SEL_DATA32
        mov ds, ax
        SHOWESP "#gp"
        PUTS " handler "
        PHEX32 [h_esp]
        DUMP 0xFFF0, 4
        NL

        ; ---- privilege changes with 16-bit stacks ----
        ; ring 3 on a 16-bit stack, ring 0 on a 16-bit stack from the TSS
        mov dword [tss0 + TSS_ESP0], 0x1234F000
        mov dword [tss0 + TSS_SS0], SEL_K16
        mov dword [user_ss], SEL_U16
        mov dword [user_esp], 0x5678E000
        call ring3_case
        PUTS "u16->k16"
        call show_ring3_case
        DUMP 0x30000 + 0xF000 - 20, 5
        NL
        ; ring 3 on a 16-bit stack, ring 0 on a 32-bit stack
        mov dword [tss0 + TSS_ESP0], ring0_stack_top
        mov dword [tss0 + TSS_SS0], SEL_DATA32
        call ring3_case
        PUTS "u16->k32"
        call show_ring3_case
        mov esi, ring0_stack_top - 20
        mov ecx, 5
        call dump_at
        NL
        ; ring 3 on a 32-bit stack, ring 0 on a 16-bit stack
        mov dword [tss0 + TSS_ESP0], 0x1234F000
        mov dword [tss0 + TSS_SS0], SEL_K16
        mov dword [user_ss], SEL_UDATA32
        mov dword [user_esp], user_stack_top
        call ring3_case
        PUTS "u32->k16"
        call show_ring3_case
        DUMP 0x30000 + 0xF000 - 20, 4
        NL
        mov dword [tss0 + TSS_ESP0], ring0_stack_top
        mov dword [tss0 + TSS_SS0], SEL_DATA32

        ; ---- hot loops: compiled blocks must not inline a 16-bit or non-flat stack ----
        ON SEL_S16, 0x11110000
        mov edi, 20
        mov eax, 0xA0A0A0A0
        mov ebx, 0xB0B0B0B0
.hot16: push eax
        push ebx
        pop ecx
        inc eax
        dec edi
        jnz .hot16
        OFF
        SHOWESP "hot s16"
        DUMP 0xFFB0, 4
        NL
        ON SEL_S32, 0x00020000
        mov edi, 20
.hot32: push eax
        push ebx
        pop ecx
        inc eax
        dec edi
        jnz .hot32
        OFF
        SHOWESP "hot s32"
        DUMP 0x1FFB0, 4
        NL
        ; DS loaded with a based segment inside a block: the stores after it go through that base
        mov dword [dsbuf], 0xEEEEEEEE
        mov dword [STK_BASE + dsbuf], 0xEEEEEEEE
        mov edi, 20
        mov bx, SEL_DSB
        mov cx, SEL_DATA32
.hotds: mov ds, bx
        mov [dsbuf], edi
        mov ds, cx
        dec edi
        jnz .hotds
        PUTS "hot ds "
        PHEX32 [dsbuf]
        SP_
        PHEX32 [STK_BASE + dsbuf]
        NL
        EXIT 0

; ---------------------------------------------------------------------------

; near and far procedures for the CALL/RET case; each records ESP on entry
near_fn:
        mov [r_inner], esp
        ret
near_fn2:
        mov [r_inner + 4], esp
        ret
near_ret4:
        ret 4
far_fn:
        mov [r_inner + 8], esp
        retf
far_fn2:
        mov [r_inner + 12], esp
        retf 8

; interrupt and exception handlers running on the 16-bit stack
int_handler:
        mov [h_esp], esp
        iretd
ud_handler:
        mov [h_esp], esp
        mov bp, sp
        add dword [bp], 2                       ; past UD2
        iretd
gp_handler:
        mov [h_esp], esp
        mov bp, sp
        add dword [bp + 4], 2                   ; past MOV DS, BX
        add sp, 4                               ; the error code
        iretd

; Ring 3 at user_ss:user_esp: INT 0x91 to ring 0 (stack from the TSS), IRETD
; back, INT 0x92 to come home. Records the ESPs seen on both sides.
ring3_case:
        pushad
        mov [kernel_esp], esp
        mov dword [kernel_resume], .back
        push dword [user_ss]
        push dword [user_esp]
        push dword 0x002
        push dword SEL_UCODE32
        push dword .user
        iretd
.user:
        mov ax, SEL_UDATA32
        mov ds, ax
        mov [u_esp], esp                        ; after IRETD from ring 0
        mov esp, 0x9ABCE000                     ; ring 3's own upper half of ESP
        int 0x91
        mov [u_esp + 4], esp                    ; after IRETD from the handler
        int 0x92
.back:
        popad
        ret

k_handler:
        mov [h_esp], esp
        iretd

k_resume:
        mov ax, SEL_DATA32
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        mov esp, [kernel_esp]
        jmp [kernel_resume]

show_ring3_case:
        PUTS " user "
        PHEX32 [u_esp]
        SP_
        PHEX32 [u_esp + 4]
        PUTS " handler "
        PHEX32 [h_esp]
        ret

; registers for PUSHA/POPA: ECX..EDI distinct, EAX in r_eax
set_regs:
        mov eax, 0x0A0A0A0A
        mov ecx, 0x0C0C0C0C
        mov edx, 0x0D0D0D0D
        mov ebx, 0x0B0B0B0B
        mov ebp, 0x05050505
        mov esi, 0x06060606
        mov edi, 0x07070707
        ret

show_regs:
        SP_
        PHEX32 [r_eax]
        SP_
        PHEX32 ecx
        SP_
        PHEX32 edx
        SP_
        PHEX32 ebx
        SP_
        PHEX32 ebp
        SP_
        PHEX32 esi
        SP_
        PHEX32 edi
        ret

; print ecx dwords from esi (dump: esi is STK_BASE-relative already resolved)
dump:
dump_at:
        pushad
.next:  SP_
        PHEX32 [esi]
        add esi, 4
        loop .next
        popad
        ret

; print the word at esi
word_at:
        SP_
        push eax
        movzx eax, word [esi]
        PHEX 4, eax
        pop eax
        ret

align 4
flat_esp:       dd 0
r_esp:          dd 0
r_eax:          dd 0
r_sel:          dd 0
r_flags:        dd 0
r_ebp:          dd 0, 0
r_inner:        dd 0, 0, 0, 0
h_esp:          dd 0
u_esp:          dd 0, 0
user_ss:        dd 0
user_esp:       dd 0
mem_a:          dd 0
mem_b:          dd 0
mem_c:          dd 0
near_ptr:       dd near_fn2
far_ptr:        dd far_fn2
                dw SEL_CODE32

%macro PROGRAM_BSS 0
alignb 16
                resb 4096
user_stack_top:
dsbuf:          resd 1
%endmacro
%include "tail.inc"
