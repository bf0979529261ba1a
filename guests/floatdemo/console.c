/* COM1 (a 16550 at 0x3F8), output only, polled: 115200 8N1, FIFOs on.
 * A '\n' goes out as CR LF. */
#include "runtime.h"

#define COM1 0x3F8
#define UART_DATA 0          /* THR; the divisor's low byte while DLAB=1 */
#define UART_IER  1          /* interrupt enable; the divisor's high byte while DLAB=1 */
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5
#define LSR_THRE  0x20       /* the transmit holding register is empty */

static inline void outb(uint16_t port, uint8_t value)
{
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

void console_init(void)
{
    outb(COM1 + UART_IER, 0x00);     /* no interrupts: output is polled */
    outb(COM1 + UART_LCR, 0x80);     /* DLAB on */
    outb(COM1 + UART_DATA, 1);       /* divisor 1: 115200 baud */
    outb(COM1 + UART_IER, 0);
    outb(COM1 + UART_LCR, 0x03);     /* DLAB off, 8 data bits, no parity, 1 stop bit */
    outb(COM1 + UART_FCR, 0x07);     /* FIFOs on and cleared */
    outb(COM1 + UART_MCR, 0x03);     /* DTR, RTS */
}

static void put_raw(char c)
{
    while (!(inb(COM1 + UART_LSR) & LSR_THRE)) {
    }
    outb(COM1 + UART_DATA, (uint8_t)c);
}

void console_putc(char c)
{
    if (c == '\n') put_raw('\r');
    put_raw(c);
}

void console_write(const char *s)
{
    while (*s) console_putc(*s++);
}
