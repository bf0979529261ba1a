/* The `ring3` command: run a small task at CPL 3 that talks to the kernel
 * only through INT 0x80, then come back to the shell. */
#include "io.h"
#include "kernel.h"
#include "lib.h"

#define USER_STACK_SIZE 8192

extern int ring3_active;
extern void ring3_trampoline(void);   /* boot.asm: calls the task, then exit */
static uint8_t user_stack[USER_STACK_SIZE] __attribute__((aligned(16)));

/* ---- user side: runs at CPL 3, no I/O, no privileged instructions ---- */

static uint32_t user_syscall(uint32_t nr, uint32_t a, uint32_t b)
{
    uint32_t ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b) : "memory");
    return ret;
}

static void user_print(const char *s)
{
    user_syscall(SYS_WRITE, (uint32_t)s, strlen(s));
}

static int user_task(void)
{
    char line[96];
    uint16_t cs = read_cs();
    uint32_t t, bad;

    snprintf(line, sizeof line, "hello from ring 3 (CS=%04x, CPL %u)\n", cs, cs & 3u);
    user_print(line);

    t = user_syscall(SYS_TICKS, 0, 0);
    snprintf(line, sizeof line, "ring 3 read the tick counter: %u ticks since boot\n", t);
    user_print(line);

    bad = user_syscall(99, 0, 0);
    snprintf(line, sizeof line, "ring 3 got %d from system call 99\n", (int)bad);
    user_print(line);

    user_syscall(SYS_EXIT, 0, 0);
    return 1;   /* not reached: exit does not return */
}

/* ---- kernel side ---- */

void cmd_ring3(void)
{
    uint32_t stack_top = (uint32_t)(user_stack + USER_STACK_SIZE);
    int status;

    kprintf("ring3: TSS.ESP0 = %08x (SS0 %04x), the ring 0 stack for entries from ring 3\n",
            tss_kernel_stack(), SEL_KERNEL_DS);
    kprintf("ring3: IRET to %04x:%08x with user stack %04x:%08x, EFLAGS 00000202;"
            " the task starts at %08x\n",
            SEL_USER_CS, (uint32_t)ring3_trampoline, SEL_USER_DS, stack_top,
            (uint32_t)user_task);
    ring3_active = 1;
    status = ring3_enter(user_task, (void *)stack_top);
    kprintf("ring3: back in ring %u (CS=%04x), task exit status %d\n",
            read_cs() & 3u, read_cs(), status);
}
