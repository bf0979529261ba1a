/* Decimal digits of a long double, computed with the x87 itself: the value
 * is scaled by powers of ten (multiplications and divisions in extended
 * precision), rounded to an integer with FRNDINT under the current rounding
 * mode, and taken apart digit by digit with FPREM, which gives an exact
 * remainder. An integer below 2^64 is exact in a 64-bit significand, so once
 * the value is scaled, every step after the one rounding is exact; the digits
 * are those of the scaled value, good to about 19 significant digits (a
 * double needs 17). */
#include "runtime.h"

/* 10^(2^i), each correctly rounded to 64 bits by the compiler. */
static const long double powers_of_ten[13] = {
    1e1L, 1e2L, 1e4L, 1e8L, 1e16L, 1e32L, 1e64L, 1e128L, 1e256L, 1e512L, 1e1024L, 1e2048L, 1e4096L,
};

static long double round_to_integer(long double x)
{
    __asm__("frndint" : "+t"(x));
    return x;
}

/* x - n*y for the integer n = trunc(x/y), exactly. FPREM reduces the
 * exponent difference by at most 63 per step and says so with C2 set. */
static long double exact_remainder(long double x, long double y)
{
    uint16_t sw;
    do {
        __asm__("fprem\n\tfnstsw %0" : "=a"(sw), "+t"(x) : "u"(y));
    } while (sw & 0x0400);
    return x;
}

/* v * 10^k, one table entry at a time, largest first so that neither a tiny
 * v scaled up nor a huge v scaled down leaves the extended range. Negative k
 * divides by the entries, which is more accurate than multiplying by their
 * reciprocals (those are not exact). */
static long double scale_by_power_of_ten(long double v, int k)
{
    int n = k < 0 ? -k : k;
    for (int i = 12; i >= 0; i--) {
        if (!(n & (1 << i))) continue;
        v = k < 0 ? v / powers_of_ten[i] : v * powers_of_ten[i];
    }
    return v;
}

/* 10^n, exactly for n <= 27 (5^27 < 2^64). */
static long double exact_power_of_ten(int n)
{
    long double p = 1.0L;
    while (n-- > 0) p *= 10.0L;
    return p;
}

/* floor(log10(v)), or one off near a power of ten (the divisions round):
 * the caller corrects. Greedy over the table, so v ends in [1, 10). */
static int estimate_exponent(long double v)
{
    int e = 0;
    if (v >= 10.0L) {
        for (int i = 12; i >= 0; i--) {
            long double smaller = v / powers_of_ten[i];
            if (smaller >= 1.0L) {
                v = smaller;
                e += 1 << i;
            }
        }
    } else if (v < 1.0L) {
        for (int i = 12; i >= 0; i--) {
            long double larger = v * powers_of_ten[i];
            if (larger < 10.0L) {
                v = larger;
                e -= 1 << i;
            }
        }
    }
    return e;
}

/* v * 10^k rounded to an integer in the current rounding mode: whether a
 * value below the last place printed rounds to 0 or to one unit there. */
long double decimal_scaled_integer(long double v, int k)
{
    return round_to_integer(scale_by_power_of_ten(v, k));
}

/*
 * The first `count` (1..DECIMAL_MAX_DIGITS) significant decimal digits of
 * v > 0, rounded in the current rounding mode, as ASCII into digits[]. Returns
 * the decimal exponent of the first digit: v ~ d0.d1d2... * 10^exponent.
 */
int decimal_digits(long double v, int count, char *digits)
{
    const long double lowest = exact_power_of_ten(count - 1);
    const long double limit = exact_power_of_ten(count);
    int e = estimate_exponent(v);
    long double n = decimal_scaled_integer(v, count - 1 - e);
    /* The estimate was one too high, or the rounding carried into a new digit. */
    if (n < lowest) {
        e--;
        n = decimal_scaled_integer(v, count - 1 - e);
    }
    if (n >= limit) {
        e++;
        n = decimal_scaled_integer(v, count - 1 - e);
    }
    for (int i = count - 1; i >= 0; i--) {
        long double d = exact_remainder(n, 10.0L);
        digits[i] = (char)('0' + (int)d);
        n = (n - d) / 10.0L;
    }
    return e;
}
