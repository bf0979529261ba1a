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

; A guest that enables its SynIC and takes messages the root posts, event
; flags the root signals, and synthetic timer expirations, reporting what it
; finds as 32-bit OUTs to port 0x500. OUT to 0x501/0x502 asks the test (the
; root) to post messages / signal an event.
%define SIMP  0x210000
%define SIEFP 0x211000
%define ASK_MESSAGES 0x501
%define ASK_EVENT    0x502

    GATE 0x50, message_handler
    GATE 0x51, event_handler
    GATE 0x52, timer_handler
    mov dword [APIC + 0xf0], 0x1ff  ; the SINTs arrive through the local APIC

    mov ecx, 0x40000081
    rdmsr
    REPORT eax                      ; SVERSION 1
    mov ecx, 0x40000090
    rdmsr
    REPORT eax                      ; SINT0 at reset: masked
    TRY
    WRMSR 0x40000095, 0, 5          ; unmasked SINT with vector 5: #GP
    END_TRY
    WRMSR 0x40000092, 0, 0x50       ; SINT2: vector 0x50, EOI by the guest
    WRMSR 0x40000093, 0, 0x20051    ; SINT3: vector 0x51, auto-EOI
    WRMSR 0x40000094, 0, 0x20052    ; SINT4: vector 0x52, auto-EOI
    WRMSR 0x40000083, 0, SIMP | 1
    WRMSR 0x40000082, 0, SIEFP | 1
    WRMSR 0x40000080, 0, 1          ; SCONTROL
    mov ecx, 0x40000083
    rdmsr
    REPORT eax                      ; SIMP reads back

    ; --- messages: the root posts two on SINT2; the second waits behind the first ---
    mov dx, ASK_MESSAGES
    out dx, al
    sti
.messages:
    hlt
    cmp dword [messages], 2
    jb .messages
    cli

    ; --- event flags: an interrupt only when a flag goes from 0 to 1 ---
    mov dx, ASK_EVENT
    out dx, al                      ; flag 5 of SINT3
    sti
.event1:
    hlt
    cmp dword [events], 1
    jb .event1
    cli
    REPORT [SIEFP + 3*256]          ; 0x20: flag 5
    mov dx, ASK_EVENT
    out dx, al                      ; flag 5 again: already set, no interrupt
    sti
    nop
    nop
    nop
    cli
    REPORT [events]                 ; 1
    mov byte [SIEFP + 3*256], 0     ; the guest clears the flag
    mov dx, ASK_EVENT
    out dx, al
    sti
.event2:
    hlt
    cmp dword [events], 2
    jb .event2
    cli
    REPORT [events]                 ; 2

    ; --- STIMER0 one-shot: auto-enabled by writing an absolute COUNT ---
    WRMSR 0x400000b0, 0, 0x40008    ; SINT 4, auto-enable
    mov ecx, 0x40000020
    rdmsr                           ; reference time
    add eax, 10000                  ; + 1 ms
    adc edx, 0
    mov ecx, 0x400000b1
    wrmsr
    mov ecx, 0x400000b0
    rdmsr
    REPORT eax                      ; 0x40009: enabled
    sti
.oneshot:
    hlt
    cmp dword [timer_messages], 1
    jb .oneshot
    cli
    mov ecx, 0x400000b0
    rdmsr
    REPORT eax                      ; 0x40008: a one-shot timer disables itself

    ; --- STIMER0 periodic, 0.5 ms ---
    WRMSR 0x400000b0, 0, 0x40000
    WRMSR 0x400000b1, 0, 5000
    WRMSR 0x400000b0, 0, 0x40003    ; periodic, enabled
    sti
.periodic:
    hlt
    cmp dword [timer_messages], 4
    jb .periodic
    cli
    WRMSR 0x400000b0, 0, 0          ; stop
    mov eax, [expirations + 8]
    sub eax, [expirations + 4]
    REPORT eax                      ; 5000
    mov eax, [expirations + 12]
    sub eax, [expirations + 8]
    REPORT eax                      ; 5000
    mov al, 0
    out 0xf4, al
    hlt

message_handler:
    pushad
    mov esi, SIMP + 2*256
    REPORT [esi]                    ; message type
    movzx eax, byte [esi + 4]
    REPORT eax                      ; payload size
    movzx eax, byte [esi + 5]
    REPORT eax                      ; flags: MessagePending
    REPORT [esi + 8]                ; sender
    REPORT [esi + 16]               ; first payload dword
    mov bl, [esi + 5]
    mov dword [esi], 0              ; free the slot
    test bl, 1
    jz .no_eom
    WRMSR 0x40000084, 0, 0          ; EOM: deliver the next one
.no_eom:
    inc dword [messages]
    mov dword [APIC + 0xb0], 0      ; EOI
    popad
    iret

event_handler:                      ; auto-EOI
    inc dword [events]
    iret

timer_handler:                      ; auto-EOI
    pushad
    mov esi, SIMP + 4*256
    REPORT [esi]                    ; 0x80000010 TIMER_EXPIRED
    movzx eax, byte [esi + 4]
    REPORT eax                      ; 24
    REPORT [esi + 16]               ; timer index 0
    mov eax, [esi + 24]             ; expiration time (low half)
    mov ecx, [timer_messages]
    mov [expirations + ecx*4], eax
    mov eax, [esi + 32]             ; delivery time (low half)
    sub eax, [esi + 24]
    mov [lateness], eax
    mov bl, [esi + 5]
    mov dword [esi], 0
    test bl, 1
    jz .no_eom
    WRMSR 0x40000084, 0, 0
.no_eom:
    inc dword [timer_messages]
    popad
    iret

messages:       dd 0
events:         dd 0
timer_messages: dd 0
lateness:       dd 0
expirations:    times 8 dd 0

; ---- common: flat 32-bit ring 0, IDT with 256 gates ----
%include "flat-ring0.inc"
