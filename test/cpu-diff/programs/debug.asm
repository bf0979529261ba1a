; Debug exceptions: single-stepping with TF (the trap comes after the
; instruction that follows the POPF setting TF, MOV SS holds it back for one
; instruction, INT n clears TF for the handler, a POPF clearing TF still traps),
; and debug registers: an instruction breakpoint (a fault, resumed with RF)
; and data breakpoints on writes and on reads/writes (traps), with DR6 status.
%include "common.inc"

%macro STEP_MARK 1                       ; label for the trap log
%1:
%endmacro

main:
        SET_GATE 1, db_handler, 0x8E
        SET_GATE 0x40, int40, 0x8E
        ; --- single-step
        mov dword [nlog], 0
        mov ax, SEL_DATA32
        pushfd
        or dword [esp], 0x100
        popfd                           ; no trap after the POPF itself
s1:     nop                             ; trap after this one
s2:     mov ebx, 1
s3:     mov ss, ax                      ; no trap here...
s4:     mov ecx, 2                      ; ...but after this one
s5:     int 0x40                        ; the handler runs without TF
s6:     add ebx, ecx
s7:     pushfd
s8:     and dword [esp], ~0x100
s9:     popfd                           ; traps: TF was set when it began
s10:    nop                             ; not traced
        PUTS "single-step eips"
        mov ecx, [nlog]
        xor esi, esi
.p:     cmp esi, ecx
        jae .pd
        SP_
        mov eax, [log + esi * 8]
        sub eax, s1
        PHEX 2, eax
        PUTS "/"
        PHEX 4, [log + esi * 8 + 4]
        inc esi
        jmp .p
.pd:    NL

        ; --- instruction breakpoint on `bp_insn`
        mov dword [nlog], 0
        xor eax, eax
        mov dr6, eax
        mov eax, bp_insn
        mov dr0, eax
        mov eax, 0x00000001             ; L0, execute, length 1
        mov dr7, eax
        mov ebx, 10
bp_insn:
        add ebx, 5                      ; #DB before this executes, once
        mov eax, 0x00000000
        mov dr7, eax
        PUTS "exec bp ebx "
        PHEX32 ebx
        call show_log
        ; --- data breakpoint, writes only, 4 bytes
        mov dword [nlog], 0
        xor eax, eax
        mov dr6, eax
        mov eax, watched
        mov dr1, eax
        mov eax, 0x00D00004             ; L1, RW1=01 (write), LEN1=11 (4 bytes)
        mov dr7, eax
        mov eax, [watched]              ; read: no trap
        mov dword [watched], 7          ; write: trap after it
w1:     mov byte [watched + 3], 1       ; write to a byte inside: trap
w2:     mov eax, [watched + 4]          ; outside the range: none
        ; reads and writes (RW1=11)
        mov eax, 0x00F00004
        mov dr7, eax
        mov eax, [watched]              ; read: trap
w3:     xor eax, eax
        mov dr7, eax
        PUTS "data bp"
        call show_log
        EXIT 0

show_log:
        mov ecx, [nlog]
        xor esi, esi
.p:     cmp esi, ecx
        jae .pd
        SP_
        mov eax, [log + esi * 8]
        sub eax, image_start
        PHEX 4, eax
        PUTS "/"
        PHEX 4, [log + esi * 8 + 4]
        inc esi
        jmp .p
.pd:    NL
        ret

; #DB: log the EIP and DR6 (B0-B3, BS), clear DR6, set RF for faults
db_handler:
        push eax
        push ebx
        mov ebx, [nlog]
        mov eax, [esp + 8]
        mov [log + ebx * 8], eax
        mov eax, dr6
        and eax, 0x400F
        mov [log + ebx * 8 + 4], eax
        inc dword [nlog]
        xor eax, eax
        mov dr6, eax
        or dword [esp + 16], 0x10000    ; RF: do not hit the instruction breakpoint again
        pop ebx
        pop eax
        iretd

int40:
        pushfd
        pop edx                         ; TF must be clear here
        and edx, 0x100
        iretd

align 4
nlog:   dd 0
log:    times 32 dd 0
watched: dd 0, 0
%include "tail.inc"
