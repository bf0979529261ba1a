/* The local APIC (xAPIC, MMIO at 0xFEE00000) and the I/O APIC (0xFEC00000).
 * Paging is off, so both are reached at their physical addresses. A missing
 * device reads as all ones. */
#include "io.h"
#include "kernel.h"
#include "hv.h"

#define LAPIC_ID      0x020
#define LAPIC_VERSION 0x030
#define LAPIC_TPR     0x080
#define LAPIC_EOI     0x0B0
#define LAPIC_SVR     0x0F0
#define LAPIC_LINT0   0x350
#define LAPIC_LINT1   0x360

#define SVR_ENABLE    0x100
#define LVT_MASKED    0x10000
#define LVT_EXTINT    0x700
#define LVT_NMI       0x400

#define IOREGSEL      0x00
#define IOWIN         0x10
#define IOAPIC_VER    0x01
#define IOAPIC_REDTBL 0x10

int lapic_present, ioapic_present, apic_mode;
uint32_t lapic_id, lapic_version, ioapic_version;

uint32_t lapic_read(uint32_t reg) { return mmio_read32(LAPIC_BASE + reg); }
void lapic_write(uint32_t reg, uint32_t value) { mmio_write32(LAPIC_BASE + reg, value); }

static uint32_t ioapic_read(uint32_t reg)
{
    mmio_write32(IOAPIC_BASE + IOREGSEL, reg);
    return mmio_read32(IOAPIC_BASE + IOWIN);
}

static void ioapic_write(uint32_t reg, uint32_t value)
{
    mmio_write32(IOAPIC_BASE + IOREGSEL, reg);
    mmio_write32(IOAPIC_BASE + IOWIN, value);
}

void apic_probe(void)
{
    lapic_version = lapic_read(LAPIC_VERSION);
    lapic_present = lapic_version != 0xFFFFFFFFu && lapic_version != 0;
    lapic_id = lapic_present ? lapic_read(LAPIC_ID) >> 24 : 0;
    ioapic_version = ioapic_read(IOAPIC_VER);
    ioapic_present = ioapic_version != 0xFFFFFFFFu && ioapic_version != 0;
    /* Interrupts come through the I/O APIC only when both are there. */
    apic_mode = lapic_present && ioapic_present;
}

/* Software-enables the local APIC with the spurious vector, accepting every
 * priority. virtual_wire: the 8259 stays the source of device interrupts,
 * through LINT0 as ExtINT (the PC's virtual wire mode), NMI on LINT1. */
void lapic_enable(int virtual_wire)
{
    if (!lapic_present)
        return;
    lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
    lapic_write(LAPIC_TPR, 0);
    if (virtual_wire) {
        lapic_write(LAPIC_LINT0, LVT_EXTINT);
        lapic_write(LAPIC_LINT1, LVT_NMI);
    } else {
        lapic_write(LAPIC_LINT0, LVT_MASKED);
        lapic_write(LAPIC_LINT1, LVT_NMI);
    }
}

void lapic_eoi(void)
{
    if (lapic_present)
        lapic_write(LAPIC_EOI, 0);
}

/* Pin -> vector: fixed delivery, physical destination (this CPU's APIC id),
 * active high, edge triggered (an ISA line), unmasked. The high half first,
 * so the entry never points anywhere half-written while unmasked. */
void ioapic_route(unsigned pin, uint8_t vector)
{
    ioapic_write(IOAPIC_REDTBL + 2 * pin, LVT_MASKED);
    ioapic_write(IOAPIC_REDTBL + 2 * pin + 1, lapic_id << 24);
    ioapic_write(IOAPIC_REDTBL + 2 * pin, vector);
}
