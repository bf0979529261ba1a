/* The 8254 PIT: channel 0 as a rate generator on IRQ 0, the tick behind
 * `uptime` and timer_sleep().
 *
 * While the console waits for input with nothing else to do, the tick slows
 * to the PIT's slowest rate (a divisor of 65536, 18.2 Hz), as a tickless
 * kernel stops its tick when idle: a halted guest that takes 100 interrupts a
 * second costs its host 100 wake-ups a second. Time stays exact because it is
 * counted in PIT input clocks, not in interrupts: each interrupt adds the
 * period that just ended, and leaving the slow tick early adds the part of the
 * period that had run, read from the counter. */
#include "io.h"
#include "kernel.h"

#define PIT_CH0      0x40
#define PIT_CMD      0x43
#define PIT_INPUT_HZ 1193182u
#define CMD_CH0_MODE2 0x34      /* channel 0, lobyte/hibyte, mode 2, binary */
#define CMD_CH0_LATCH 0x00      /* counter latch for channel 0 */
#define TICK_DIVISOR ((PIT_INPUT_HZ + TIMER_HZ / 2) / TIMER_HZ)   /* 11932 */
#define IDLE_DIVISOR 65536u     /* written as 0 */
#define PIC1_CMD     0x20
#define OCW3_READ_IRR 0x0A

static volatile uint32_t ticks;         /* TIMER_HZ ticks since boot */
static volatile uint32_t pending_clocks; /* PIT input clocks not yet a whole tick */
static volatile uint32_t divisor;       /* the current period, in PIT input clocks */
static volatile int counted_ahead;      /* the next interrupt's period was counted already */

static void add_clocks(uint32_t clocks)
{
    pending_clocks += clocks;
    while (pending_clocks >= TICK_DIVISOR) {
        pending_clocks -= TICK_DIVISOR;
        ticks++;
    }
}

static void timer_irq(void)
{
    if (counted_ahead) {
        counted_ahead = 0;
        return;
    }
    add_clocks(divisor);
}

/* IRQ 0 is waiting in the master PIC's request register. */
static int tick_pending(void)
{
    outb(PIC1_CMD, OCW3_READ_IRR);
    return inb(PIC1_CMD) & 1;
}

static void program(uint32_t period)
{
    divisor = period;
    outb(PIT_CMD, CMD_CH0_MODE2);
    outb(PIT_CH0, (uint8_t)period);          /* 65536 is written as 0 */
    outb(PIT_CH0, (uint8_t)(period >> 8));
}

/* Input clocks of the current period that have already run. */
static uint32_t elapsed_in_period(void)
{
    uint32_t count;
    outb(PIT_CMD, CMD_CH0_LATCH);
    count = inb(PIT_CH0);
    count |= (uint32_t)inb(PIT_CH0) << 8;
    if (count == 0)
        count = 65536;
    return count <= divisor ? divisor - count : 0;
}

void pit_init(void)
{
    program(TICK_DIVISOR);
    irq_set_handler(0, timer_irq);
    pic_unmask(0);
}

/* Called with interrupts disabled. Reprogramming restarts the count, so the
 * part of the period that ran is counted first; and a period that ended while
 * interrupts were off is counted now, its interrupt (still pending) then
 * counting nothing, since the period it would add is the new one. */
void timer_idle(int idle)
{
    uint32_t want = idle ? IDLE_DIVISOR : TICK_DIVISOR;
    if (divisor == want)
        return;
    if (tick_pending() && !counted_ahead) {
        add_clocks(divisor);
        counted_ahead = 1;
    }
    add_clocks(elapsed_in_period());
    program(want);
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
