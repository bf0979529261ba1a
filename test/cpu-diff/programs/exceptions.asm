; Exceptions and their error codes: #UD (UD2, LOCK on a register form), #BP
; (INT3, a trap: EIP after it), #OF (INTO), #BR (BOUND), #NP when loading a
; not-present segment, #GP for a null SS, for a selector beyond the GDT limit,
; for loading an execute-only code segment into a data register, #SS and
; #GP when loading SS with unusable descriptors, LMSW not clearing PE, INT to a not-present IDT gate
; (#NP with the IDT bit), INT beyond the IDT limit (#GP), #DE from a trap gate,
; and the frame: EIP of faults vs traps, CS, EFLAGS.
%include "common.inc"

SEL_NP          equ SEL_SPARE0          ; data, not present
SEL_RO          equ SEL_SPARE0 + 8      ; read-only data
SEL_XO          equ SEL_SPARE0 + 16     ; execute-only code

; EXPECT label: where the handler resumes
%macro EXPECT 1
        mov dword [recover], %1
%endmacro

main:
%assign v 0
%rep 20
        SET_GATE v, handler_ %+ v, 0x8E
%assign v v + 1
%endrep
        SET_GATE 0x41, handler_none, 0x8E
        and byte [idt + 0x41 * 8 + 5], 0x7F     ; gate not present
        SET_DESC SEL_NP, 0, 0xFFFFF, 0x12, 0xC  ; P=0 data
        SET_DESC SEL_RO, 0, 0xFFFFF, 0x90, 0xC  ; read-only data
        SET_DESC SEL_XO, 0, 0xFFFFF, 0x98, 0xC  ; execute-only code

        EXPECT .a1
        ud2
.a1:    EXPECT .a2
        db 0xF0, 0x01, 0xC0             ; lock add eax, eax
.a2:    EXPECT .a3
        int3
.a3:    EXPECT .a4
        mov eax, 0x7FFFFFFF
        add eax, 1
        into
.a4:    EXPECT .a5
        mov eax, 50
        bound eax, [bounds]
        PUTS "bound ok"
        NL
        mov eax, 200
        bound eax, [bounds]
.a5:    EXPECT .a6
        mov ax, SEL_NP
        mov es, ax
.a6:    EXPECT .a7
        xor eax, eax
        mov ss, ax
.a7:    EXPECT .a8
        mov ax, 0x0100                  ; beyond the GDT limit
        mov ds, ax
.a8:    EXPECT .a9
        mov ax, SEL_RO
        mov es, ax
        mov eax, [es:bounds]            ; reading is fine
        ; (writing through ES would be #GP(0) by the SDM, but QEMU's TCG does not
        ; check segment rights on data accesses: not compared here)
.a9:    EXPECT .a10
        mov ax, SEL_XO
        mov es, ax                      ; execute-only code is not readable: #GP(sel)
.a10:   EXPECT .a11
        int 0x41                        ; not-present gate: #NP(0x41*8+2)
.a11:   mov word [idt_small], 0x20 * 8 - 1
        mov dword [idt_small + 2], idt
        lidt [idt_small]
        EXPECT .a12
        int 0x30                        ; beyond the IDT limit: #GP(0x30*8+2)
.a12:   lidt [idt_ptr]
        EXPECT .a13
        xor edx, edx
        mov eax, 1
        xor ecx, ecx
        div ecx
.a13:   EXPECT .a14
        mov ax, SEL_DATA32
        mov es, ax
        int 0x05                        ; software INT 5: a trap, no BOUND involved
.a14:   EXPECT .a14b
        mov ax, SEL_NP
        mov ss, ax                      ; not-present stack segment: #SS(sel)
.a14b:  EXPECT .a14c
        mov ax, SEL_RO
        mov ss, ax                      ; read-only: #GP(sel)
.a14c:  EXPECT .a14d
        mov ax, SEL_UDATA32
        mov ss, ax                      ; DPL 3 at CPL 0: #GP(sel)
.a14d:  EXPECT .a14e
        mov eax, cr0
        and eax, ~1
        lmsw ax                         ; LMSW cannot clear PE
        mov eax, cr0
        and eax, 1
        PUTS "lmsw pe "
        PHEX 1, eax
        NL
.a14e:  EXPECT .a15
        db 0x0F, 0x0B                   ; UD2 again, to check nothing is left over
.a15:   PUTS "done"
        NL
        EXIT 0

; Handlers: print vector, error code (if any), saved EIP relative to the
; recovery label (negative: fault at the instruction; 0: trap after it),
; CS and the flags; resume at the recovery label.
%macro HANDLER 2                        ; vector, has error code
handler_%1:
  %if %2 == 0
        push dword 0xFFFF               ; marker: no error code
  %endif
        push dword %1
        jmp handler_common
%endmacro

%assign v 0
%rep 20
  %if v = 8 || (v >= 10 && v <= 14) || v = 17
        HANDLER v, 1
  %else
        HANDLER v, 0
  %endif
%assign v v + 1
%endrep

handler_none:
        PUTS "reached a not-present gate"
        NL
        EXIT 0x7E

handler_common:
        push eax
        push ds
        mov ax, SEL_DATA32
        mov ds, ax
        mov ss, ax                      ; in case the test loaded SS
        PUTS "vec "
        PHEX 2, [esp + 8]
        PUTS " err "
        PHEX 4, [esp + 12]
        PUTS " eip "
        mov eax, [esp + 16]
        sub eax, [recover]
        PHEX 8, eax
        PUTS " cs "
        PHEX 4, [esp + 20]
        PUTS " fl "
        mov eax, [esp + 24]
        and eax, 0x0ED7                 ; OF DF IF TF SF ZF AF PF CF, leave out RF
        PHEX 4, eax
        NL
        mov eax, [recover]
        mov [esp + 16], eax
        pop ds
        pop eax
        add esp, 8
        iretd

align 4
recover: dd 0
bounds: dd 10, 100, 0
idt_small: dw 0
        dd 0
%include "tail.inc"
