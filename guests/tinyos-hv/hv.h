/* tinyos-hv: declarations of the enlightened kernel's own parts. The parts
 * shared with tinyos are declared in ../tinyos/kernel.h. */
#ifndef TINYOS_HV_H
#define TINYOS_HV_H

#include <stdint.h>

#ifdef TINYOS_HV_WIN
#define HV_IMAGE_NAME "tinyos-hv-win"
#else
#define HV_IMAGE_NAME "tinyos-hv"
#endif

/* Vectors. In PIC mode 0x20-0x2F are the 8259's IRQs as in tinyos; in APIC
 * mode 0x20 is the local APIC timer and 0x24 the I/O APIC's pin 4 (COM1). */
#define VEC_APIC_TIMER 0x20
#define VEC_COM1       0x24
#define VEC_SINT       0x40
#define VEC_SPURIOUS   0xFF

/* entry.asm */
int msr_read(uint32_t msr, uint64_t *value);     /* 0, or -1 on #GP */
int msr_write(uint32_t msr, uint64_t value);
extern volatile uint32_t msr_fault;
extern char msr_read_insn[], msr_write_insn[];
extern void isr_64(void), isr_255(void);

static inline void cpu_pause(void) { __asm__ volatile("pause" : : : "memory"); }
static inline void mb(void) { __asm__ volatile("lock; addl $0, (%%esp)" : : : "memory"); }
static inline uint32_t irq_save(void)
{
    uint32_t f;
    __asm__ volatile("pushfl; popl %0; cli" : "=r"(f) : : "memory");
    return f;
}
static inline void irq_restore(uint32_t f)
{
    if (f & 0x200)
        __asm__ volatile("sti" : : : "memory");
}
static inline uint32_t xchg32(volatile uint32_t *p, uint32_t v)
{
    __asm__ volatile("xchgl %0, %1" : "+r"(v), "+m"(*p) : : "memory");
    return v;
}
static inline uint32_t mmio_read32(uint32_t addr) { return *(volatile uint32_t *)addr; }
static inline void mmio_write32(uint32_t addr, uint32_t v) { *(volatile uint32_t *)addr = v; }

/* apic.c: the local APIC (xAPIC MMIO at 0xFEE00000) and the I/O APIC at 0xFEC00000. */
#define LAPIC_BASE  0xFEE00000u
#define IOAPIC_BASE 0xFEC00000u
extern int lapic_present, ioapic_present, apic_mode;    /* apic_mode: interrupts via the I/O APIC */
extern uint32_t lapic_id, lapic_version, ioapic_version;
void apic_probe(void);
void lapic_enable(int virtual_wire);
void lapic_eoi(void);
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t value);
void ioapic_route(unsigned pin, uint8_t vector);

/* timer.c: the 100 Hz tick, from the PIT (PIC mode) or the local APIC timer. */
extern uint32_t apic_timer_hz;          /* the APIC timer's input clock */
extern const char *apic_timer_hz_source;
extern const char *tick_source;
void timer_init(void);
void timer_tick(void);                  /* called by the tick's interrupt */
int timer_ticking(void);                /* the tick has been seen advancing */
/* Reference time in 100 ns units: the partition reference counter when the
 * hypervisor offers it, else the tick count. */
uint64_t ref_time_100ns(void);
int ref_time_is_hv(void);

/* hv.c: detection, the guest OS ID, the hypercall page, SynIC. */
#define HV_STATUS_SUCCESS 0
struct hv_info {
    int present;                /* CPUID.1:ECX[31] */
    int hyperv;                 /* "Microsoft Hv" and "Hv#1" */
    char vendor[13];
    uint32_t max_leaf;
    uint32_t priv_low, priv_high, features_edx;
    uint32_t build, version;    /* leaf 0x40000002 EAX, EBX */
    uint64_t guest_os_id;
    int hypercall_enabled;
    uint32_t hypercall_gpa;
    int synic_enabled;
    uint32_t simp_gpa, siefp_gpa;
    uint64_t sint2;
    uint32_t sint_interrupts, messages, eoms, events, spurious_messages;
    uint32_t hypercalls, hypercall_failures;
    uint16_t last_failure_status;
    uint16_t last_failure_code;
};
extern struct hv_info hv;
void hv_init(void);
int hv_can_post(void);
uint16_t hv_post_message(uint32_t connection_id, uint32_t type, const void *payload, uint32_t size);
uint16_t hv_signal_event(uint32_t connection_id, uint16_t flag);
void hv_sint_interrupt(void);
void cmd_hv(void);

/* vmbus.c: the VMBus client. */
void vmbus_init(void);
void vmbus_on_message(const uint8_t *msg, uint32_t size);  /* a SIMP message's payload */
void vmbus_on_events(void);            /* the SINT fired: scan the event flags */
void vmbus_poll_rings(void);           /* drain every open channel */
void cmd_vmbus(void);
struct vmbus_channel;
int vmbus_send_inband(struct vmbus_channel *ch, uint64_t trans_id, const void *data, uint32_t len);

/* ic.c: integration services. kind: one of IC_* below. */
enum { IC_HEARTBEAT, IC_SHUTDOWN, IC_TIMESYNC, IC_KVP, IC_COUNT };
extern const char *const ic_names[IC_COUNT];
extern const uint8_t ic_guids[IC_COUNT][16];
void ic_on_packet(int kind, struct vmbus_channel *ch, uint64_t trans_id, uint8_t *buf, uint32_t len);
void ic_channel_opened(int kind);
void cmd_date(void);
void cmd_kvp(void);
void ic_status(int kind);               /* one line for `vmbus` */
int ic_beats(void);

/* power.c */
void delay_ms(uint32_t ms);             /* without interrupts */
void power_off(void) __attribute__((noreturn));
void power_reset(void) __attribute__((noreturn));

/* 64-bit arithmetic without libgcc. */
uint64_t udiv64(uint64_t n, uint32_t d, uint32_t *rem);
/* A u64 in decimal into buf (at least 21 bytes). */
const char *u64_dec(char *buf, uint64_t v);

/* Waits with interrupts on (taking SynIC messages and ring packets as they
 * come) until cond() is true or timeout_ms passes. Returns cond(). */
int wait_until(int (*cond)(void), uint32_t timeout_ms);

/* hv.c, more */
void hv_detect(void);
void hv_poll(void);
uint8_t *hv_event_flags(unsigned sint);

#endif
