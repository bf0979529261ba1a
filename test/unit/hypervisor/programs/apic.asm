bits 32
org 0x100000

%define REPORT_PORT 0x500
%define APIC        0xfee00000

%macro REPORT 1
    mov eax, %1
    mov dx, REPORT_PORT
    out dx, eax
%endmacro

; Run one instruction (or a few) that may fault; on a fault, continue after it.
%macro TRY 0
    %push try
    mov dword [resume], %$after
    mov [saved_esp], esp
%endmacro
%macro END_TRY 0
%$after:
    %pop
%endmacro

%macro WRMSR 3                       ; msr, edx, eax
    mov ecx, %1
    mov edx, %2
    mov eax, %3
    wrmsr
%endmacro

%macro GATE 2                        ; vector, handler
    mov ecx, %1
    mov eax, %2
    call set_gate
%endmacro

start:
    mov esp, 0x180000
    lgdt [gdt_desc]
    jmp 0x08:.reload
.reload:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    call build_idt
    lidt [idt_desc]

; A guest that drives its local APIC through the APIC page and the synthetic
; EOI/ICR/TPR MSRs, reporting each result as a 32-bit OUT to port 0x500.
    GATE 0x40, timer_handler
    GATE 0x41, ipi_handler
    GATE 0xff, spurious_handler

    mov ecx, 0x1b                   ; IA32_APIC_BASE
    rdmsr
    REPORT eax                      ; 0xfee00900: base, enabled, BSP
    REPORT [APIC + 0x30]            ; version
    REPORT [APIC + 0x20]            ; ID
    REPORT [APIC + 0xf0]            ; SVR at reset: 0xff, software-disabled

    mov dword [APIC + 0xf0], 0x1ff  ; software-enable, spurious vector 0xff
    mov dword [APIC + 0x3e0], 0xb   ; divide by 1
    mov dword [APIC + 0x320], 0x20040 ; periodic, vector 0x40
    mov dword [APIC + 0x380], 100000  ; 100000 bus ticks = 1 ms
    mov eax, [APIC + 0x390]
    REPORT eax                      ; current count, counting down from 100000
    sti
.wait:
    hlt
    cmp dword [ticks], 5
    jb .wait
    cli
    REPORT [ticks]                  ; 5
    mov dword [APIC + 0x380], 0     ; stop the timer
    REPORT [APIC + 0x390]           ; 0

    ; A self-IPI below the task priority waits in the IRR.
    mov dword [APIC + 0x80], 0x50   ; TPR class 5
    mov dword [APIC + 0x300], 0x40041 ; fixed, vector 0x41, shorthand self
    sti
    nop
    nop
    nop
    cli
    REPORT [ipis]                   ; 0
    REPORT [APIC + 0x220]           ; IRR 64-95: bit 1 (vector 0x41)
    REPORT [APIC + 0xa0]            ; PPR 0x50
    mov dword [APIC + 0x80], 0
    sti
    nop
    nop
    cli
    REPORT [ipis]                   ; 1

    ; The same through the synthetic MSRs.
    WRMSR 0x40000072, 0, 0x20       ; TPR
    mov ecx, 0x40000072
    rdmsr
    REPORT eax                      ; 0x20
    REPORT [APIC + 0x80]            ; 0x20: one register
    WRMSR 0x40000072, 0, 0
    WRMSR 0x40000071, 0, 0x40041    ; ICR: self-IPI
    sti
    nop
    nop
    cli
    REPORT [ipis]                   ; 2
    REPORT [APIC + 0x110]           ; ISR 32-63 after EOI: 0

    ; A fixed IPI with an illegal vector sets ESR bit 5.
    mov dword [APIC + 0x300], 0x40005
    mov dword [APIC + 0x280], 0     ; latch the errors
    REPORT [APIC + 0x280]           ; 0x20
    TRY
    mov ecx, 0x40000070             ; EOI is write-only: #GP
    rdmsr
    END_TRY
    mov al, 0
    out 0xf4, al
    hlt

timer_handler:
    inc dword [ticks]
    mov dword [APIC + 0xb0], 0      ; EOI through the page
    iret

ipi_handler:
    push eax
    push ecx
    push edx
    inc dword [ipis]
    WRMSR 0x40000070, 0, 0          ; EOI through the MSR
    pop edx
    pop ecx
    pop eax
    iret

spurious_handler:
    inc dword [spurious]
    iret

ticks:    dd 0
ipis:     dd 0
spurious: dd 0

; ---- common: flat 32-bit ring 0, IDT with 256 gates ----
%include "flat-ring0.inc"
