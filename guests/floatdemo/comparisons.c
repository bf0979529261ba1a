/* Comparisons, which gcc -march=i686 compiles to FCOMI/FUCOMI(P) setting
 * EFLAGS directly, and selections compiled to FCMOVcc and CMOVcc. With a NaN
 * every ordered comparison is false and != is true. */
#include "runtime.h"

/* Kept out of line so the comparisons are made here, on the FPU. */
static __attribute__((noinline)) int compare_all(double a, double b)
{
    return (a < b) << 5 | (a <= b) << 4 | (a == b) << 3 | (a != b) << 2 | (a >= b) << 1 | (a > b);
}

static __attribute__((noinline)) int compare_all_long(long double a, long double b)
{
    return (a < b) << 5 | (a <= b) << 4 | (a == b) << 3 | (a != b) << 2 | (a >= b) << 1 | (a > b);
}

static __attribute__((noinline)) double select_double(double a, double b, int which)
{
    return which ? a : b;      /* FCMOVE / FCMOVNE */
}

static __attribute__((noinline)) int select_int(double a, double b, int x, int y)
{
    return a < b ? x : y;      /* FCOMI then CMOVcc */
}

static __attribute__((noinline)) int unordered(double a, double b)
{
    return __builtin_isunordered(a, b);
}

static void show_comparison(const char *label, int mask)
{
    print("%-34s < %d  <= %d  == %d  != %d  >= %d  > %d\n", label, mask >> 5 & 1, mask >> 4 & 1, mask >> 3 & 1,
          mask >> 2 & 1, mask >> 1 & 1, mask & 1);
}

void section_comparisons(void)
{
    section("comparisons");
    double nan = OPAQUE(__builtin_nan(""));
    double inf = OPAQUE(__builtin_inf());
    show_comparison("1.0 vs 2.0", compare_all(1.0, 2.0));
    show_comparison("2.0 vs 1.0", compare_all(2.0, 1.0));
    show_comparison("1.5 vs 1.5", compare_all(1.5, 1.5));
    show_comparison("-0.0 vs 0.0", compare_all(-0.0, 0.0));
    show_comparison("nan vs 1.0", compare_all(nan, 1.0));
    show_comparison("nan vs nan", compare_all(nan, nan));
    show_comparison("inf vs 1.7976931348623157e308", compare_all(inf, 1.7976931348623157e308));
    show_comparison("-inf vs -inf", compare_all(-inf, -inf));
    show_comparison("4.9e-324 vs 0.0", compare_all(4.9e-324, 0.0));
    show_comparison("(1 + 2^-63)L vs 1.0L", compare_all_long(1.0L + 0x1p-63L, 1.0L));
    show_comparison("nan L vs 0.0L", compare_all_long(__builtin_nanl(""), 0.0L));
    print("%-34s %d %d %d\n", "isunordered(nan,1) (1,nan) (1,2)", unordered(nan, 1.0), unordered(1.0, nan),
          unordered(1.0, 2.0));
    print("%-34s %g %g\n", "select (fcmov) 1 ? 3 : 4, 0 ? 3 : 4", select_double(3.0, 4.0, 1), select_double(3.0, 4.0, 0));
    print("%-34s %d %d %d\n", "a < b ? 10 : 20 (cmov) 1<2 2<1 nan", select_int(1.0, 2.0, 10, 20),
          select_int(2.0, 1.0, 10, 20), select_int(nan, 1.0, 10, 20));
    check("nan != nan", nan != nan);
    check("!(nan < 1) && !(nan >= 1)", !(nan < 1.0) && !(nan >= 1.0));
    check("-0.0 == 0.0", OPAQUE(-0.0) == 0.0);
}
