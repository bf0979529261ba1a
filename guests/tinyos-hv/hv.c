/* Hyper-V: detection through CPUID, the guest OS ID, the hypercall page and
 * the hypercall calling convention for 32-bit guests, and the SynIC (message
 * page, event flags page, SINT2 for VMBus). Linux's drivers/hv/hv.c and
 * arch/x86/hyperv/hv_init.c do the same in this order. */
#include "io.h"
#include "kernel.h"
#include "lib.h"
#include "hv.h"

#define MSR_GUEST_OS_ID   0x40000000
#define MSR_HYPERCALL     0x40000001
#define MSR_SCONTROL      0x40000080
#define MSR_SVERSION      0x40000081
#define MSR_SIEFP         0x40000082
#define MSR_SIMP          0x40000083
#define MSR_EOM           0x40000084
#define MSR_SINT0         0x40000090
#define VMBUS_SINT        2

#define PRIV_SYNIC        (1u << 2)
#define PRIV_HYPERCALL    (1u << 5)
#define PRIV_POST_MESSAGE (1u << 4)     /* EBX */
#define PRIV_SIGNAL_EVENT (1u << 5)     /* EBX */

#define HVCALL_POST_MESSAGE 0x005C
#define HVCALL_SIGNAL_EVENT 0x005D
#define HV_HYPERCALL_FAST   (1u << 16)
#define HV_STATUS_INSUFFICIENT_MEMORY  0x0B
#define HV_STATUS_INSUFFICIENT_BUFFERS 0x13

#define HVMSG_TIMER_EXPIRED 0x80000010u

/* The guest OS ID (TLFS "Reporting the Guest OS Identity"). */
#ifdef TINYOS_HV_WIN
/* Proprietary encoding: vendor Microsoft (1) in 62:48, OS id 4 (Windows NT)
 * in 47:40, major 10, minor 0, service pack 0, build 19045. */
#define GUEST_OS_ID ((1ull << 48) | (4ull << 40) | (10ull << 32) | (0ull << 24) | (0ull << 16) | 19045u)
#else
/* Open source (bit 63), OS type 1 Linux in 62:56, OS id 0 in 55:48, version
 * 0.1.0 (0x000100, coded as Linux codes LINUX_VERSION_CODE) in 47:16, build 1. */
#define GUEST_OS_ID ((1ull << 63) | (1ull << 56) | (0x000100ull << 16) | 1u)
#endif

struct hv_info hv;

static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));
static uint8_t simp_page[4096] __attribute__((aligned(4096)));
static uint8_t siefp_page[4096] __attribute__((aligned(4096)));
static uint8_t post_input[256] __attribute__((aligned(256)));
static void *hypercall_entry = hypercall_page;
static uint8_t message[240];

static void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

/* Detection only: CPUID. Runs before the timer, which wants the frequency
 * privilege. */
void hv_detect(void)
{
    uint32_t r[4];

    cpuid(1, r);
    hv.present = (r[2] >> 31) & 1;
    if (!hv.present)
        return;
    cpuid(0x40000000, r);
    hv.max_leaf = r[0];
    memcpy(hv.vendor, &r[1], 4);
    memcpy(hv.vendor + 4, &r[2], 4);
    memcpy(hv.vendor + 8, &r[3], 4);
    hv.vendor[12] = 0;
    for (int i = 0; i < 12; i++)
        if (hv.vendor[i] < 0x20 || hv.vendor[i] > 0x7E)
            hv.vendor[i] = '?';
    if (strcmp(hv.vendor, "Microsoft Hv") || hv.max_leaf < 0x40000003)
        return;
    cpuid(0x40000001, r);
    if (r[0] != 0x31237648)             /* "Hv#1" */
        return;
    hv.hyperv = 1;
    cpuid(0x40000002, r);
    hv.build = r[0];
    hv.version = r[1];
    cpuid(0x40000003, r);
    hv.priv_low = r[0];
    hv.priv_high = r[1];
    hv.features_edx = r[3];
}

/* Calls through the hypercall page: control in EDX:EAX, input GPA in
 * EBX:ECX, output GPA in EDI:ESI, result in EDX:EAX. */
static uint16_t hypercall(uint32_t code, uint32_t input_gpa, uint32_t output_gpa)
{
    uint64_t control = code, status;
    uint32_t in_lo = input_gpa;
    __asm__ volatile("call *%[entry]"
                     : "=A"(status), "+c"(in_lo)
                     : "A"(control), "b"(0), "D"(0), "S"(output_gpa), [entry] "m"(hypercall_entry)
                     : "cc", "memory");
    hv.hypercalls++;
    if ((uint16_t)status) {
        hv.hypercall_failures++;
        hv.last_failure_status = (uint16_t)status;
        hv.last_failure_code = (uint16_t)code;
    }
    return (uint16_t)status;
}

/* A fast hypercall with 8 bytes of input in EBX:ECX. */
static uint16_t hypercall_fast8(uint32_t code, uint64_t input)
{
    uint64_t control = code | HV_HYPERCALL_FAST, status;
    uint32_t in_lo = (uint32_t)input;
    __asm__ volatile("call *%[entry]"
                     : "=A"(status), "+c"(in_lo)
                     : "A"(control), "b"((uint32_t)(input >> 32)), [entry] "m"(hypercall_entry)
                     : "cc", "memory", "edi", "esi");
    hv.hypercalls++;
    if ((uint16_t)status) {
        hv.hypercall_failures++;
        hv.last_failure_status = (uint16_t)status;
        hv.last_failure_code = (uint16_t)code;
    }
    return (uint16_t)status;
}

int hv_can_post(void)
{
    return hv.hypercall_enabled && hv.synic_enabled && (hv.priv_high & PRIV_POST_MESSAGE);
}

/* HvPostMessage: input is u32 connection id, u32 reserved, u32 message type,
 * u32 payload size, payload (at most 240 bytes). Retried while the host's
 * queue is full, as Linux's vmbus_post_msg does. */
uint16_t hv_post_message(uint32_t connection_id, uint32_t type, const void *payload, uint32_t size)
{
    uint32_t flags, tries;
    uint16_t status = 0xFFFF;

    if (!hv.hypercall_enabled || size > 240)
        return 0xFFFF;
    flags = irq_save();
    for (tries = 0; tries < 12; tries++) {
        uint32_t *w = (uint32_t *)post_input;
        memset(post_input, 0, sizeof post_input);
        w[0] = connection_id;
        w[1] = 0;
        w[2] = type;
        w[3] = size;
        memcpy(post_input + 16, payload, size);
        status = hypercall(HVCALL_POST_MESSAGE, (uint32_t)post_input, 0);
        if (status != HV_STATUS_INSUFFICIENT_BUFFERS && status != HV_STATUS_INSUFFICIENT_MEMORY)
            break;
        for (uint32_t spin = 0; spin < 10000u << (tries < 6 ? tries : 6); spin++)
            cpu_pause();
    }
    irq_restore(flags);
    return status;
}

/* HvSignalEvent (fast): u32 connection id, u16 flag number, u16 reserved. */
uint16_t hv_signal_event(uint32_t connection_id, uint16_t flag)
{
    uint32_t flags = irq_save();
    uint16_t status = hypercall_fast8(HVCALL_SIGNAL_EVENT, connection_id | ((uint64_t)flag << 32));
    irq_restore(flags);
    return status;
}

/* Takes what SINT2 has delivered: the event flags first (channel rings),
 * then the messages in SIMP slot 2. Interrupts are off. */
static void hv_process(void)
{
    unsigned n;

    if (!hv.synic_enabled)
        return;
    vmbus_on_events();
    for (n = 0; n < 64; n++) {
        volatile uint8_t *slot = simp_page + VMBUS_SINT * 256;
        uint32_t type = *(volatile uint32_t *)slot;
        uint32_t size;
        uint8_t msg_flags;

        if (type == 0)
            break;
        size = slot[4];
        msg_flags = slot[5];
        if (size > 240)
            size = 240;
        for (uint32_t i = 0; i < size; i++)
            message[i] = slot[16 + i];
        /* Free the slot, then ask for the next queued message if one is
         * waiting behind it. */
        *(volatile uint32_t *)slot = 0;
        mb();
        if (msg_flags & 1) {
            msr_write(MSR_EOM, 0);
            hv.eoms++;
        }
        hv.messages++;
        if (type & 0x80000000u) {       /* a hypervisor message: not VMBus */
            hv.spurious_messages++;
            continue;
        }
        vmbus_on_message(message, size);
    }
    vmbus_on_events();
}

void hv_sint_interrupt(void)
{
    hv.sint_interrupts++;
    hv_process();
}

/* For waits: take anything delivered even if its interrupt got lost. */
void hv_poll(void)
{
    uint32_t flags = irq_save();
    hv_process();
    vmbus_poll_rings();
    irq_restore(flags);
}

void hv_init(void)
{
    uint64_t v;

    if (!hv.present) {
        kprintf("hv: no hypervisor (CPUID.1:ECX bit 31 clear): running as plain tinyos\n");
        return;
    }
    if (!hv.hyperv) {
        kprintf("hv: hypervisor \"%s\" is not Hyper-V (no \"Microsoft Hv\"/\"Hv#1\"): running as plain tinyos\n",
                hv.vendor);
        return;
    }
    kprintf("hv: Microsoft Hv (Hv#1), version %u.%u build %u, max leaf 0x%08x\n",
            hv.version >> 16, hv.version & 0xFFFF, hv.build, hv.max_leaf);
    kprintf("hv: privileges 0x%08x:%08x, features 0x%08x\n", hv.priv_high, hv.priv_low, hv.features_edx);

    /* The guest OS ID first: the hypercall page cannot be enabled while it is 0. */
    if (msr_write(MSR_GUEST_OS_ID, GUEST_OS_ID) != 0 || msr_read(MSR_GUEST_OS_ID, &v) != 0) {
        kprintf("hv: HV_X64_MSR_GUEST_OS_ID refused (#GP): no enlightenments\n");
        return;
    }
    hv.guest_os_id = v;
    kprintf("hv: guest OS ID 0x%016llx (%s)\n", v,
#ifdef TINYOS_HV_WIN
            "Microsoft Windows NT 10.0 build 19045"
#else
            "open source, Linux type, version 0.1.0 build 1"
#endif
            );

    if (!(hv.priv_low & PRIV_HYPERCALL)) {
        kprintf("hv: no AccessHypercallMsrs privilege: no hypercalls\n");
        return;
    }
    if (msr_read(MSR_HYPERCALL, &v) == 0 &&
        msr_write(MSR_HYPERCALL, (v & 0xFFEull) | (uint32_t)hypercall_page | 1) == 0 &&
        msr_read(MSR_HYPERCALL, &v) == 0 && (v & 1)) {
        hv.hypercall_enabled = 1;
        hv.hypercall_gpa = (uint32_t)v & ~0xFFFu;
        kprintf("hv: hypercall page at 0x%08x (%02x %02x %02x %02x)\n", hv.hypercall_gpa,
                hypercall_page[0], hypercall_page[1], hypercall_page[2], hypercall_page[3]);
    } else {
        kprintf("hv: the hypercall page did not enable\n");
        return;
    }

    if (!(hv.priv_low & PRIV_SYNIC)) {
        kprintf("hv: no AccessSynicRegs privilege: no SynIC, no VMBus\n");
        return;
    }
    if (!lapic_present)
        kprintf("hv: warning: no local APIC answers at 0x%08x; SINT interrupts cannot arrive\n", LAPIC_BASE);
    if (msr_read(MSR_SIMP, &v) || msr_write(MSR_SIMP, (v & 0xFFEull) | (uint32_t)simp_page | 1) ||
        msr_read(MSR_SIEFP, &v) || msr_write(MSR_SIEFP, (v & 0xFFEull) | (uint32_t)siefp_page | 1) ||
        msr_read(MSR_SINT0 + VMBUS_SINT, &v) ||
        msr_write(MSR_SINT0 + VMBUS_SINT, (v & ~(0xFFull | (1ull << 16) | (1ull << 17) | (1ull << 18))) | VEC_SINT) ||
        msr_read(MSR_SINT0 + VMBUS_SINT, &hv.sint2) ||
        msr_read(MSR_SCONTROL, &v) || msr_write(MSR_SCONTROL, v | 1)) {
        kprintf("hv: a SynIC register refused (#GP): no VMBus\n");
        return;
    }
    hv.simp_gpa = (uint32_t)simp_page;
    hv.siefp_gpa = (uint32_t)siefp_page;
    hv.synic_enabled = 1;
    kprintf("hv: SynIC on: SIMP 0x%08x, SIEFP 0x%08x, SINT2 vector 0x%02x\n",
            hv.simp_gpa, hv.siefp_gpa, (uint32_t)hv.sint2 & 0xFF);
}

uint8_t *hv_event_flags(unsigned sint)
{
    return siefp_page + sint * 256;
}

static const char *yes_no(int v) { return v ? "yes" : "no"; }

void cmd_hv(void)
{
    uint64_t v;
    if (!hv.present) {
        kprintf("hypervisor: none (CPUID.1:ECX bit 31 clear)\n");
        return;
    }
    kprintf("hypervisor:     \"%s\", max leaf 0x%08x, Hyper-V interface: %s\n",
            hv.vendor, hv.max_leaf, yes_no(hv.hyperv));
    if (!hv.hyperv)
        return;
    kprintf("version:        %u.%u build %u\n", hv.version >> 16, hv.version & 0xFFFF, hv.build);
    kprintf("privileges:     0x%08x:%08x (features edx 0x%08x)\n", hv.priv_high, hv.priv_low, hv.features_edx);
    kprintf("guest OS ID:    0x%016llx\n", hv.guest_os_id);
    if (msr_read(MSR_HYPERCALL, &v) == 0)
        kprintf("hypercall page: %s, GPA 0x%08x (MSR 0x%llx), first bytes %02x %02x %02x %02x\n",
                hv.hypercall_enabled ? "enabled" : "disabled", hv.hypercall_gpa, v,
                hypercall_page[0], hypercall_page[1], hypercall_page[2], hypercall_page[3]);
    kprintf("hypercalls:     %u made, %u failed", hv.hypercalls, hv.hypercall_failures);
    if (hv.hypercall_failures)
        kprintf(" (last: call 0x%04x -> status 0x%04x)", hv.last_failure_code, hv.last_failure_status);
    kprintf("\n");
    if (!hv.synic_enabled) {
        kprintf("SynIC:          off\n");
        return;
    }
    {
        uint64_t sc = 0, sv = 0, simp = 0, siefp = 0, sint = 0;
        msr_read(MSR_SCONTROL, &sc);
        msr_read(MSR_SVERSION, &sv);
        msr_read(MSR_SIMP, &simp);
        msr_read(MSR_SIEFP, &siefp);
        msr_read(MSR_SINT0 + VMBUS_SINT, &sint);
        kprintf("SynIC:          SCONTROL 0x%llx, SVERSION 0x%llx\n", sc, sv);
        kprintf("SIMP:           0x%llx, SIEFP 0x%llx\n", simp, siefp);
        kprintf("SINT2:          0x%llx (vector 0x%02x, %s)\n", sint, (uint32_t)sint & 0xFF,
                (sint >> 16) & 1 ? "masked" : "unmasked");
    }
    kprintf("SINT2 interrupts: %u, messages received: %u, EOMs written: %u, events: %u, other messages: %u\n",
            hv.sint_interrupts, hv.messages, hv.eoms, hv.events, hv.spurious_messages);
    kprintf("local APIC:     %s (id %u, version 0x%08x); I/O APIC: %s\n",
            lapic_present ? "present" : "absent", lapic_id, lapic_version,
            ioapic_present ? "present" : "absent");
}
