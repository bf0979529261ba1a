/* Conversions between int, long long, float, double and long double, both
 * ways: exact widenings, narrowings that round (halfway cases go to even),
 * truncation of the C casts to integers, and values out of range, which the
 * x87 turns into the integer indefinite (0x80000000...). */
#include "runtime.h"

void section_conversions(void)
{
    section("conversions");
    show_f("(float)16777217 (halfway, to even)", OPAQUE((float)OPAQUE(16777217)));
    show_f("(float)16777219 (halfway, to even)", OPAQUE((float)OPAQUE(16777219)));
    show_f("(float)2147483647", OPAQUE((float)OPAQUE(2147483647)));
    show_d("(double)2147483647", OPAQUE((double)OPAQUE(2147483647)));
    show_d("(double)-2147483648", OPAQUE((double)OPAQUE((int32_t)-2147483647 - 1)));
    show_d("(double)4294967295u", OPAQUE((double)OPAQUE(4294967295u)));
    show_d("(double)9007199254740993LL", OPAQUE((double)OPAQUE(9007199254740993LL)));
    show_d("(double)9223372036854775807LL", OPAQUE((double)OPAQUE(9223372036854775807LL)));
    show_ld("(long double)9223372036854775807LL", (long double)OPAQUE(9223372036854775807LL));
    show_ld("(long double)-9223372036854775807LL", (long double)OPAQUE(-9223372036854775807LL));

    show_f("(float)(1 + 2^-24) (halfway)", OPAQUE((float)OPAQUE(1.0 + 0x1p-24)));
    show_f("(float)(1 + 3*2^-24) (halfway)", OPAQUE((float)OPAQUE(1.0 + 0x3p-24)));
    show_f("(float)0.1", OPAQUE((float)OPAQUE(0.1)));
    show_f("(float)1e39 (overflow)", OPAQUE((float)OPAQUE(1e39)));
    show_d("(double)0.1f (exact widening)", OPAQUE((double)OPAQUE(0.1f)));
    show_d("(double)(1 + 2^-53)L (halfway)", OPAQUE((double)OPAQUE(1.0L + 0x1p-53L)));
    show_d("(double)(1 + 3*2^-53)L (halfway)", OPAQUE((double)OPAQUE(1.0L + 0x3p-53L)));
    show_d("(double)(1/3.0L)", OPAQUE((double)(1.0L / OPAQUE(3.0L))));
    show_d("(double)1e400L (overflow)", OPAQUE((double)OPAQUE(1e400L)));
    show_ld("(long double)0.1 (exact widening)", (long double)OPAQUE(0.1));

    show_i("(int)2.5", (int)OPAQUE(2.5));
    show_i("(int)-2.5", (int)OPAQUE(-2.5));
    show_i("(int)2.9999999", (int)OPAQUE(2.9999999));
    show_i("(int)-2.9999999", (int)OPAQUE(-2.9999999));
    show_i("(int)2147483647.9", (int)OPAQUE(2147483647.9));
    show_i("(int)3e9 (out of range)", (int)OPAQUE(3e9));
    show_i("(int)-1e10f (out of range)", (int)OPAQUE(-1e10f));
    show_ll("(long long)1e18", (long long)OPAQUE(1e18));
    show_ll("(long long)-9.2e18", (long long)OPAQUE(-9.2e18));
    show_ll("(long long)1.5e19 (out of range)", (long long)OPAQUE(1.5e19));
    show_ll("(long long)123456789012.75L", (long long)OPAQUE(123456789012.75L));
    uint64_t big = (unsigned long long)OPAQUE(1.5e19);
    uint32_t four_billion = (unsigned)OPAQUE(4e9);
    print("%-34s %llu [%016llx]\n", "(unsigned long long)1.5e19", big, big);
    print("%-34s %u [%08x]\n", "(unsigned)4e9", four_billion, four_billion);
    check("(int)-2.5 == -2 (truncation)", (int)OPAQUE(-2.5) == -2);
    check("(float)16777217 == 16777216 (ties to even)", OPAQUE((float)OPAQUE(16777217)) == 16777216.0f);
    check("(long long)(long double)(2^63 - 1) round-trips",
          (long long)(long double)OPAQUE(9223372036854775807LL) == 9223372036854775807LL);
}
