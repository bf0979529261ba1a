/* The x87's transcendental instructions, through inline asm (gcc would call
 * libm). Their last bits depend on how each implementation approximates the
 * function, so every line here starts with "~": a comparison with the
 * reference output takes these lines within a tolerance (a few units in the
 * 53rd bit), the others exactly. */
#include "runtime.h"

static long double x87_sin(long double x)
{
    __asm__("fsin" : "+t"(x));
    return x;
}

static long double x87_cos(long double x)
{
    __asm__("fcos" : "+t"(x));
    return x;
}

/* FPTAN pushes 1.0 above tan(x). */
static long double x87_tan(long double x)
{
    long double one;
    __asm__("fptan" : "=t"(one), "=u"(x) : "0"(x));
    (void)one;
    return x;
}

/* FPATAN: arctan(y / x) with the quadrant of (x, y). */
static long double x87_atan2(long double y, long double x)
{
    long double r;
    __asm__("fpatan" : "=t"(r) : "0"(x), "u"(y) : "st(1)");
    return r;
}

/* FYL2X: y * log2(x). */
static long double x87_ylog2x(long double y, long double x)
{
    long double r;
    __asm__("fyl2x" : "=t"(r) : "0"(x), "u"(y) : "st(1)");
    return r;
}

/* FYL2XP1: y * log2(x + 1), for small x. */
static long double x87_ylog2xp1(long double y, long double x)
{
    long double r;
    __asm__("fyl2xp1" : "=t"(r) : "0"(x), "u"(y) : "st(1)");
    return r;
}

/* F2XM1: 2^x - 1 for x in [-1, 1]. */
static long double x87_2xm1(long double x)
{
    __asm__("f2xm1" : "+t"(x));
    return x;
}

static void show_approximate(const char *label, long double v)
{
    char name[40];
    format(name, sizeof name, "~ %s", label);
    show_ld(name, v);
}

void section_transcendental(void)
{
    section("transcendental instructions (lines marked ~ depend on their accuracy)");
    show_approximate("fsin(1)", x87_sin(OPAQUE(1.0L)));
    show_approximate("fsin(-0.5)", x87_sin(OPAQUE(-0.5L)));
    show_approximate("fcos(1)", x87_cos(OPAQUE(1.0L)));
    show_approximate("fcos(3)", x87_cos(OPAQUE(3.0L)));
    show_approximate("fptan(0.5)", x87_tan(OPAQUE(0.5L)));
    show_approximate("fpatan(1, 1) = pi/4", x87_atan2(OPAQUE(1.0L), OPAQUE(1.0L)));
    show_approximate("fpatan(1, -2)", x87_atan2(OPAQUE(1.0L), OPAQUE(-2.0L)));
    show_approximate("fyl2x(1, 10) = log2(10)", x87_ylog2x(OPAQUE(1.0L), OPAQUE(10.0L)));
    show_approximate("fyl2x(ln2, 7) = ln(7)", x87_ylog2x(OPAQUE(0.693147180559945309417L), OPAQUE(7.0L)));
    show_approximate("fyl2xp1(1, 1e-5)", x87_ylog2xp1(OPAQUE(1.0L), OPAQUE(1e-5L)));
    show_approximate("f2xm1(0.5)", x87_2xm1(OPAQUE(0.5L)));
    show_approximate("f2xm1(-0.25)", x87_2xm1(OPAQUE(-0.25L)));
    /* Exact on any implementation: sin(0) = 0, cos(0) = 1, log2(8) = 3, 2^1 - 1 = 1. */
    show_ld("fsin(0)", x87_sin(OPAQUE(0.0L)));
    show_ld("fcos(0)", x87_cos(OPAQUE(0.0L)));
    show_ld("fyl2x(1, 8)", x87_ylog2x(OPAQUE(1.0L), OPAQUE(8.0L)));
    show_ld("f2xm1(1)", x87_2xm1(OPAQUE(1.0L)));
}
