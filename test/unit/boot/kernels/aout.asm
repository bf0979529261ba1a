; A multiboot kernel that carries its load addresses in the multiboot header
; (flag bit 16, the "a.out kludge"), so a loader needs no ELF support for it.
;
; It checks the machine state the loader promised (EAX = 0x2BADB002, its bss
; zeroed, the MBI flags), prints "aout kernel: " and the command line from the
; MBI to COM1, and writes a status to port 0xF4: 0 when everything held, else
; the number of the first check that failed. Then it halts.
;
; Build: test/unit/boot/kernels/build.sh (nasm -f bin).

        bits    32
        org     0x100000

MB_MAGIC        equ     0x1badb002
MB_FLAGS        equ     (1 << 1) | (1 << 16)    ; memory information; address fields
COM1            equ     0x3f8
STATUS_PORT     equ     0xf4
BSS_BYTES       equ     0x2000

header:
        dd      MB_MAGIC
        dd      MB_FLAGS
        dd      -(MB_MAGIC + MB_FLAGS)
        dd      header                  ; header_addr
        dd      header                  ; load_addr: the file starts with the header
        dd      load_end                ; load_end_addr
        dd      bss_end                 ; bss_end_addr
        dd      entry                   ; entry_addr

entry:
        mov     esp, stack_top
        mov     ecx, 1                  ; check 1: the boot loader magic
        cmp     eax, 0x2badb002
        jne     .done

        inc     ecx                     ; check 2: the bss is all zeros
        mov     esi, bss_start
.bss:   cmp     esi, stack_bottom       ; (below the stack, which is in use now)
        jae     .bss_ok
        cmp     byte [esi], 0
        jne     .done
        inc     esi
        jmp     .bss
.bss_ok:
        inc     ecx                     ; check 3: memory info and command line present
        mov     eax, [ebx]
        and     eax, (1 << 0) | (1 << 2)
        cmp     eax, (1 << 0) | (1 << 2)
        jne     .done

        mov     [saved_mbi], ebx        ; bss must be writable
        mov     esi, banner
        call    puts
        mov     ebx, [saved_mbi]
        mov     esi, [ebx + 16]         ; cmdline
        call    puts
        mov     esi, crlf
        call    puts
        xor     ecx, ecx
.done:
        mov     al, cl
        out     STATUS_PORT, al
.halt:  cli
        hlt
        jmp     .halt

; Write the NUL-terminated string at ESI to COM1, waiting for the transmitter.
puts:
        lodsb
        test    al, al
        jz      .ret
        mov     ah, al
        mov     dx, COM1 + 5
.wait:  in      al, dx
        test    al, 0x20
        jz      .wait
        mov     dx, COM1
        mov     al, ah
        out     dx, al
        jmp     puts
.ret:   ret

banner: db      "aout kernel: ", 0
crlf:   db      13, 10, 0

        align   4
load_end:

bss_start       equ     load_end
saved_mbi       equ     bss_start
stack_bottom    equ     bss_start + 0x1000
stack_top       equ     bss_start + BSS_BYTES
bss_end         equ     bss_start + BSS_BYTES
