; no-os.rom: the firmware of a virtual machine with nothing to boot.
;
; A 64 KiB raw ROM image for `--firmware` (or QEMU's -bios). The processor
; starts at the reset vector, 16 bytes below the top of the image; a far jump
; from there enters the real-mode code below through the image's copy at
; F000:0000 (physical 0xF0000). The code sets COM1 up for 115200 baud, 8 data
; bits, no parity, 1 stop bit with its FIFO on, writes the message, and halts
; for good. It uses no RAM and no stack, so it runs on any memory layout.
;
; Build: guests/firmware/build.sh (nasm -f bin).

        bits    16
        org     0                       ; offsets are from F000:0000

COM1            equ     0x3f8
UART_THR        equ     COM1 + 0        ; transmit holding (DLAB=0) / divisor low (DLAB=1)
UART_IER        equ     COM1 + 1        ; interrupt enable (DLAB=0) / divisor high (DLAB=1)
UART_FCR        equ     COM1 + 2        ; FIFO control
UART_LCR        equ     COM1 + 3        ; line control
UART_MCR        equ     COM1 + 4        ; modem control
UART_LSR        equ     COM1 + 5        ; line status
LSR_THRE        equ     0x20            ; transmit holding register empty

start:
        cli
        cld
        mov     ax, cs
        mov     ds, ax

        mov     dx, UART_IER            ; no UART interrupts
        xor     al, al
        out     dx, al
        mov     dx, UART_LCR            ; DLAB on, to reach the divisor latch
        mov     al, 0x80
        out     dx, al
        mov     dx, UART_THR            ; divisor 1: 115200 baud
        mov     al, 1
        out     dx, al
        mov     dx, UART_IER
        xor     al, al
        out     dx, al
        mov     dx, UART_LCR            ; DLAB off, 8 data bits, no parity, 1 stop bit
        mov     al, 0x03
        out     dx, al
        mov     dx, UART_FCR            ; FIFO on, both FIFOs cleared, 14-byte trigger
        mov     al, 0xc7
        out     dx, al
        mov     dx, UART_MCR            ; DTR, RTS, OUT2
        mov     al, 0x0b
        out     dx, al

        mov     si, message
.next:
        lodsb
        test    al, al
        jz      .stop
        mov     ah, al
        mov     dx, UART_LSR
.wait:
        in      al, dx                  ; wait until the UART takes another byte
        test    al, LSR_THRE
        jz      .wait
        mov     dx, UART_THR
        mov     al, ah
        out     dx, al
        jmp     .next

.stop:
        cli
        hlt
        jmp     .stop

message:
        db      "No operating system was loaded.", 13, 10
        db      "Attach a boot source (--guest, --boot-kernel or --firmware) and restart the virtual machine.", 13, 10
        db      0

        times   0xfff0 - ($ - $$) db 0xff

reset_vector:                           ; F000:FFF0, physical 0xFFFFFFF0 at reset
        jmp     0xf000:start
        db      "11/23/26"              ; F000:FFF5, the BIOS date
        db      0
        db      0xfc                    ; F000:FFFE, the machine model byte (AT)
        db      0

        times   0x10000 - ($ - $$) db 0xff
