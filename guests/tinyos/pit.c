/* The 8254 PIT: channel 0 as a 100 Hz rate generator on IRQ 0. */
#include "io.h"
#include "kernel.h"

#define PIT_CH0     0x40
#define PIT_CMD     0x43
#define PIT_INPUT_HZ 1193182u

static volatile uint32_t ticks;

static void timer_irq(void)
{
    ticks++;
}

void pit_init(void)
{
    uint32_t divisor = (PIT_INPUT_HZ + TIMER_HZ / 2) / TIMER_HZ;   /* 11932 */

    outb(PIT_CMD, 0x34);            /* channel 0, lobyte/hibyte, mode 2, binary */
    outb(PIT_CH0, (uint8_t)divisor);
    outb(PIT_CH0, (uint8_t)(divisor >> 8));
    irq_set_handler(0, timer_irq);
    pic_unmask(0);
}

uint32_t timer_ticks(void)
{
    return ticks;
}

void timer_sleep(uint32_t n)
{
    uint32_t start = ticks;
    while (ticks - start < n)
        cpu_sti_hlt();
}
