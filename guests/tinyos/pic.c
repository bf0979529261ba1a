/* The 8259A pair: master at 0x20 (IRQ 0-7), slave at 0xA0 (IRQ 8-15) on the
 * master's IRQ 2, remapped to vectors 0x20-0x2F so they do not overlap the
 * processor's exception vectors. */
#include "io.h"
#include "kernel.h"

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xA0
#define PIC2_DATA 0xA1

#define ICW1_INIT_ICW4 0x11     /* edge triggered, cascade, ICW4 follows */
#define ICW4_8086      0x01
#define OCW2_EOI       0x20
#define OCW3_READ_ISR  0x0B

static uint16_t mask = 0xFFFF;

static void write_masks(void)
{
    outb(PIC1_DATA, (uint8_t)mask);
    outb(PIC2_DATA, (uint8_t)(mask >> 8));
}

void pic_init(void)
{
    outb(PIC1_CMD, ICW1_INIT_ICW4);
    io_delay();
    outb(PIC2_CMD, ICW1_INIT_ICW4);
    io_delay();
    outb(PIC1_DATA, PIC_VECTOR_BASE);       /* ICW2: vector base */
    io_delay();
    outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
    io_delay();
    outb(PIC1_DATA, 0x04);                  /* ICW3: slave on IRQ 2 */
    io_delay();
    outb(PIC2_DATA, 0x02);                  /* ICW3: slave identity 2 */
    io_delay();
    outb(PIC1_DATA, ICW4_8086);
    io_delay();
    outb(PIC2_DATA, ICW4_8086);
    io_delay();

    mask = 0xFFFF & ~(1u << 2);             /* everything masked but the cascade */
    write_masks();
}

void pic_unmask(unsigned irq)
{
    mask &= (uint16_t)~(1u << irq);
    write_masks();
}

void pic_mask(unsigned irq)
{
    mask |= (uint16_t)(1u << irq);
    write_masks();
}

static uint8_t read_isr(uint16_t cmd_port)
{
    outb(cmd_port, OCW3_READ_ISR);
    return inb(cmd_port);
}

int pic_is_spurious(unsigned irq)
{
    if (irq == 7)
        return !(read_isr(PIC1_CMD) & 0x80);
    if (irq == 15 && !(read_isr(PIC2_CMD) & 0x80)) {
        outb(PIC1_CMD, OCW2_EOI);           /* the master did see IRQ 2 */
        return 1;
    }
    return 0;
}

void pic_eoi(unsigned irq)
{
    if (irq >= 8)
        outb(PIC2_CMD, OCW2_EOI);
    outb(PIC1_CMD, OCW2_EOI);
}
