/* System calls: INT 0x80 from ring 3 through a DPL 3 trap gate. The
 * processor switches to the TSS's SS0:ESP0 stack before the handler runs.
 *   eax = 1 write(ebx = string, ecx = length) -> bytes written
 *   eax = 2 ticks()                           -> timer ticks since boot
 *   eax = 3 exit(ebx = status)                   does not return
 * Unknown numbers return -38 (ENOSYS); a bad buffer returns -22 (EINVAL). */
#include "io.h"
#include "kernel.h"

#define ENOSYS 38
#define EINVAL 22
#define WRITE_MAX 1024

int ring3_active;

static void trace_entry(const struct int_frame *f)
{
    uint32_t esp0 = tss_kernel_stack();
    uint32_t frame = (uint32_t)f;
    kprintf("  [int 0x80 from %04x:%08x, user esp %08x; kernel frame at %08x = ESP0-%u]\n",
            f->cs, f->eip, f->user_esp, frame, esp0 - frame);
}

void syscall_handle(struct int_frame *f)
{
    uint32_t nr = f->eax;

    if ((f->cs & 3) != 3 || !ring3_active) {
        f->eax = (uint32_t)-EINVAL;     /* only the ring 3 task makes system calls */
        return;
    }
    trace_entry(f);

    switch (nr) {
    case SYS_WRITE: {
        uint32_t p = f->ebx, n = f->ecx;
        if (n > WRITE_MAX || p + n < p) {
            kprintf("  write(%08x, %u) -> rejected\n", p, n);
            f->eax = (uint32_t)-EINVAL;
            break;
        }
        kprintf("  write(%08x, %u)\n", p, n);
        console_write((const char *)p, n);
        f->eax = n;
        break;
    }
    case SYS_TICKS:
        f->eax = timer_ticks();
        kprintf("  ticks() -> %u\n", f->eax);
        break;
    case SYS_EXIT:
        kprintf("  exit(%d)\n", (int)f->ebx);
        ring3_active = 0;
        ring3_leave((int)f->ebx);
    default:
        kprintf("  unknown system call %u -> -%u\n", nr, ENOSYS);
        f->eax = (uint32_t)-ENOSYS;
        break;
    }
}
