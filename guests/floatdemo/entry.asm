; floatdemo: Multiboot header, entry point and the exception stubs.
;
; The header carries the a.out-kludge address fields (flag bit 16), so a
; Multiboot loader places the flat file without reading ELF headers. The
; program runs with paging off and interrupts off; the IDT it loads catches
; only the processor's exceptions (0-31), so that an instruction the
; processor refuses (#UD, #NM) or an unmasked x87 exception (#MF) is reported
; on COM1 and ends the run with a status that names it.

bits 32

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 0x00010003      ; page-align modules, memory info, address fields valid
STACK_SIZE      equ 32768
CODE_SELECTOR   equ 0x08
DATA_SELECTOR   equ 0x10

extern main
extern exception_report
extern _image_start
extern _load_end
extern _bss_end

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

; A flat GDT of its own: Multiboot leaves GDTR possibly invalid, and an
; exception loads CS from its gate through it.
align 8
gdt:
        dq 0                            ; null
        dq 0x00CF9A000000FFFF           ; 0x08: code, base 0, 4 GiB, 32-bit, DPL 0
        dq 0x00CF92000000FFFF           ; 0x10: data, base 0, 4 GiB, 32-bit, DPL 0
gdt_descriptor:
        dw 3 * 8 - 1
        dd gdt

; The IDT: 32 gates in the bss, filled in by exceptions_init, and the
; descriptor LIDT loads, which can be initialised data.
section .data
align 4
global idt_descriptor
idt_descriptor:
        dw 32 * 8 - 1
        dd idt

section .bss
align 16
global idt
idt:            resb 32 * 8
stack_bottom:   resb STACK_SIZE
stack_top:

section .text
global _start
_start:
        cli
        cld
        lgdt [gdt_descriptor]
        jmp CODE_SELECTOR:.reload_segments
.reload_segments:
        mov ax, DATA_SELECTOR
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
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
        xor ebp, ebp
        call main               ; does not return: it ends at the exit port
.hang:
        hlt
        jmp .hang

; Exceptions 0-31. Those with an error code (8, 10-14, 17, 21, 29, 30) have
; it pushed by the processor; the others push 0 so the frame is the same.
%macro STUB_NOCODE 1
exception_stub_%1:
        push dword 0
        push dword %1
        jmp exception_common
%endmacro
%macro STUB_CODE 1
exception_stub_%1:
        push dword %1
        jmp exception_common
%endmacro

%assign v 0
%rep 32
%if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
        STUB_CODE v
%else
        STUB_NOCODE v
%endif
%assign v v+1
%endrep

; The frame passed to exception_report: vector, error code, EIP, CS, EFLAGS.
exception_common:
        push esp
        call exception_report   ; does not return
        jmp _start.hang

section .rodata
align 4
global exception_stubs
exception_stubs:
%assign v 0
%rep 32
        dd exception_stub_ %+ v
%assign v v+1
%endrep
