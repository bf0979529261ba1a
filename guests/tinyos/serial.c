/* COM1: a 16550 UART at 0x3F8 on IRQ 4. Output polls the transmitter holding
 * register; input is taken by the receive interrupt into a ring buffer. */
#include "io.h"
#include "kernel.h"

#define COM1 0x3F8
#define REG_DATA 0      /* RBR / THR; DLL with DLAB */
#define REG_IER  1      /* DLM with DLAB */
#define REG_IIR  2      /* FCR on write */
#define REG_LCR  3
#define REG_MCR  4
#define REG_LSR  5
#define REG_MSR  6

#define LSR_DATA_READY 0x01
#define LSR_THRE       0x20

#define IER_RX_AVAILABLE 0x01

#define IIR_NO_INTERRUPT 0x01
#define IIR_ID_MASK      0x0E
#define IIR_MODEM_STATUS 0x00
#define IIR_THR_EMPTY    0x02
#define IIR_RX_AVAILABLE 0x04
#define IIR_LINE_STATUS  0x06
#define IIR_RX_TIMEOUT   0x0C

#define RX_SIZE 256     /* a power of two */

static volatile uint8_t rx_buf[RX_SIZE];
static volatile uint32_t rx_head;   /* written by the interrupt handler */
static volatile uint32_t rx_tail;   /* written by the reader */

void serial_init(void)
{
    outb(COM1 + REG_IER, 0x00);             /* no interrupts yet */
    outb(COM1 + REG_LCR, 0x80);             /* DLAB: divisor follows */
    outb(COM1 + REG_DATA, 0x01);            /* 115200 baud */
    outb(COM1 + REG_IER, 0x00);
    outb(COM1 + REG_LCR, 0x03);             /* 8 data bits, no parity, 1 stop bit */
    outb(COM1 + REG_IIR, 0x07);             /* FIFOs on and cleared, trigger at 1 byte */
    outb(COM1 + REG_MCR, 0x0B);             /* DTR, RTS, OUT2 (gates the IRQ line) */
}

void serial_enable_rx_irq(void)
{
    /* Drain anything left over from before, then ask for receive interrupts. */
    int guard = 64;
    while ((inb(COM1 + REG_LSR) & LSR_DATA_READY) && guard--)
        (void)inb(COM1 + REG_DATA);
    (void)inb(COM1 + REG_IIR);
    (void)inb(COM1 + REG_MSR);
    outb(COM1 + REG_IER, IER_RX_AVAILABLE);
}

void serial_putc(char c)
{
    /* Bounded, so that a missing or wedged UART cannot hang the kernel. */
    uint32_t spins = 1000000;
    while (!(inb(COM1 + REG_LSR) & LSR_THRE) && --spins)
        ;
    outb(COM1 + REG_DATA, (uint8_t)c);
}

static void rx_push(uint8_t c)
{
    uint32_t next = (rx_head + 1) & (RX_SIZE - 1);
    if (next == rx_tail)
        return;                             /* full: drop the byte */
    rx_buf[rx_head] = c;
    rx_head = next;
}

/* IRQ 4: serve every pending cause the UART reports. */
void serial_irq(void)
{
    int rounds;
    for (rounds = 0; rounds < 16; rounds++) {
        uint8_t iir = inb(COM1 + REG_IIR);
        if (iir & IIR_NO_INTERRUPT)
            break;
        switch (iir & IIR_ID_MASK) {
        case IIR_RX_AVAILABLE:
        case IIR_RX_TIMEOUT: {
            int guard = 64;
            while ((inb(COM1 + REG_LSR) & LSR_DATA_READY) && guard--)
                rx_push(inb(COM1 + REG_DATA));
            break;
        }
        case IIR_LINE_STATUS:
            (void)inb(COM1 + REG_LSR);
            break;
        case IIR_MODEM_STATUS:
            (void)inb(COM1 + REG_MSR);
            break;
        default:                            /* THR empty: not enabled */
            break;
        }
    }
}

int serial_getc(void)
{
    int c;
    if (rx_tail == rx_head)
        return -1;
    c = rx_buf[rx_tail];
    rx_tail = (rx_tail + 1) & (RX_SIZE - 1);
    return c;
}
