; A guest that probes the hypervisor's TLFS interface step by step and reports
; every result to the test as a 32-bit OUT to port 0x500. Loaded flat at
; 0x100000 and entered in the Multiboot machine state (flat 32-bit, ring 0).
; Exceptions are caught: the handler reports 0xEE0000vv (vv = vector) and
; resumes after the instruction that faulted.
bits 32
org 0x100000

%define REPORT_PORT 0x500
%define QUERY_PORT  0x600           ; the test answers IN from this port
%define HCPAGE      0x200000        ; where the guest asks for the hypercall page
%define INPAGE      0x201000
%define OUTPAGE     0x202000
%define MMIO        0xfed00030      ; a GPA that is not RAM (nor the local APIC's page)

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

%macro HYPERCALL 0
    call HCPAGE
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

    ; --- CPUID: hypervisor present, vendor, interface, privileges ---
    mov eax, 1
    cpuid
    REPORT ecx
    mov eax, 0x40000000
    cpuid
    push edx
    push ecx
    push ebx
    REPORT eax
    pop eax
    REPORT eax
    pop eax
    REPORT eax
    pop eax
    REPORT eax
    mov eax, 0x40000001
    cpuid
    REPORT eax
    mov eax, 0x40000003
    cpuid
    push ebx
    REPORT eax
    pop eax
    REPORT eax

    ; --- VMCALL before the hypercall page is enabled: #UD ---
    TRY
    vmcall
    END_TRY
    REPORT 0x11111111

    ; --- the hypercall MSR ignores enable while the guest OS ID is zero ---
    mov ecx, 0x40000001
    mov eax, HCPAGE | 1
    xor edx, edx
    wrmsr
    rdmsr
    REPORT eax

    ; --- guest OS ID (open source, Linux), then enable the hypercall page ---
    mov ecx, 0x40000000
    mov eax, 0x00060100
    mov edx, 0x81000000
    wrmsr
    rdmsr
    REPORT edx
    mov ecx, 0x40000001
    mov eax, HCPAGE | 1
    xor edx, edx
    wrmsr
    rdmsr
    REPORT eax
    mov eax, [HCPAGE]
    REPORT eax                      ; the overlay: vmcall; ret

    ; --- hypercalls ---
    mov eax, 0x00010008             ; fast NotifyLongSpinWait
    xor edx, edx
    xor ebx, ebx
    mov ecx, 100
    HYPERCALL
    REPORT eax

    mov eax, 0x0046                 ; GetPartitionId: children lack AccessPartitionId
    xor edx, edx
    xor ebx, ebx
    mov ecx, INPAGE
    xor edi, edi
    mov esi, OUTPAGE
    HYPERCALL
    REPORT eax

    mov eax, 0x0099                 ; no such call
    xor edx, edx
    HYPERCALL
    REPORT eax

    mov eax, 0x08000008             ; a reserved bit set
    xor edx, edx
    HYPERCALL
    REPORT eax

    mov eax, 0x0008                 ; a simple call with a rep count
    mov edx, 1
    xor ebx, ebx
    mov ecx, INPAGE
    HYPERCALL
    REPORT eax

    ; PostMessage to connection 7: type 1, 4 bytes "ping"
    mov dword [INPAGE + 0], 7
    mov dword [INPAGE + 4], 0
    mov dword [INPAGE + 8], 1
    mov dword [INPAGE + 12], 4
    mov dword [INPAGE + 16], 'ping'
    mov eax, 0x005c
    xor edx, edx
    xor ebx, ebx
    mov ecx, INPAGE
    xor edi, edi
    xor esi, esi
    HYPERCALL
    REPORT eax

    mov dword [INPAGE + 0], 8       ; a connection nobody registered
    mov eax, 0x005c
    xor edx, edx
    mov ecx, INPAGE
    HYPERCALL
    REPORT eax

    mov dword [INPAGE + 0], 7       ; a hypervisor message type (high bit) is not the guest's to post
    mov dword [INPAGE + 8], 0x80000001
    mov eax, 0x005c
    xor edx, edx
    mov ecx, INPAGE
    HYPERCALL
    REPORT eax

    mov eax, 0x005c                 ; input GPA not 8-byte aligned
    xor edx, edx
    mov ecx, INPAGE + 4
    HYPERCALL
    REPORT eax

    mov eax, 0x005c                 ; input crossing into the next page
    xor edx, edx
    mov ecx, INPAGE + 0xf08
    HYPERCALL
    REPORT eax

    mov eax, 0x0001005d             ; fast SignalEvent: connection 9, flag 3
    xor edx, edx
    mov ecx, 9
    mov ebx, 3
    HYPERCALL
    REPORT eax

    ; --- synthetic MSRs ---
    mov ecx, 0x40000002             ; VP_INDEX
    rdmsr
    REPORT eax
    mov ecx, 0x40000020             ; TIME_REF_COUNT
    rdmsr
    REPORT eax
    TRY
    mov ecx, 0x40000020             ; read-only: #GP
    wrmsr
    END_TRY
    TRY
    mov ecx, 0x40000081             ; SVERSION is read-only: #GP
    xor eax, eax
    xor edx, edx
    wrmsr
    END_TRY
    TRY
    mov ecx, 0x12345678             ; an MSR nobody implements: #GP
    rdmsr
    END_TRY

    ; --- intercepts the root answers ---
    mov dx, QUERY_PORT
    in eax, dx
    REPORT eax
    mov eax, [MMIO]
    REPORT eax
    mov dword [MMIO], 0xabcd0123
    REPORT 0x22222222

    ; --- disabling the page: VMCALL is #UD again ---
    mov ecx, 0x40000001
    xor eax, eax
    xor edx, edx
    wrmsr
    TRY
    vmcall
    END_TRY
    REPORT 0xd0d0d0d0
    mov al, 0
    out 0xf4, al
    hlt

; ---- exceptions ----
exception_common:                   ; vector in EAX
    or eax, 0xee000000
    mov dx, REPORT_PORT
    out dx, eax
    mov esp, [saved_esp]
    jmp [resume]

%assign v 0
%rep 32
isr %+ v:
    mov eax, v
    jmp exception_common
%assign v v+1
%endrep

build_idt:
    xor ecx, ecx
.next:
    mov eax, [isr_table + ecx*4]
    mov [idt + ecx*8], ax
    mov word [idt + ecx*8 + 2], 0x08
    mov word [idt + ecx*8 + 4], 0x8e00
    shr eax, 16
    mov [idt + ecx*8 + 6], ax
    inc ecx
    cmp ecx, 32
    jb .next
    ret

align 4
isr_table:
%assign v 0
%rep 32
    dd isr %+ v
%assign v v+1
%endrep

resume:    dd 0
saved_esp: dd 0

align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff           ; 0x08 code, flat
    dq 0x00cf92000000ffff           ; 0x10 data, flat
gdt_desc:
    dw gdt_desc - gdt - 1
    dd gdt
idt_desc:
    dw 32*8 - 1
    dd idt
align 8
idt:
    times 32*8 db 0
