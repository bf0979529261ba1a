; tinyos: Multiboot header, entry point, interrupt stubs and the ring 3 switch.
;
; The header carries the a.out-kludge address fields (flag bit 16), so a
; Multiboot loader can place the image without reading ELF headers: the file
; built by the Makefile is a flat binary whose first byte belongs at load_addr.

bits 32

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 0x00010003      ; page-align modules, memory info, address fields valid

KERNEL_CS       equ 0x08
KERNEL_DS       equ 0x10
USER_CS         equ 0x18 | 3
USER_DS         equ 0x20 | 3

STACK_SIZE      equ 16384

extern kmain
extern interrupt_dispatch
extern _image_start
extern _load_end
extern _bss_end

; ---------------------------------------------------------------------------
section .multiboot
align 4
mb_header:
        dd MB_MAGIC
        dd MB_FLAGS
        dd -(MB_MAGIC + MB_FLAGS)
        dd mb_header            ; header_addr
        dd _image_start         ; load_addr
        dd _load_end            ; load_end_addr
        dd _bss_end             ; bss_end_addr
        dd _start               ; entry_addr

; ---------------------------------------------------------------------------
section .data
align 4
global boot_magic, boot_info
boot_magic:     dd 0
boot_info:      dd 0
global ring3_kernel_esp
ring3_kernel_esp: dd 0

; ---------------------------------------------------------------------------
section .bss
align 16
stack_bottom:   resb STACK_SIZE
stack_top:

; ---------------------------------------------------------------------------
section .text
global _start
_start:
        cli
        cld
        mov [boot_magic], eax
        mov [boot_info], ebx
        mov esp, stack_top
        ; The loader zeroes the bss, but do it again unless the information
        ; structure was placed there.
        mov eax, ebx
        cmp eax, _load_end
        jb .zero
        cmp eax, _bss_end
        jb .zeroed
.zero:
        mov edi, _load_end
        mov ecx, _bss_end
        sub ecx, edi
        shr ecx, 2
        xor eax, eax
        rep stosd
.zeroed:
        mov esp, stack_top
        push 0x00000002         ; EFLAGS: interrupts off, DF clear
        popfd
        xor ebp, ebp
        call kmain
.hang:
        cli
        hlt
        jmp .hang

; ---------------------------------------------------------------------------
; Descriptor table loading.

; void gdt_load(const void *gdtr, unsigned tss_selector)
global gdt_load
gdt_load:
        mov eax, [esp + 4]
        lgdt [eax]
        jmp KERNEL_CS:.reload
.reload:
        mov ax, KERNEL_DS
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        mov eax, [esp + 8]
        ltr ax
        ret

; void idt_load(const void *idtr)
global idt_load
idt_load:
        mov eax, [esp + 4]
        lidt [eax]
        ret

; ---------------------------------------------------------------------------
; Interrupt stubs. Each pushes an error code (a zero where the processor
; pushes none) and its vector, then joins the common path, which saves the
; registers in the layout of struct int_frame (idt.h) and calls
; interrupt_dispatch(frame).

%macro STUB_NOERR 1
global isr_%1
isr_%1:
        push dword 0
        push dword %1
        jmp isr_common
%endmacro

%macro STUB_ERR 1
global isr_%1
isr_%1:
        push dword %1
        jmp isr_common
%endmacro

STUB_NOERR 0
STUB_NOERR 1
STUB_NOERR 2
STUB_NOERR 3
STUB_NOERR 4
STUB_NOERR 5
STUB_NOERR 6
STUB_NOERR 7
STUB_ERR   8
STUB_NOERR 9
STUB_ERR   10
STUB_ERR   11
STUB_ERR   12
STUB_ERR   13
STUB_ERR   14
STUB_NOERR 15
STUB_NOERR 16
STUB_ERR   17
STUB_NOERR 18
STUB_NOERR 19
STUB_NOERR 20
STUB_ERR   21
%assign v 22
%rep 10
STUB_NOERR v
%assign v v + 1
%endrep
%assign v 32
%rep 16
STUB_NOERR v
%assign v v + 1
%endrep
STUB_NOERR 128

isr_common:
        pushad
        push ds
        push es
        push fs
        push gs
        mov ax, KERNEL_DS
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        cld
        push esp
        call interrupt_dispatch
        add esp, 4
        pop gs
        pop fs
        pop es
        pop ds
        popad
        add esp, 8              ; vector and error code
        iretd

; The table idt.c installs: stub addresses for vectors 0-47.
section .rodata
align 4
global isr_table
isr_table:
%assign v 0
%rep 48
        dd isr_ %+ v
%assign v v + 1
%endrep
global isr_syscall
isr_syscall equ isr_128

; ---------------------------------------------------------------------------
; Ring 3.
section .text

; int ring3_enter(void (*fn)(void), void *user_stack_top)
; Saves the kernel context, then IRETs to ring3_trampoline at CPL 3 with the
; given stack. Returns (through ring3_leave) the task's exit status.
global ring3_enter
ring3_enter:
        push ebp
        push ebx
        push esi
        push edi
        cli
        mov [ring3_kernel_esp], esp
        mov esi, [esp + 20]     ; fn, called by the trampoline
        mov ecx, [esp + 24]     ; user stack
        mov ax, USER_DS
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        push dword USER_DS      ; SS
        push ecx                ; ESP
        push dword 0x00000202   ; EFLAGS: IF, IOPL 0
        push dword USER_CS      ; CS
        push dword ring3_trampoline
        xor eax, eax
        xor ebx, ebx
        xor ecx, ecx
        xor edx, edx
        xor edi, edi
        xor ebp, ebp
        iretd

; Runs at CPL 3: call the task, then exit with its return value.
global ring3_trampoline
ring3_trampoline:
        call esi
        mov ebx, eax
        mov eax, 3              ; SYS_EXIT
        int 0x80
        ud2                     ; not reached

; void ring3_leave(int status): called in ring 0 from the exit system call.
; Abandons the ESP0 stack and returns from ring3_enter.
global ring3_leave
ring3_leave:
        mov eax, [esp + 4]
        mov esp, [ring3_kernel_esp]
        mov cx, KERNEL_DS
        mov ds, cx
        mov es, cx
        mov fs, cx
        mov gs, cx
        pop edi
        pop esi
        pop ebx
        pop ebp
        sti
        ret

; void reboot_triple_fault(void): load an empty IDT and raise an exception.
global reboot_triple_fault
reboot_triple_fault:
        cli
        lidt [null_idtr]
        int3
.spin:
        hlt
        jmp .spin

section .rodata
align 4
null_idtr:
        dw 0
        dd 0
