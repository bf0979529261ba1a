/* Leaving the machine: ACPI soft-off, reset (the hypervisor's reset MSR when
 * the partition may use it, else the i8042, else a triple fault), and the
 * test-exit port. */
#include "io.h"
#include "kernel.h"
#include "hv.h"

#define I8042_STATUS 0x64
#define I8042_CMD    0x64
#define I8042_INPUT_FULL 0x02
#define I8042_PULSE_RESET 0xFE

#define ACPI_PM1A_CNT 0x604
#define ACPI_SLP_EN   0x2000    /* SLP_EN with SLP_TYP 0: soft-off */

#define EXIT_PORT 0xF4

#define MSR_RESET   0x40000003
#define PRIV_RESET  (1u << 7)

/* Busy-waits: usable with interrupts off (the host's shutdown request is
 * handled in the SINT interrupt). The partition reference counter when
 * there is one, else a spin count. */
void delay_ms(uint32_t ms)
{
    if (ref_time_is_hv()) {
        uint64_t start = ref_time_100ns();
        uint32_t guard = 0;
        while (ref_time_100ns() - start < (uint64_t)ms * 10000u && ++guard < ms * 200000u)
            cpu_pause();
    } else {
        for (uint32_t i = 0; i < ms * 2000u; i++)
            cpu_pause();
    }
}

void halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

void power_reset(void)
{
    if (hv.hyperv && (hv.priv_low & PRIV_RESET)) {
        kprintf("reboot: writing 1 to HV_X64_MSR_RESET (0x40000003)\n");
        msr_write(MSR_RESET, 1);
        delay_ms(500);
    }
    if (!apic_mode) {
        int spins = 100000;
        kprintf("reboot: pulsing the reset line (i8042 command 0xFE to port 0x64)\n");
        while ((inb(I8042_STATUS) & I8042_INPUT_FULL) && --spins)
            ;
        outb(I8042_CMD, I8042_PULSE_RESET);
        delay_ms(500);
    }
    kprintf("reboot: still running; forcing a triple fault\n");
    reboot_triple_fault();
}

void power_off(void)
{
    kprintf("poweroff: ACPI PM1a_CNT (port 0x604) <- 0x2000\n");
    outw(ACPI_PM1A_CNT, ACPI_SLP_EN);
    delay_ms(500);
    kprintf("poweroff: still running; writing 0 to the exit port 0xF4\n");
    outb(EXIT_PORT, 0);
    delay_ms(500);
    kprintf("poweroff: no way to turn the machine off; halting\n");
    halt_forever();
}

void cmd_reboot(void) { power_reset(); }
void cmd_poweroff(void) { power_off(); }

void test_exit(uint8_t status)
{
    outb(EXIT_PORT, status);
}
