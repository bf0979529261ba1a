/* Setting up the x87 as an operating system does, and access to its control,
 * status and tag words. */
#include "runtime.h"

#define CR0_MP (1u << 1)     /* WAIT/FWAIT honours TS */
#define CR0_EM (1u << 2)     /* x87 instructions raise #NM: no FPU */
#define CR0_TS (1u << 3)     /* task switched: the next x87 instruction raises #NM */
#define CR0_NE (1u << 5)     /* unmasked x87 exceptions raise #MF, not FERR#/IRQ 13 */

uint32_t read_cr0(void)
{
    uint32_t cr0;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    return cr0;
}

static void write_cr0(uint32_t cr0)
{
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
}

/* CR0: an FPU is present (EM clear), WAIT checks TS (MP), errors are
 * reported natively (NE); then FNINIT and the control word Linux and the
 * System V i386 ABI use: every exception masked, 64-bit significands, round
 * to nearest. */
void fpu_init(void)
{
    write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
    __asm__ volatile("fninit");
    fpu_set_control_word(FPU_CW_DEFAULT);
}

uint16_t fpu_control_word(void)
{
    uint16_t cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    return cw;
}

void fpu_set_control_word(uint16_t cw)
{
    __asm__ volatile("fldcw %0" : : "m"(cw) : "memory");
}

uint16_t fpu_status_word(void)
{
    uint16_t sw;
    __asm__ volatile("fnstsw %0" : "=a"(sw));
    return sw;
}

/* The tag word from the 28-byte protected-mode environment FNSTENV writes.
 * FNSTENV also masks every exception, so the control word is put back. */
uint16_t fpu_tag_word(void)
{
    uint32_t env[7];
    __asm__ volatile("fnstenv %0\n\tfldenv %0" : "=m"(env) : : "memory");
    return (uint16_t)env[2];
}

void fpu_clear_exceptions(void)
{
    __asm__ volatile("fnclex" : : : "memory");
}

/* The six sticky exception flags (IE DE ZE OE UE PE) of the status word. */
uint16_t fpu_exception_flags(void)
{
    return fpu_status_word() & 0x3F;
}
