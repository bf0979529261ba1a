/* The 100 Hz tick: the 8254 PIT on IRQ 0 (PIC mode, as tinyos) or the local
 * APIC timer in periodic mode (APIC mode). The APIC timer's input clock is
 * HV_X64_MSR_APIC_FREQUENCY when the partition may read it (CPUID
 * 0x40000003 EAX bit 11), else the 100 MHz Hyper-V uses; divide by 1. */
#include "io.h"
#include "kernel.h"
#include "hv.h"

#define PIT_CH0      0x40
#define PIT_CMD      0x43
#define PIT_INPUT_HZ 1193182u

#define LAPIC_LVT_TIMER   0x320
#define LAPIC_TIMER_INIT  0x380
#define LAPIC_TIMER_DIV   0x3E0
#define LVT_PERIODIC      0x20000
#define DIVIDE_BY_1       0xB

#define MSR_TIME_REF_COUNT  0x40000020
#define MSR_APIC_FREQUENCY  0x40000023
#define PRIV_REF_COUNTER    (1u << 1)
#define PRIV_FREQUENCY_REGS (1u << 11)

static volatile uint32_t ticks;
uint32_t apic_timer_hz;
const char *apic_timer_hz_source = "";
const char *tick_source = "none";

void timer_tick(void)
{
    ticks++;
}

static void pit_irq(void)
{
    ticks++;
}

void timer_init(void)
{
    if (apic_mode) {
        uint64_t f;
        apic_timer_hz = 100000000u;
        apic_timer_hz_source = "assumed: 100 MHz";
        if (hv.hyperv && (hv.priv_low & PRIV_FREQUENCY_REGS)) {
            if (msr_read(MSR_APIC_FREQUENCY, &f) == 0 && f && (f >> 32) == 0) {
                apic_timer_hz = (uint32_t)f;
                apic_timer_hz_source = "HV_X64_MSR_APIC_FREQUENCY";
            } else {
                apic_timer_hz_source = "assumed: 100 MHz (the frequency MSR failed)";
            }
        }
        if (apic_timer_hz < TIMER_HZ) {
            apic_timer_hz = 100000000u;
            apic_timer_hz_source = "assumed: 100 MHz (the frequency MSR gave less than 100 Hz)";
        }
        lapic_write(LAPIC_TIMER_DIV, DIVIDE_BY_1);
        lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_APIC_TIMER);
        lapic_write(LAPIC_TIMER_INIT, apic_timer_hz / TIMER_HZ);
        tick_source = "local APIC timer";
    } else {
        uint32_t divisor = (PIT_INPUT_HZ + TIMER_HZ / 2) / TIMER_HZ;
        outb(PIT_CMD, 0x34);
        outb(PIT_CH0, (uint8_t)divisor);
        outb(PIT_CH0, (uint8_t)(divisor >> 8));
        irq_set_handler(0, pit_irq);
        pic_unmask(0);
        tick_source = "PIT";
    }
}

uint32_t timer_ticks(void)
{
    return ticks;
}

int timer_ticking(void)
{
    return ticks >= 2;
}

void timer_sleep(uint32_t n)
{
    uint32_t start = ticks, spins = 0;
    while (ticks - start < n) {
        if (timer_ticking()) {
            cpu_sti_hlt();
        } else {
            /* No tick yet (or none at all): do not HLT for ever. */
            cpu_sti();
            cpu_pause();
            if (++spins > n * 20000)
                break;
        }
    }
}

int ref_time_is_hv(void)
{
    return hv.hyperv && (hv.priv_low & PRIV_REF_COUNTER);
}

uint64_t ref_time_100ns(void)
{
    uint64_t v;
    if (ref_time_is_hv() && msr_read(MSR_TIME_REF_COUNT, &v) == 0)
        return v;
    return (uint64_t)ticks * (10000000u / TIMER_HZ);
}

int wait_until(int (*cond)(void), uint32_t timeout_ms)
{
    uint32_t t0 = ticks, spins = 0;
    for (;;) {
        hv_poll();
        if (cond())
            return 1;
        if (timer_ticking()) {
            if ((ticks - t0) * (1000 / TIMER_HZ) >= timeout_ms)
                return cond();
            cpu_sti_hlt();
        } else {
            /* No tick (yet): count spins instead of halting for ever. */
            cpu_sti();
            cpu_pause();
            if (++spins >= timeout_ms * 1000)
                return cond();
        }
    }
}

uint64_t udiv64(uint64_t n, uint32_t d, uint32_t *rem)
{
    uint32_t hi = (uint32_t)(n >> 32), lo = (uint32_t)n, r;
    uint32_t qhi, qlo;
    if (!d) {
        if (rem)
            *rem = 0;
        return 0;
    }
    /* Two 64/32 divisions with DIV: the high word first (remainder < d), then
     * the remainder:low word, whose quotient then fits in 32 bits. */
    qhi = hi / d;
    r = hi % d;
    __asm__("divl %4" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), "rm"(d));
    if (rem)
        *rem = r;
    return ((uint64_t)qhi << 32) | qlo;
}

const char *u64_dec(char *buf, uint64_t v)
{
    char tmp[21];
    int n = 0, i = 0;
    do {
        uint32_t r;
        v = udiv64(v, 10, &r);
        tmp[n++] = (char)('0' + r);
    } while (v);
    while (n)
        buf[i++] = tmp[--n];
    buf[i] = 0;
    return buf;
}
