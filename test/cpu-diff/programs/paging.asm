; Paging (32-bit, 4 KiB and 4 MiB pages): page faults with CR2 and the error
; code for not-present PDE/PTE, reads, writes, CR0.WP on and off, user
; accesses to supervisor and read-only pages, instruction fetch, a REP MOVSB
; stopped part-way, a write straddling two pages; accessed/dirty bits; an
; alias through a 4 MiB page; INVLPG and a CR3 reload after changing a PTE.
%include "common.inc"

PG_P    equ 1
PG_RW   equ 2
PG_US   equ 4
PG_A    equ 0x20
PG_D    equ 0x40
PG_PS   equ 0x80

T_NP    equ 0x300000                    ; PTE not present
T_RO    equ 0x307000                    ; read-only, user (0x306000 below it is writable)
T_RW2   equ 0x302000                    ; read/write, user
T_SUP   equ 0x303000                    ; supervisor only
T_ALIAS equ 0x304000                    ; remapped during the test
T_FRESH equ 0x305000                    ; to watch A/D bits
T_SPLIT equ 0x308000                    ; two linear pages ...
T_FRAME_A equ 0x20A000                  ; ... mapped to these frames, B below A
T_FRAME_B equ 0x201000

%define PTE(x) (pt0 + ((x) >> 12) * 4)  ; the PTE for linear x (< 4 MiB)

; TRY label: set the page fault recovery point
%macro TRY 1
        mov dword [recover], %1
%endmacro

main:
        SET_GATE 14, pf_handler, 0x8E
        SETUP_TSS
        ; page table 0: identity map of 0-4 MiB, user/read/write
        mov edi, pt0
        mov eax, PG_P | PG_RW | PG_US
        mov ecx, 1024
.pt:    stosd
        add eax, 0x1000
        loop .pt
        mov dword [PTE(T_NP)], T_NP | PG_RW | PG_US
        mov dword [PTE(T_RO)], T_RO | PG_P | PG_US
        mov dword [PTE(T_SUP)], T_SUP | PG_P | PG_RW
        mov dword [PTE(T_FRESH)], T_FRESH | PG_P | PG_RW | PG_US
        mov dword [pd + 0], pt0 + (PG_P | PG_RW | PG_US)
        ; PDE 1 (4-8 MiB) not present; PDE 2: 4 MiB page at 8 MiB; PDE 3: 12 MiB -> 8 MiB
        mov dword [pd + 8], 0x800000 | PG_PS | PG_P | PG_RW | PG_US
        mov dword [pd + 12], 0x800000 | PG_PS | PG_P | PG_RW
        mov eax, cr4
        or eax, 0x10                    ; PSE
        mov cr4, eax
        mov eax, pd
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000              ; PG, WP clear
        and eax, ~0x00010000
        mov cr0, eax
        PUTS "paging on"
        NL

        ; --- supervisor faults
        TRY .f1
        mov eax, [0x400123]             ; PDE not present, read
        PUTS "no fault"
.f1:    NL
        TRY .f2
        mov byte [T_NP + 0x45], 1       ; PTE not present, write
        PUTS "no fault"
.f2:    NL
        TRY .f3
        mov dword [T_RO + 8], 0x1234    ; read-only page, WP=0: allowed
        PUTS "ro write ok "
        PHEX32 [T_RO + 8]
.f3:    NL
        mov eax, cr0
        or eax, 0x00010000              ; WP
        mov cr0, eax
        TRY .f4
        mov dword [T_RO + 12], 0x5678
        PUTS "no fault"
.f4:    NL
        TRY .f5
        mov eax, [T_RO + 8]             ; reading is fine
        PUTS "ro read "
        PHEX32 eax
.f5:    NL
        TRY .f6
        mov eax, T_NP + 0x10
        call eax                        ; fetch from a not-present page
        PUTS "no fault"
.f6:    NL
        ; a write straddling a writable and a read-only page
        TRY .f7
        mov dword [T_RO - 2], 0xAABBCCDD
        PUTS "no fault"
.f7:    NL
        ; REP MOVSB into a not-present page stops with the registers part-way
        TRY .f8
        mov esi, src_bytes
        mov edi, T_NP - 5
        mov ecx, 12
        rep movsb
        PUTS "no fault"
.f8:    PUTS "movsb "
        PHEX32 ecx
        SP_
        mov eax, edi
        sub eax, T_NP
        PHEX32 eax
        SP_
        PHEX32 [T_NP - 8]
        PHEX32 [T_NP - 4]
        NL

        ; a fault handler that maps the page and retries: REP MOVSB resumes
        ; with the remaining count, backwards (DF=1) across the boundary
        mov byte [fix_mode], 1
        mov esi, src_bytes + 11
        mov edi, T_NP + 5
        mov ecx, 12
        std
        rep movsb
        cld
        mov byte [fix_mode], 0
        PUTS "fixed movsb "
        PHEX32 ecx
        SP_
        mov eax, edi
        sub eax, T_NP
        PHEX32 eax
        SP_
        PHEX32 [T_NP - 8]
        PHEX32 [T_NP - 4]
        PHEX32 [T_NP]
        PHEX32 [T_NP + 4]
        NL
        and dword [PTE(T_NP)], ~PG_P
        invlpg [T_NP]

        ; precise state at a fault in the middle of straight-line code: the
        ; instructions before it are done, the ones after it are not
        mov dword [recover], .f9
        mov [saved_esp], esp
        mov eax, 0x11111111
        mov ebx, 0x22222222
        mov ecx, 0xFFFFFFFF
        mov esi, 0x55555555
        add ebx, eax
        inc ecx                         ; ZF set, CF kept
        push ebx
        mov edx, [T_NP + 0x123]         ; #PF
        mov esi, 0
        pop ebx
.f9:    mov [fault_flags], eax
        PUTS "precise "
        PHEX32 ebx
        SP_
        PHEX32 ecx
        SP_
        PHEX32 esi
        SP_
        mov eax, [saved_esp]
        sub eax, esp
        PHEX 2, eax
        SP_
        PHEX 3, [pf_eflags]
        mov esp, [saved_esp]
        NL

        ; --- accessed and dirty bits
        and dword [pd], ~PG_A
        mov eax, cr3
        mov cr3, eax
        PUTS "a/d "
        PHEX 2, [PTE(T_FRESH)]
        mov eax, [T_FRESH]
        SP_
        PHEX 2, [PTE(T_FRESH)]
        mov [T_FRESH + 4], eax
        SP_
        PHEX 2, [PTE(T_FRESH)]
        SP_
        mov eax, [pd]
        and eax, PG_A
        PHEX 2, eax
        ; 4 MiB page: dirty set in the PDE
        mov dword [0x800100], 0x600DF00D
        SP_
        PHEX 2, [pd + 8]
        SP_
        PHEX32 [0xC00100]               ; alias through PDE 3
        SP_
        PHEX 2, [pd + 12]
        NL

        ; --- remap a page: INVLPG, then a CR3 reload
        mov dword [T_RW2], 0x22222222
        mov dword [T_SUP], 0x33333333
        mov dword [PTE(T_ALIAS)], T_RW2 | PG_P | PG_RW
        invlpg [T_ALIAS]
        PUTS "remap "
        PHEX32 [T_ALIAS]
        mov dword [PTE(T_ALIAS)], T_SUP | PG_P | PG_RW
        invlpg [T_ALIAS]
        SP_
        PHEX32 [T_ALIAS]
        mov dword [PTE(T_ALIAS)], T_RW2 | PG_P | PG_RW
        mov eax, cr3
        mov cr3, eax
        SP_
        PHEX32 [T_ALIAS]
        NL

        ; --- accesses straddling two pages mapped to distant frames
        ; linear T_SPLIT -> frame T_FRAME_A, T_SPLIT + 4K -> frame T_FRAME_B
        mov dword [PTE(T_SPLIT)], T_FRAME_A | PG_P | PG_RW
        mov dword [PTE(T_SPLIT + 0x1000)], T_FRAME_B | PG_P | PG_RW
        invlpg [T_SPLIT]
        invlpg [T_SPLIT + 0x1000]
        mov dword [T_FRAME_A + 0xFFC], 0x11111111
        mov dword [T_FRAME_B], 0x22222222
        mov dword [T_SPLIT + 0xFFE], 0xAABBCCDD       ; 2 bytes in each frame
        mov ax, [T_SPLIT + 0xFFF]                       ; 1 byte in each frame
        PUTS "split "
        PHEX32 [T_FRAME_A + 0xFFC]
        SP_
        PHEX32 [T_FRAME_B]
        SP_
        PHEX 4, eax
        ; an instruction straddling the two pages: mov eax, imm32 / ret
        mov byte [T_SPLIT + 0xFFD], 0xB8
        mov dword [T_SPLIT + 0xFFE], 0x87654321
        mov byte [T_SPLIT + 0x1002], 0xC3
        mov eax, T_SPLIT + 0xFFD
        call eax
        SP_
        PHEX32 eax
        ; REP MOVSD across the boundary, reading back through the frames
        mov esi, src_bytes
        mov edi, T_SPLIT + 0xFFA
        mov ecx, 3
        rep movsd
        SP_
        PHEX32 [T_FRAME_A + 0xFF8]
        PHEX32 [T_FRAME_A + 0xFFC]
        PHEX32 [T_FRAME_B]
        NL

        ; --- user-mode faults (IOPL 0)
        ENTER_USER user_code, user_stack_top, 0x002
        PUTS "back in ring 0 "
        mov eax, cr2
        PHEX32 eax
        NL
        EXIT 0

user_code:
        USER_PROLOGUE
        mov dword [recover], .u1        ; the page tables are user-writable here
        mov eax, [T_SUP]                ; user read of a supervisor page
.u1:    mov dword [recover], .u2
        mov dword [T_RO + 16], 1        ; user write to a read-only page
.u2:    mov dword [recover], .u3
        mov eax, [T_NP]                 ; user read, not present
.u3:    mov dword [recover], .u4
        mov eax, [0x400000]             ; user read, PDE not present
.u4:    mov dword [recover], .u5
        mov eax, [0xC00000]             ; user read of a supervisor 4 MiB page
.u5:    mov eax, [T_RO]                 ; allowed
        mov [T_RW2 + 4], eax            ; allowed
        int 0x80

; #PF: print CR2, the error code and the privilege level of the faulting
; code, then continue at the recovery point
pf_handler:
        cld                             ; IRET restores the interrupted DF
        push eax
        push ds
        mov ax, SEL_DATA32
        mov ds, ax
        PUTS "#PF cr2="
        mov eax, cr2
        PHEX32 eax
        PUTS " err="
        PHEX 2, [esp + 8]
        PUTS " cpl="
        mov eax, [esp + 16]             ; CS
        and eax, 3
        PHEX 1, eax
        SP_
        mov eax, [esp + 20]             ; EFLAGS in the frame
        and eax, F_ALL
        mov [pf_eflags], eax
        cmp byte [fix_mode], 0
        je .skip
        mov eax, cr2                    ; make the page present and retry
        shr eax, 12
        or dword [pt0 + eax * 4], PG_P
        mov eax, cr2
        invlpg [eax]
        pop ds
        pop eax
        add esp, 4
        iretd
.skip:  mov eax, [recover]
        mov [esp + 12], eax
        pop ds
        pop eax
        add esp, 4                      ; error code
        iretd

align 4
recover: dd 0
saved_esp: dd 0
fault_flags: dd 0
pf_eflags: dd 0
fix_mode: db 0
src_bytes: db "0123456789AB"

%macro PROGRAM_BSS 0
alignb 4096
pd:     resb 4096
pt0:    resb 4096
        resb 4096
user_stack_top:
%endmacro
%include "tail.inc"
