/* How the sections print: one line per value with its decimal form and its
 * bit pattern, and the program's own checks (properties any IEEE 754 x87
 * has, counted for the exit status). */
#include "runtime.h"

static int failed;

union float_bits {
    float f;
    uint32_t u;
};
union double_bits {
    double d;
    uint64_t u;
};
union long_double_bits {
    long double ld;
    struct {
        uint64_t significand;
        uint16_t sign_exponent;
    } __attribute__((packed)) parts;
};

uint32_t bits_f(float v)
{
    union float_bits b = {.f = v};
    return b.u;
}

uint64_t bits_d(double v)
{
    union double_bits b = {.d = v};
    return b.u;
}

float float_from_bits(uint32_t bits)
{
    union float_bits b = {.u = bits};
    return b.f;
}

double double_from_bits(uint64_t bits)
{
    union double_bits b = {.u = bits};
    return b.d;
}

long double long_double_from_bits(uint16_t sign_exponent, uint64_t significand)
{
    union long_double_bits b;
    b.ld = 0.0L;
    b.parts.significand = significand;
    b.parts.sign_exponent = sign_exponent;
    return b.ld;
}

void section(const char *name)
{
    print("\n== %s\n", name);
}

void show_f(const char *label, float v)
{
    print("%-34s %.9g [%08x]\n", label, v, bits_f(v));
}

void show_d(const char *label, double v)
{
    print("%-34s %.17g [%016llx]\n", label, v, bits_d(v));
}

void show_ld(const char *label, long double v)
{
    union long_double_bits b;
    b.ld = v;
    print("%-34s %.21Lg [%04x:%016llx]\n", label, v, b.parts.sign_exponent, b.parts.significand);
}

void show_i(const char *label, int32_t v)
{
    print("%-34s %d [%08x]\n", label, v, (uint32_t)v);
}

void show_ll(const char *label, int64_t v)
{
    print("%-34s %lld [%016llx]\n", label, v, (uint64_t)v);
}

/* The exception flags by name, e.g. "ZE PE", or "none". */
void show_flags(const char *label, uint16_t flags)
{
    static const char *const names[6] = {"IE", "DE", "ZE", "OE", "UE", "PE"};
    print("%-34s", label);
    if (!flags) print(" none");
    for (int i = 0; i < 6; i++) {
        if (flags & (1 << i)) print(" %s", names[i]);
    }
    print(" [%02x]\n", flags);
}

void check(const char *what, int ok)
{
    print("check %-60s %s\n", what, ok ? "ok" : "FAILED");
    if (!ok) failed++;
}

int checks_failed(void)
{
    return failed;
}
