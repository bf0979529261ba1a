; Privilege levels: entering ring 3 with IRETD, interrupt gates back to ring 0
; with the stack switch from the TSS (the frame's CS/EIP/EFLAGS/ESP/SS), a
; call gate with parameters and RETF to the outer level (data segment
; registers more privileged than the new CPL are cleared), the #GP faults of
; privileged instructions and protection checks at CPL 3, and the TSS I/O
; permission bitmap letting ring 3 use COM1 but no other port.
%include "common.inc"

SEL_CGATE       equ SEL_SPARE0          ; call gate to gate_target, DPL 3, 2 parameters
SEL_CGATE0      equ SEL_SPARE0 + 8      ; call gate, DPL 0
SEL_CONF        equ SEL_SPARE0 + 16     ; conforming code, DPL 0
SEL_TSS_IO      equ SEL_SPARE0 + 24     ; TSS with an I/O permission bitmap

%macro TRY 1
        mov dword [recover], %1
%endmacro

main:
        SET_GATE 13, gp_handler, 0x8E
        SET_GATE 0x81, ring0_gate, 0x8E      ; DPL 0: INT from ring 3 is #GP
        SET_GATE 0x82, frame_gate, 0xEE      ; DPL 3 interrupt gate
        SET_GATE 0x83, frame_gate, 0xEF      ; DPL 3 trap gate
        SETUP_TSS
        ; a second TSS with an I/O permission bitmap: only ports 0x3F8-0x3FF allowed
        mov dword [tss_io + TSS_ESP0], ring0_stack_top
        mov dword [tss_io + TSS_SS0], SEL_DATA32
        mov word [tss_io + 102], iomap - tss_io
        mov edi, iomap
        mov ecx, 8192 + 1
        mov al, 0xFF
        rep stosb
        mov byte [iomap + 0x3F8 / 8], 0x00
        and byte [gdt + SEL_TSS + 5], ~2        ; not busy, then load the new TSS
        SET_DESC SEL_TSS_IO, tss_io, iomap_end - tss_io - 1, 0x89, 0x0
        mov ax, SEL_TSS_IO
        ltr ax
        ; call gates
        mov eax, gate_target
        mov [gdt + SEL_CGATE], ax
        mov word [gdt + SEL_CGATE + 2], SEL_CODE32
        mov byte [gdt + SEL_CGATE + 4], 2
        mov byte [gdt + SEL_CGATE + 5], 0xEC
        shr eax, 16
        mov [gdt + SEL_CGATE + 6], ax
        mov eax, gate_target
        mov [gdt + SEL_CGATE0], ax
        mov word [gdt + SEL_CGATE0 + 2], SEL_CODE32
        mov byte [gdt + SEL_CGATE0 + 4], 0
        mov byte [gdt + SEL_CGATE0 + 5], 0x8C
        shr eax, 16
        mov [gdt + SEL_CGATE0 + 6], ax
        SET_DESC SEL_CONF, 0, 0xFFFFF, 0x9E, 0xC
        PUTS "cpl "
        mov eax, cs
        and eax, 3
        PHEX 1, eax
        NL

        ENTER_USER user_code, user_stack_top, 0x002
        PUTS "back, user results "
        PHEX32 [uresult]
        SP_
        PHEX32 [uresult + 4]
        SP_
        PHEX32 [uresult + 8]
        SP_
        PHEX32 [uresult + 12]
        SP_
        PHEX32 [uresult + 16]
        SP_
        PHEX32 [uresult + 20]
        SP_
        PHEX32 [uresult + 24]
        SP_
        PHEX32 [uresult + 28]
        NL
        mov eax, cs
        and eax, 3
        PUTS "cpl "
        PHEX 1, eax
        NL
        EXIT 0

user_code:
        mov eax, ds                     ; DPL 0 data segments were cleared by IRET
        mov [ss:uresult + 20], eax      ; (DS is null: store through SS)
        mov eax, fs
        mov [ss:uresult + 24], eax
        USER_PROLOGUE
        PUTS "ring 3 writes to COM1 through the I/O bitmap"
        NL
        mov eax, cs
        mov [uresult], eax
        pushfd
        pop eax
        mov [uresult + 4], eax
        ; interrupt and trap gates with DPL 3
        mov eax, 0x11111111
        int 0x82
        mov eax, 0x22222222
        int 0x83
        ; privileged instructions at CPL 3 (IOPL 0)
        mov dword [recover], .g1
        cli
.g1:    mov dword [recover], .g2
        hlt
.g2:    mov dword [recover], .g3
        mov eax, cr0
.g3:    mov dword [recover], .g4
        in al, 0x80
.g4:    mov dword [recover], .g5
        mov dx, 0x3F7
        out dx, al                      ; just below the allowed range
.g5:    mov dword [recover], .g5b
        mov dx, 0x3FF
        in ax, dx                       ; 0x3FF allowed, 0x400 not: #GP
.g5b:   mov dword [recover], .g6
        mov ax, SEL_DATA32              ; DPL 0 data segment
        mov ds, ax
.g6:    mov dword [recover], .g7
        int 0x81                        ; gate DPL 0
.g7:    mov dword [recover], .g8
        call SEL_CODE32:gate_target     ; non-conforming DPL 0 code
.g8:    mov dword [recover], .g9
        call SEL_CGATE0:0               ; call gate DPL 0
.g9:    mov dword [recover], .g10
        lgdt [gdt_ptr]
.g10:   mov dword [recover], .g11
        mov ax, SEL_TSS
        ltr ax
.g11:   mov dword [recover], .g12
        push dword 0x000032D7
        popfd                           ; not a fault: IOPL and IF stay as they were
        pushfd
        pop eax
        mov [uresult + 8], eax
.g12:   ; call gate with two parameters to ring 0 and back
        push dword 0xAAAA0001
        push dword 0xBBBB0002
        mov ebp, esp
        call SEL_CGATE | 3:0x12345678   ; the offset is ignored
        sub ebp, esp
        mov [uresult + 12], ebp         ; RETF 8 removed the parameters
        mov eax, es
        mov [uresult + 28], eax
        mov ax, SEL_UDATA32
        mov es, ax
        ; a conforming DPL 0 segment runs at CPL 3
        call (SEL_CONF | 0):conf_code
        int 0x80

conf_code:
        mov eax, cs
        mov [uresult + 16], eax
        retf

; ring 0 through the call gate: print where the stack is and the frame
gate_target:
        mov ax, SEL_DATA32              ; DPL 0: cleared by RETF to ring 3
        mov es, ax
        PUTS "gate esp0-"
        mov eax, ring0_stack_top
        sub eax, esp
        PHEX 2, eax
        PUTS " cs "
        PHEX 4, [esp + 4]
        PUTS " params "
        PHEX32 [esp + 8]
        SP_
        PHEX32 [esp + 12]
        PUTS " ss "
        PHEX 4, [esp + 20]
        PUTS " esp "
        mov eax, user_stack_top
        sub eax, [esp + 16]
        PHEX 2, eax
        PUTS " cpl "
        mov eax, cs
        and eax, 3
        PHEX 1, eax
        NL
        retf 8

; interrupt/trap gate from ring 3: the frame and IF
frame_gate:
        PUTS "int "
        PHEX32 eax
        PUTS " esp0-"
        mov eax, ring0_stack_top
        sub eax, esp
        PHEX 2, eax
        PUTS " cs "
        PHEX 4, [esp + 4]
        PUTS " fl "
        PHEX 4, [esp + 8]
        PUTS " esp "
        mov eax, user_stack_top
        sub eax, [esp + 12]
        PHEX 2, eax
        PUTS " ss "
        PHEX 4, [esp + 16]
        PUTS " if "
        pushfd
        pop eax
        shr eax, 9
        and eax, 1
        PHEX 1, eax
        NL
        iretd

ring0_gate:
        PUTS "ring0_gate reached"
        NL
        iretd

; #GP: error code and CPL of the faulting code; continue at the recovery point
gp_handler:
        push eax
        PUTS "#GP err="
        PHEX 4, [esp + 4]
        PUTS " cpl="
        mov eax, [esp + 12]
        and eax, 3
        PHEX 1, eax
        NL
        mov eax, [recover]
        mov [esp + 8], eax
        pop eax
        add esp, 4
        iretd

align 4
recover: dd 0
uresult: times 8 dd 0

%macro PROGRAM_BSS 0
        resb 4096
user_stack_top:
alignb 16
tss_io: resb 104
iomap:  resb 8192 + 1
iomap_end:
%endmacro
%include "tail.inc"
