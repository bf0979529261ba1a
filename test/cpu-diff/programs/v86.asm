; Virtual-8086 mode: entered with IRETD (VM=1 in the EFLAGS image), 16-bit
; segment arithmetic (CS=FFFF reaches the code above 1 MiB), the #GP(0) of
; INT n, PUSHF and HLT with IOPL < 3 trapping to a ring-0 monitor that looks at
; the frame (EIP CS EFLAGS ESP SS ES DS FS GS), the null data segments at
; entry, emulation of INT and IRET back; with IOPL 3, INT n through a DPL 3
; interrupt gate, PUSHF/POPF/CLI working, and IN still faulting (the TSS has no
; I/O bitmap).
%include "common.inc"

V86SEG  equ 0xFFFF
%define V86OFF(x) ((x) - 0xFFFF0)

main:
        SET_GATE 13, monitor, 0x8E
        SET_GATE 0x22, v86_int22, 0xEE
        SETUP_TSS
        ; --- IOPL 0
        mov byte [phase], 0
        call enter_v86_iopl0
        PUTS "monitor done (iopl 0)"
        NL
        ; --- IOPL 3
        mov byte [phase], 1
        call enter_v86_iopl3
        PUTS "monitor done (iopl 3)"
        NL
        EXIT 0

enter_v86_iopl0:
        mov dword [kernel_resume], .back
        mov [kernel_esp], esp
        push dword 0x1234               ; GS
        push dword 0x2345               ; FS
        push dword V86SEG               ; DS
        push dword 0x3456               ; ES
        push dword V86SEG               ; SS
        push dword V86OFF(v86_stack_top)
        push dword 0x00020002           ; VM, IOPL 0
        push dword V86SEG
        push dword V86OFF(v86_code)
        iretd
.back:  ret

enter_v86_iopl3:
        mov dword [kernel_resume], .back
        mov [kernel_esp], esp
        push dword 0
        push dword 0
        push dword V86SEG
        push dword V86SEG
        push dword V86SEG
        push dword V86OFF(v86_stack_top)
        push dword 0x00023002           ; VM, IOPL 3
        push dword V86SEG
        push dword V86OFF(v86_code3)
        iretd
.back:  ret

bits 16
v86_code:
        mov ax, cs
        mov bx, ds
        add ax, bx                      ; 0xFFFF + 0xFFFF
        mov [V86OFF(v86_data)], ax
        mov cx, ss
        mov [V86OFF(v86_data) + 2], cx
        mov ax, 0x0900
        int 0x21                        ; #GP(0) to the monitor, which "emulates" it
        mov [V86OFF(v86_data) + 4], ax
        pushf                           ; #GP(0) too
        mov [V86OFF(v86_data) + 6], sp
        mov eax, 0x12345678             ; 32-bit registers work in V86 mode
        ror eax, 8
        mov [V86OFF(v86_data) + 8], eax
        hlt                             ; #GP(0): the monitor ends the test

v86_code3:
        pushf
        pop ax
        mov [V86OFF(v86_data) + 12], ax
        cli                             ; allowed with IOPL 3 (IF stays 0: no STI here,
        pushf                           ; the reference machine has a timer)
        pop ax
        or ax, 0x0801                   ; OF, CF through POPF
        push ax
        popf
        pushf
        pop ax
        mov [V86OFF(v86_data) + 14], ax
        mov ax, 0x2200
        int 0x22                        ; through the IDT, DPL 3 gate
        mov [V86OFF(v86_data) + 16], ax
        in al, 0x80                     ; #GP(0): no I/O bitmap
        mov [V86OFF(v86_data) + 18], ax
        hlt
bits 32

; The monitor: #GP from V86 mode (or anything else)
monitor:
        pushad                          ; EAX..EDI of the V86 task
        mov ax, ds                      ; data segments are null after leaving V86
        mov bx, es
        mov cx, fs
        mov dx, gs
        push eax
        mov ax, SEL_DATA32
        mov ds, ax
        mov es, ax
        pop eax
        PUTS "#GP err="
        PHEX 4, [esp + 32]
        PUTS " segs "
        PHEX 4, eax
        PHEX 4, ebx
        PHEX 4, ecx
        PHEX 4, edx
        PUTS " cs:ip "
        PHEX 4, [esp + 40]
        PUTS ":"
        PHEX 4, [esp + 36]
        PUTS " fl "
        mov eax, [esp + 44]
        and eax, 0x00027FD7             ; VM NT IOPL OF DF IF TF SF ZF AF PF CF
        PHEX 5, eax
        PUTS " ss:sp "
        PHEX 4, [esp + 52]
        PUTS ":"
        PHEX 4, [esp + 48]
        PUTS " es ds fs gs "
        PHEX 4, [esp + 56]
        SP_
        PHEX 4, [esp + 60]
        SP_
        PHEX 4, [esp + 64]
        SP_
        PHEX 4, [esp + 68]
        PUTS " ax "
        PHEX 4, [esp + 28]
        ; the opcode at CS:IP
        movzx esi, word [esp + 40]
        shl esi, 4
        movzx eax, word [esp + 36]
        add esi, eax
        movzx eax, byte [esi]
        PUTS " op "
        PHEX 2, eax
        NL
        test dword [esp + 44], 0x20000
        jz .not_v86
        cmp al, 0xCD                    ; INT n: emulate, skip it, return AX = 0x00nn
        jne .not_int
        movzx eax, byte [esi + 1]
        mov [esp + 28], ax
        add dword [esp + 36], 2
        jmp .resume
.not_int:
        cmp al, 0x9C                    ; PUSHF: push the low word of EFLAGS
        jne .not_pushf
        sub word [esp + 48], 2
        movzx esi, word [esp + 52]
        shl esi, 4
        movzx eax, word [esp + 48]
        add esi, eax
        mov ax, [esp + 44]
        mov [esi], ax
        inc dword [esp + 36]
        jmp .resume
.not_pushf:
        cmp al, 0xE4                    ; IN imm8: pretend the port reads 0x5A
        jne .finish
        mov byte [esp + 28], 0x5A
        add dword [esp + 36], 2
.resume:
        popad
        add esp, 4
        iretd
.finish:                                ; HLT or anything else: the V86 run is over
        call show_v86_data
        mov esp, [kernel_esp]
        jmp [kernel_resume]
.not_v86:
        PUTS "unexpected #GP outside V86"
        NL
        EXIT 0x7E

v86_int22:
        push ds
        push eax
        mov ax, SEL_DATA32
        mov ds, ax
        PUTS "int22 from v86: cs:ip "
        PHEX 4, [esp + 12]
        PUTS ":"
        PHEX 4, [esp + 8]
        PUTS " fl "
        mov eax, [esp + 16]
        and eax, 0x00027FD7
        PHEX 5, eax
        PUTS " sp "
        PHEX 4, [esp + 20]
        PUTS " ds "
        PHEX 4, [esp + 32]
        NL
        pop eax
        mov al, 0x22
        pop ds
        iretd

show_v86_data:
        PUTS "v86 data "
        PHEX 4, [v86_data]
        SP_
        PHEX 4, [v86_data + 2]
        SP_
        PHEX 4, [v86_data + 4]
        SP_
        PHEX 4, [v86_data + 6]
        SP_
        PHEX32 [v86_data + 8]
        SP_
        PHEX 4, [v86_data + 12]
        SP_
        PHEX 4, [v86_data + 14]
        SP_
        PHEX 4, [v86_data + 16]
        SP_
        PHEX 4, [v86_data + 18]
        NL
        ret

align 4
phase:  db 0
align 4
v86_data: times 8 dd 0

%macro PROGRAM_BSS 0
        resb 1024
v86_stack_top:
%endmacro
%include "tail.inc"
