; A double fault handled by a task gate: with ESP in a not-present page, UD2
; cannot push its frame (#PF), nor can the #PF (a page fault while delivering
; a page fault is #DF); the #DF task gate switches to a TSS with its own stack.
; The #DF task prints its error code, CR2, and the state saved in the
; interrupted task's TSS, then ends the run.
%include "common.inc"

SEL_TSS_DF      equ SEL_SPARE0
T_NP            equ 0x300000

T_LINK  equ 0
T_EIP   equ 32
T_EFL   equ 36
T_EAX   equ 40
T_ESP   equ 56
T_ES    equ 72
T_CS    equ 76
T_SS    equ 80
T_DS    equ 84

main:
        SETUP_TSS
        ; #DF task
        mov dword [tss_df + T_EIP], df_task
        mov dword [tss_df + T_EFL], 0x2
        mov dword [tss_df + T_ESP], df_stack_top
        mov dword [tss_df + T_CS], SEL_CODE32
        mov dword [tss_df + T_SS], SEL_DATA32
        mov dword [tss_df + T_DS], SEL_DATA32
        mov dword [tss_df + T_ES], SEL_DATA32
        mov eax, pd
        mov [tss_df + 28], eax          ; CR3
        mov word [tss_df + 102], 104
        SET_DESC SEL_TSS_DF, tss_df, 103, 0x89, 0x0
        mov dword [idt + 8 * 8], SEL_TSS_DF << 16
        mov dword [idt + 8 * 8 + 4], 0x00008500
        SET_GATE 14, pf_handler, 0x8E
        ; identity paging for 0-4 MiB with one page not present
        mov edi, pt0
        mov eax, 0x003
        mov ecx, 1024
.pt:    stosd
        add eax, 0x1000
        loop .pt
        mov dword [pt0 + (T_NP >> 12) * 4], T_NP | 2
        mov dword [pd], pt0 + 3
        mov eax, pd
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        PUTS "paging on"
        NL
        ; first a plain page fault with a good stack
        mov dword [recover], .ok
        mov eax, [T_NP]
.ok:    NL
        ; then the double fault
        mov [saved_esp], esp
        mov eax, 0xAAAA5555
        mov esp, T_NP + 0x800
        ud2
        PUTS "not reached"
        NL
        EXIT 0x7E

pf_handler:
        push eax
        PUTS "#PF cr2 "
        mov eax, cr2
        PHEX32 eax
        PUTS " err "
        PHEX 2, [esp + 4]
        mov eax, [recover]
        mov [esp + 8], eax
        pop eax
        add esp, 4
        iretd

df_task:
        PUTS "#DF err "
        PHEX32 [esp]
        PUTS " esp "
        mov eax, df_stack_top
        sub eax, esp
        PHEX 2, eax
        PUTS " cr2 "
        mov eax, cr2
        PHEX32 eax
        PUTS " tr "
        str eax
        PHEX 4, eax
        PUTS " link "
        PHEX 4, [tss_df + T_LINK]
        PUTS " nt "
        pushfd
        pop eax
        shr eax, 14
        and eax, 1
        PHEX 1, eax
        NL
        PUTS "interrupted task: eip "
        mov eax, [tss0 + T_EIP]
        sub eax, image_start
        PHEX 4, eax
        PUTS " esp "
        mov eax, [tss0 + T_ESP]
        sub eax, T_NP
        PHEX32 eax
        PUTS " eax "
        PHEX32 [tss0 + T_EAX]
        PUTS " busy "
        movzx eax, byte [gdt + SEL_TSS + 5]
        and eax, 0x0F
        PHEX 1, eax
        movzx eax, byte [gdt + SEL_TSS_DF + 5]
        and eax, 0x0F
        PHEX 1, eax
        NL
        EXIT 0

align 4
recover: dd 0
saved_esp: dd 0

%macro PROGRAM_BSS 0
alignb 4096
pd:     resb 4096
pt0:    resb 4096
tss_df: resb 104
alignb 16
        resb 4096
df_stack_top:
%endmacro
%include "tail.inc"
