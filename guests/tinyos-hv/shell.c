/* The shell of tinyos-hv: tinyos's commands, plus hv, vmbus, kvp and date. */
#include "kernel.h"
#include "lib.h"
#include "hv.h"

#define LINE_MAX 128

struct command {
    const char *name;
    const char *args;
    const char *help;
    void (*run)(const char *args);
};

static void do_help(const char *args);
static void do_uptime(const char *args);
static void do_echo(const char *args) { kprintf("%s\n", args); }
static void do_cpuinfo(const char *args) { (void)args; cmd_cpuinfo(); }
static void do_meminfo(const char *args) { (void)args; cmd_meminfo(); }
static void do_ring3(const char *args) { (void)args; cmd_ring3(); }
static void do_reboot(const char *args) { (void)args; cmd_reboot(); }
static void do_poweroff(const char *args) { (void)args; cmd_poweroff(); }
static void do_exit(const char *args);
static void do_crash(const char *args);
static void do_hv(const char *args) { (void)args; cmd_hv(); }
static void do_vmbus(const char *args) { (void)args; cmd_vmbus(); }
static void do_kvp(const char *args) { (void)args; cmd_kvp(); }
static void do_date(const char *args) { (void)args; cmd_date(); }

static const struct command commands[] = {
    {"help", "", "list the commands", do_help},
    {"uptime", "", "timer ticks and seconds since boot (100 Hz tick)", do_uptime},
    {"date", "", "the time, from the host's Time Synchronization service", do_date},
    {"cpuinfo", "", "processor vendor, model, features and hypervisor leaves", do_cpuinfo},
    {"meminfo", "", "memory sizes and map from the Multiboot information", do_meminfo},
    {"ring3", "", "run a task in ring 3 that makes int 0x80 system calls", do_ring3},
    {"hv", "", "hypervisor, guest OS ID, hypercall page and SynIC state", do_hv},
    {"vmbus", "", "VMBus version and channels", do_vmbus},
    {"kvp", "", "key-value pairs the host has set (pool 0), and ours (pool 2)", do_kvp},
    {"echo", "ARGS", "print ARGS", do_echo},
    {"reboot", "", "reset (Hyper-V reset MSR or i8042, else a triple fault)", do_reboot},
    {"poweroff", "", "ACPI soft-off (port 0x604), else the exit port", do_poweroff},
    {"exit", "N", "write N (0-255) to the test-exit port 0xF4", do_exit},
    {"crash", "", "execute UD2 to show the exception handler (halts)", do_crash},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void do_help(const char *args)
{
    unsigned i;
    (void)args;
    kprintf("commands:\n");
    for (i = 0; i < NCOMMANDS; i++) {
        char usage[24];
        snprintf(usage, sizeof usage, "%s%s%s", commands[i].name,
                 commands[i].args[0] ? " " : "", commands[i].args);
        kprintf("  %-12s %s\n", usage, commands[i].help);
    }
}

static void do_uptime(const char *args)
{
    uint32_t t = timer_ticks();
    (void)args;
    kprintf("up %u.%02u s (%u ticks at %u Hz)\n", t / TIMER_HZ, t % TIMER_HZ, t, TIMER_HZ);
    kprintf("tick: %s", tick_source);
    if (ref_time_is_hv()) {
        uint32_t rem;
        uint64_t ms = udiv64(ref_time_100ns(), 10000, &rem);
        uint32_t frac;
        uint64_t s = udiv64(ms, 1000, &frac);
        kprintf("; partition reference time %u.%03u s", (uint32_t)s, frac);
    }
    kprintf("\n");
}

static void do_exit(const char *args)
{
    uint32_t n;
    if (parse_uint(args, &n) != 0 || n > 255) {
        kprintf("exit: expected a status from 0 to 255, got \"%s\"\n", args);
        return;
    }
    kprintf("exit: writing %u to port 0xF4\n", n);
    test_exit((uint8_t)n);
    kprintf("exit: nothing listens on port 0xF4; still running\n");
}

static void do_crash(const char *args)
{
    (void)args;
    kprintf("crash: executing UD2\n");
    __asm__ volatile("ud2");
}

void shell_run(void)
{
    static char line[LINE_MAX];

    for (;;) {
        char *cmd, *args, *end;
        unsigned i;

        kprintf("tinyos> ");
        console_readline(line, sizeof line);

        /* Split into the command word and the rest, both trimmed. */
        cmd = line;
        while (is_space(*cmd))
            cmd++;
        if (!*cmd)
            continue;
        args = cmd;
        while (*args && !is_space(*args))
            args++;
        if (*args)
            *args++ = 0;
        while (is_space(*args))
            args++;
        end = args + strlen(args);
        while (end > args && is_space(end[-1]))
            *--end = 0;

        for (i = 0; i < NCOMMANDS; i++)
            if (!strcmp(cmd, commands[i].name))
                break;
        if (i == NCOMMANDS) {
            kprintf("%s: unknown command (type 'help')\n", cmd);
            continue;
        }
        commands[i].run(args);
    }
}
