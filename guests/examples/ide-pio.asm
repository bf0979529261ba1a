; ide-pio: reads and writes the primary master ATA disk with PIO, polling
; (nIEN set), and reports on COM1 what it saw: the disk's size from IDENTIFY
; DEVICE, a checksum of every sector it reads, and the status and error
; registers after each command. Run the same image with the same raw disk on
; hv and on QEMU: both consoles and both disks afterwards must be equal.
; Exits through the test-exit port 0xF4 with 0x10 (QEMU: status 0x21).
;
;   nasm -f bin -o ide-pio.bin ide-pio.asm

bits 32
org 0x100000

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 0x00010003
COM1            equ 0x3F8
EXIT_PORT       equ 0xF4
ATA             equ 0x1F0           ; primary command block
ATA_CTL         equ 0x3F6           ; device control / alternate status
EXIT_STATUS     equ 0x10

image_start:
mb_header:
        dd MB_MAGIC
        dd MB_FLAGS
        dd -(MB_MAGIC + MB_FLAGS)
        dd mb_header
        dd image_start
        dd image_end
        dd bss_end
        dd start

start:
        cli
        cld
        mov esp, stack_top
        mov dx, ATA_CTL
        mov al, 0x02                ; nIEN: this program polls
        out dx, al
        call wait_ready

        ; IDENTIFY DEVICE: report the LBA28 and LBA48 sector counts.
        mov dx, ATA + 6
        mov al, 0xA0
        out dx, al
        mov al, 0xEC
        call issue
        call wait_drq
        mov edi, buffer
        mov ecx, 256
        call read_words
        mov esi, s_identify
        call puts
        mov eax, [buffer + 60*2]
        mov [sectors], eax
        call puthex
        mov al, ' '
        call putc
        mov eax, [buffer + 100*2]
        call puthex
        call newline

        ; READ SECTORS, LBA 0-3, one DRQ block a sector.
        mov ebx, 0
        mov ecx, 4
        mov al, 0x20
        call lba28
        mov ebx, 0
        mov ecx, 4
        call read_blocks_1
        call report

        ; WRITE SECTORS, LBA 8-9, a pattern made from the LBA.
        mov ebx, 8
        mov ecx, 2
        mov al, 0x30
        call lba28
        mov ebx, 8
        mov ecx, 2
.write_next:
        push ecx
        call wait_drq
        call fill_pattern
        mov esi, buffer
        mov ecx, 256
        call write_words
        inc ebx
        pop ecx
        loop .write_next
        call wait_ready
        call report

        ; FLUSH CACHE.
        mov al, 0xE7
        call issue
        call wait_ready
        call report

        ; Read the written sectors back.
        mov ebx, 8
        mov ecx, 2
        mov al, 0x20
        call lba28
        mov ebx, 8
        mov ecx, 2
        call read_blocks_1
        call report

        ; SET MULTIPLE MODE 4, then READ MULTIPLE of LBA 2-11: blocks of 4, 4 and 2 sectors.
        mov dx, ATA + 2
        mov al, 4
        out dx, al
        mov al, 0xC6
        call issue
        call wait_ready
        call report
        mov ebx, 2
        mov ecx, 10
        mov al, 0xC4
        call lba28
        mov ebx, 2
        mov ecx, 10
.multiple_next:
        push ecx
        call wait_drq
        pop ecx
        mov edx, ecx
        cmp edx, 4
        jbe .last_block
        mov edx, 4
.last_block:
        sub ecx, edx
        push ecx
.multiple_sector:
        push edx
        mov edi, buffer
        mov ecx, 256
        call read_words
        call sector_line
        inc ebx
        pop edx
        dec edx
        jnz .multiple_sector
        pop ecx
        test ecx, ecx
        jnz .multiple_next
        call report

        ; WRITE SECTORS EXT and READ SECTORS EXT at LBA 20 (48-bit registers, high bytes first).
        mov ebx, 20
        mov al, 0x34
        call lba48_one
        call wait_drq
        call fill_pattern
        mov esi, buffer
        mov ecx, 256
        call write_words
        call wait_ready
        call report
        mov ebx, 20
        mov al, 0x24
        call lba48_one
        mov ecx, 1
        call read_blocks_1
        call report

        ; READ VERIFY of the last sector, then a READ of the sector after it (IDNF).
        mov ebx, [sectors]
        dec ebx
        mov ecx, 1
        mov al, 0x40
        call lba28
        call wait_ready
        call report
        mov ebx, [sectors]
        mov ecx, 1
        mov al, 0x20
        call lba28
        call wait_ready
        call report_error

        ; A software reset: the ATA signature in the task file afterwards.
        mov dx, ATA_CTL
        mov al, 0x06
        out dx, al
        mov al, 0x02
        out dx, al
        call wait_ready
        mov esi, s_signature
        call puts
        mov dx, ATA + 2
.signature:
        in al, dx
        call puthex8
        inc dx
        cmp dx, ATA + 6
        jb .signature
        call newline

        mov esi, s_done
        call puts
        mov al, EXIT_STATUS
        out EXIT_PORT, al
.halt:
        hlt
        jmp .halt

; Issue command AL for LBA28 address EBX, ECX sectors, on the master.
lba28:
        push eax
        mov dx, ATA + 6
        mov eax, ebx
        shr eax, 24
        and al, 0x0F
        or al, 0xE0
        out dx, al
        mov dx, ATA + 2
        mov al, cl
        out dx, al
        inc dx
        mov al, bl
        out dx, al
        inc dx
        mov al, bh
        out dx, al
        inc dx
        mov eax, ebx
        shr eax, 16
        out dx, al
        pop eax
        ; fall through
issue:
        mov dx, ATA + 7
        out dx, al
        ret

; Issue 48-bit command AL for one sector at LBA EBX (below 2^32).
lba48_one:
        push eax
        mov dx, ATA + 6
        mov al, 0x40
        out dx, al
        mov dx, ATA + 2
        xor al, al
        out dx, al                  ; count, high byte
        inc dx
        mov eax, ebx
        shr eax, 24
        out dx, al                  ; LBA bits 31-24
        inc dx
        xor al, al
        out dx, al                  ; LBA bits 39-32
        inc dx
        out dx, al                  ; LBA bits 47-40
        mov dx, ATA + 2
        mov al, 1
        out dx, al                  ; count, low byte
        inc dx
        mov al, bl
        out dx, al
        inc dx
        mov al, bh
        out dx, al
        inc dx
        mov eax, ebx
        shr eax, 16
        out dx, al
        pop eax
        jmp issue

; Read ECX sectors of one DRQ block each, printing a line per sector (LBA from EBX).
read_blocks_1:
        push ecx
        call wait_drq
        mov edi, buffer
        mov ecx, 256
        call read_words
        call sector_line
        inc ebx
        pop ecx
        loop read_blocks_1
        ret

; "r LBA CHECKSUM" for the sector in buffer.
sector_line:
        push eax
        push esi
        mov esi, s_sector
        call puts
        mov eax, ebx
        call puthex
        mov al, ' '
        call putc
        call checksum
        call puthex
        call newline
        pop esi
        pop eax
        ret

; EAX = a checksum of the 512 bytes in buffer (h = h * 31 + dword).
checksum:
        push ecx
        push esi
        push edx
        mov esi, buffer
        mov ecx, 128
        xor eax, eax
.next:
        imul eax, eax, 31
        add eax, [esi]
        add esi, 4
        loop .next
        pop edx
        pop esi
        pop ecx
        ret

; buffer[i] = i * 7 + LBA (EBX), bytes.
fill_pattern:
        push ecx
        push edi
        mov edi, buffer
        xor ecx, ecx
.next:
        mov eax, ecx
        imul eax, eax, 7
        add eax, ebx
        mov [edi + ecx], al
        inc ecx
        cmp ecx, 512
        jb .next
        pop edi
        pop ecx
        ret

; ECX words from the data port into [EDI]; no string instructions, one port read each.
read_words:
        push edx
        mov dx, ATA
.next:
        in ax, dx
        mov [edi], ax
        add edi, 2
        loop .next
        pop edx
        ret

write_words:
        push edx
        mov dx, ATA
.next:
        mov ax, [esi]
        out dx, ax
        add esi, 2
        loop .next
        pop edx
        ret

; Wait for BSY clear, then for DRQ (or ERR).
wait_drq:
        push eax
        push edx
        mov dx, ATA + 7
.poll:
        in al, dx
        test al, 0x80
        jnz .poll
        test al, 0x09
        jz .poll
        pop edx
        pop eax
        ret

wait_ready:
        push eax
        push edx
        mov dx, ATA + 7
.poll:
        in al, dx
        test al, 0x80
        jnz .poll
        pop edx
        pop eax
        ret

; "s STATUS ERROR" after a command.
report:
        push eax
        push edx
        mov esi, s_status
        call puts
        mov dx, ATA + 7
        in al, dx
        call puthex8
        mov al, ' '
        call putc
        mov dx, ATA + 1
        in al, dx
        call puthex8
        call newline
        pop edx
        pop eax
        ret

; "e STATUS" after a command that must fail: BSY, DRDY, DRQ and ERR only, since drives
; may answer an address past the end with IDNF or ABRT (and with or without DSC).
report_error:
        push eax
        push edx
        mov esi, s_error
        call puts
        mov dx, ATA + 7
        in al, dx
        and al, 0xC9
        call puthex8
        call newline
        pop edx
        pop eax
        ret

puts:
        lodsb
        test al, al
        jz .done
        call putc
        jmp puts
.done:
        ret

putc:
        push edx
        push eax
        mov dx, COM1 + 5
.wait:
        in al, dx
        test al, 0x20
        jz .wait
        pop eax
        mov dx, COM1
        out dx, al
        pop edx
        ret

newline:
        push eax
        mov al, 13
        call putc
        mov al, 10
        call putc
        pop eax
        ret

puthex:
        push ecx
        push eax
        mov ecx, 8
.next:
        rol eax, 4
        push eax
        and al, 0x0F
        call hexdigit
        pop eax
        loop .next
        pop eax
        pop ecx
        ret

puthex8:
        push eax
        push eax
        shr al, 4
        call hexdigit
        pop eax
        and al, 0x0F
        call hexdigit
        pop eax
        ret

hexdigit:
        add al, '0'
        cmp al, '9'
        jbe .out
        add al, 'a' - '9' - 1
.out:
        jmp putc

s_identify:  db "identify ", 0
s_sector:    db "r ", 0
s_status:    db "s ", 0
s_error:     db "e ", 0
s_signature: db "signature ", 0
s_done:      db "done", 13, 10, 0

align 4
image_end:

; Not in the file: the Multiboot loader clears up to bss_end.
absolute image_end
sectors:        resd 1
buffer:         resb 4096
                resb 4096
stack_top:
bss_end:
