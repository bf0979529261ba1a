; Task switches that change the address space and the LDT: with paging on,
; each TSS has its own CR3 (the same linear page maps to different frames in
; the two tasks) and its own LDT (the same LDT selector names different
; segments). The values seen through both, and CR3/LDTR in each task.
%include "common.inc"

SEL_TSS2        equ SEL_SPARE0
SEL_LDT1        equ SEL_SPARE0 + 8
SEL_LDT2        equ SEL_SPARE0 + 16
LDT_DATA        equ 0x0C | 0            ; LDT entry 1, TI=1, RPL 0
PG_FLAGS        equ 3
V_PAGE          equ 0x380000            ; linear page that differs between the tasks
FRAME1          equ 0x390000
FRAME2          equ 0x391000

T_LINK  equ 0
T_CR3   equ 28
T_EIP   equ 32
T_EFL   equ 36
T_ESP   equ 56
T_ES    equ 72
T_CS    equ 76
T_SS    equ 80
T_DS    equ 84
T_FS    equ 88
T_GS    equ 92
T_LDT   equ 96

; LDT_DATA_DESC ldt, base: data descriptor in entry 1
%macro LDT_DATA_DESC 2
        mov eax, %2
        mov word [%1 + 8], 0xFFFF
        mov [%1 + 8 + 2], ax
        shr eax, 16
        mov [%1 + 8 + 4], al
        mov byte [%1 + 8 + 5], 0x92
        mov byte [%1 + 8 + 6], 0xCF
        mov [%1 + 8 + 7], ah
%endmacro

main:
        SETUP_TSS
        ; two page directories sharing the identity page table, except for V_PAGE
        mov edi, pt_a
        mov eax, PG_FLAGS
        mov ecx, 1024
.pt:    mov [edi], eax
        mov [edi + pt_b - pt_a], eax
        add edi, 4
        add eax, 0x1000
        loop .pt
        mov dword [pt_a + (V_PAGE >> 12) * 4], FRAME1 | PG_FLAGS
        mov dword [pt_b + (V_PAGE >> 12) * 4], FRAME2 | PG_FLAGS
        mov dword [pd_a], pt_a + PG_FLAGS
        mov dword [pd_b], pt_b + PG_FLAGS
        mov dword [FRAME1], 0xAAAA0001
        mov dword [FRAME2], 0xBBBB0002
        ; LDTs
        LDT_DATA_DESC ldt1, data1
        LDT_DATA_DESC ldt2, data2
        SET_DESC SEL_LDT1, ldt1, 15, 0x82, 0x0
        SET_DESC SEL_LDT2, ldt2, 15, 0x82, 0x0
        mov ax, SEL_LDT1
        lldt ax
        ; CR3 and LDTR are not saved by a task switch: the current task's TSS
        ; must hold them for the way back
        mov dword [tss0 + T_CR3], pd_a
        mov dword [tss0 + T_LDT], SEL_LDT1
        ; TSS 2
        mov dword [tss2 + T_CR3], pd_b
        mov dword [tss2 + T_EIP], task2
        mov dword [tss2 + T_EFL], 2
        mov dword [tss2 + T_ESP], task2_stack_top
        mov dword [tss2 + T_CS], SEL_CODE32
        mov dword [tss2 + T_SS], SEL_DATA32
        mov dword [tss2 + T_DS], SEL_DATA32
        mov dword [tss2 + T_ES], SEL_DATA32
        mov dword [tss2 + T_FS], LDT_DATA  ; loaded through the new task's LDT
        mov dword [tss2 + T_LDT], SEL_LDT2
        mov word [tss2 + 102], 104
        SET_DESC SEL_TSS2, tss2, 103, 0x89, 0x0
        ; paging on with directory A
        mov eax, pd_a
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        mov ax, LDT_DATA
        mov fs, ax
        PUTS "task1 "
        call show
        call SEL_TSS2:0
        PUTS "task1 again "
        call show
        PUTS "task2 saved cr3 "
        mov eax, [tss2 + T_CR3]
        sub eax, pd_b
        PHEX32 eax
        PUTS " ldt "
        PHEX 4, [tss2 + T_LDT]
        NL
        EXIT 0

task2:
        PUTS "task2 "
        call show
        iretd

; the page at V_PAGE, FS:0 (the LDT segment), CR3 and LDTR
show:
        PHEX32 [V_PAGE]
        SP_
        PHEX32 [fs:0]
        SP_
        mov eax, cr3
        sub eax, pd_a
        PHEX32 eax
        SP_
        sldt eax
        PHEX 4, eax
        SP_
        mov eax, fs
        PHEX 4, eax
        NL
        ret

align 8
ldt1:   dq 0, 0
ldt2:   dq 0, 0
data1:  dd 0x11111111
data2:  dd 0x22222222

%macro PROGRAM_BSS 0
alignb 4096
pd_a:   resb 4096
pd_b:   resb 4096
pt_a:   resb 4096
pt_b:   resb 4096
tss2:   resb 104
alignb 16
        resb 4096
task2_stack_top:
%endmacro
%include "tail.inc"
