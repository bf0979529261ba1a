/* printf, written for this program: integers in decimal and hex, strings,
 * characters, and floating point in %f, %e and %g style, each with flags,
 * width and precision. The floating-point conversions take their digits from
 * decimal.c, which computes them on the x87. */
#include "runtime.h"

#define MAX_PRECISION 1000
/* The longest body: %f of the largest long double (4933 integer digits)
 * with the largest precision. */
#define BODY_SIZE (4940 + MAX_PRECISION + 16)

struct spec {
    int left;        /* '-': pad on the right */
    int plus;        /* '+': a sign on non-negative numbers too */
    int space;       /* ' ': a space where the sign of a non-negative number goes */
    int zero;        /* '0': pad with zeros after the sign */
    int alt;         /* '#': 0x for %x; keep the point (and %g's trailing zeros) */
    int width;
    int precision;   /* -1: not given */
    char length;     /* 0, 'H' (hh), 'h', 'l', 'q' (ll), 'L' */
    char conversion;
};

/* Where the characters go: COM1 (out == 0) or a buffer. */
struct sink {
    char *out;
    int size;
    int count;
};

static void emit(struct sink *s, char c)
{
    if (!s->out) {
        console_putc(c);
    } else if (s->count < s->size - 1) {
        s->out[s->count] = c;
    }
    s->count++;
}

static void emit_repeated(struct sink *s, char c, int n)
{
    while (n-- > 0) emit(s, c);
}

/* sign, then the body, padded to the width as the flags say. Zero padding
 * goes between the sign (and a 0x prefix) and the digits. */
static void emit_padded(struct sink *s, const struct spec *sp, const char *prefix, const char *body, int body_length,
                        int zero_pad_allowed)
{
    int prefix_length = 0;
    while (prefix[prefix_length]) prefix_length++;
    int pad = sp->width - prefix_length - body_length;
    if (pad < 0) pad = 0;
    int zeros = !sp->left && sp->zero && zero_pad_allowed;
    if (!sp->left && !zeros) emit_repeated(s, ' ', pad);
    for (int i = 0; i < prefix_length; i++) emit(s, prefix[i]);
    if (zeros) emit_repeated(s, '0', pad);
    for (int i = 0; i < body_length; i++) emit(s, body[i]);
    if (sp->left) emit_repeated(s, ' ', pad);
}

/* v / 10 and v % 10 of a 64-bit value with 32-bit divisions only (no
 * libgcc): the high word, then the low word 16 bits at a time, each step's
 * dividend below 10 * 2^16. */
static unsigned divide_by_ten(uint64_t *v)
{
    uint32_t high = (uint32_t)(*v >> 32), low = (uint32_t)*v;
    uint32_t q_high = high / 10, r = high % 10;
    uint32_t middle = (r << 16) | (low >> 16);
    uint32_t q_middle = middle / 10;
    r = middle % 10;
    uint32_t bottom = (r << 16) | (low & 0xFFFF);
    uint32_t q_bottom = bottom / 10;
    r = bottom % 10;
    *v = ((uint64_t)q_high << 32) | (q_middle << 16) | q_bottom;
    return r;
}

static void format_integer(struct sink *s, const struct spec *sp, uint64_t magnitude, int negative)
{
    char digits[24];
    int n = 0;
    if (sp->conversion == 'x' || sp->conversion == 'X') {
        const char *hex = sp->conversion == 'x' ? "0123456789abcdef" : "0123456789ABCDEF";
        for (uint64_t v = magnitude; v; v >>= 4) digits[n++] = hex[v & 15];
    } else {
        for (uint64_t v = magnitude; v;) digits[n++] = (char)('0' + divide_by_ten(&v));
    }
    /* The precision is the minimum number of digits; 0 with precision 0 is no digits. */
    int minimum = sp->precision < 0 ? 1 : sp->precision;
    char body[64];
    int length = 0;
    for (int i = n; i < minimum && length < 40; i++) body[length++] = '0';
    while (n > 0) body[length++] = digits[--n];

    const char *prefix = "";
    if (negative) prefix = "-";
    else if (sp->conversion == 'd' && sp->plus) prefix = "+";
    else if (sp->conversion == 'd' && sp->space) prefix = " ";
    if (sp->alt && magnitude != 0) {
        if (sp->conversion == 'x') prefix = "0x";
        if (sp->conversion == 'X') prefix = "0X";
    }
    emit_padded(s, sp, prefix, body, length, sp->precision < 0);
}

/* The digits of a floating-point number: digit[0] has place value
 * 10^exponent, digit[i] 10^(exponent - i); places past `count` are zeros. */
struct decimal {
    char digit[DECIMAL_MAX_DIGITS + 1];
    int count;
    int exponent;
};

static char digit_at(const struct decimal *d, int place)
{
    int i = d->exponent - place;
    return i >= 0 && i < d->count ? d->digit[i] : '0';
}

/* v rounded to `significant` digits (v >= 0). */
static void round_significant(long double v, int significant, struct decimal *d)
{
    if (v == 0.0L) {
        d->count = 0;
        d->exponent = 0;
        return;
    }
    d->count = significant < DECIMAL_MAX_DIGITS ? significant : DECIMAL_MAX_DIGITS;
    d->exponent = decimal_digits(v, d->count, d->digit);
}

/* v rounded to a multiple of 10^-fraction_digits (v >= 0). */
static void round_fixed(long double v, int fraction_digits, struct decimal *d)
{
    if (v == 0.0L) {
        d->count = 0;
        d->exponent = 0;
        return;
    }
    int exponent = decimal_digits(v, DECIMAL_MAX_DIGITS, d->digit);
    int significant = exponent + 1 + fraction_digits;
    if (significant >= DECIMAL_MAX_DIGITS) {
        /* More digits than the value carries: the rest are zeros. */
        d->count = DECIMAL_MAX_DIGITS;
        d->exponent = exponent;
    } else if (significant >= 1) {
        d->count = significant;
        d->exponent = decimal_digits(v, significant, d->digit);
        if (d->exponent > exponent) {
            /* Rounding carried into a new leading digit: one more place. */
            d->digit[d->count++] = '0';
        }
    } else {
        /* Below the last place: 0, or one unit of it when the value rounds up. */
        long double units = decimal_scaled_integer(v, fraction_digits);
        d->count = units != 0.0L;
        d->digit[0] = '1';
        d->exponent = -fraction_digits;
    }
}

static int put_fixed(char *body, const struct decimal *d, int fraction_digits, int alt)
{
    int n = 0;
    int top = d->exponent > 0 ? d->exponent : 0;
    for (int place = top; place >= 0; place--) body[n++] = digit_at(d, place);
    if (fraction_digits > 0 || alt) body[n++] = '.';
    for (int place = -1; place >= -fraction_digits; place--) body[n++] = digit_at(d, place);
    return n;
}

static int put_exponential(char *body, const struct decimal *d, int fraction_digits, int alt, char e)
{
    int n = 0;
    body[n++] = digit_at(d, d->exponent);
    if (fraction_digits > 0 || alt) body[n++] = '.';
    for (int i = 1; i <= fraction_digits; i++) body[n++] = digit_at(d, d->exponent - i);
    body[n++] = e;
    int x = d->count ? d->exponent : 0;
    body[n++] = x < 0 ? '-' : '+';
    if (x < 0) x = -x;
    char digits[8];
    int k = 0;
    do {
        digits[k++] = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    if (k < 2) digits[k++] = '0';
    while (k > 0) body[n++] = digits[--k];
    return n;
}

/* %g drops trailing zeros of the fraction, and the point if nothing is left. */
static int strip_trailing_zeros(char *body, int n)
{
    int point = -1, exponent_at = n;
    for (int i = 0; i < n; i++) {
        if (body[i] == '.') point = i;
        if (body[i] == 'e' || body[i] == 'E') exponent_at = i;
    }
    if (point < 0) return n;
    int end = exponent_at;
    while (end > point + 1 && body[end - 1] == '0') end--;
    if (end == point + 1) end = point;
    int m = end;
    for (int i = exponent_at; i < n; i++) body[m++] = body[i];
    return m;
}

static void format_float(struct sink *s, const struct spec *sp, long double v)
{
    static char body[BODY_SIZE];
    char c = sp->conversion;
    int upper = c == 'F' || c == 'E' || c == 'G';
    int negative = __builtin_signbit(v) != 0;
    const char *prefix = negative ? "-" : sp->plus ? "+" : sp->space ? " " : "";
    if (negative) v = -v;
    int n = 0;

    if (v != v || v == __builtin_infl()) {
        const char *word = v != v ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
        emit_padded(s, sp, prefix, word, 3, 0);
        return;
    }

    int precision = sp->precision < 0 ? 6 : sp->precision;
    if (precision > MAX_PRECISION) precision = MAX_PRECISION;
    struct decimal d;
    if (c == 'f' || c == 'F') {
        round_fixed(v, precision, &d);
        n = put_fixed(body, &d, precision, sp->alt);
    } else if (c == 'e' || c == 'E') {
        round_significant(v, precision + 1, &d);
        n = put_exponential(body, &d, precision, sp->alt, upper ? 'E' : 'e');
    } else {
        /* %g: %e's exponent X after rounding to P digits picks the style. */
        int significant = precision == 0 ? 1 : precision;
        round_significant(v, significant, &d);
        int x = d.count ? d.exponent : 0;
        if (x < significant && x >= -4) {
            round_fixed(v, significant - 1 - x, &d);
            n = put_fixed(body, &d, significant - 1 - x, sp->alt);
        } else {
            n = put_exponential(body, &d, significant - 1, sp->alt, upper ? 'E' : 'e');
        }
        if (!sp->alt) n = strip_trailing_zeros(body, n);
    }
    emit_padded(s, sp, prefix, body, n, 1);
}

static int parse_number(const char **p)
{
    int n = 0;
    while (**p >= '0' && **p <= '9') n = n * 10 + (*(*p)++ - '0');
    return n;
}

static int format_to(struct sink *s, const char *fmt, va_list ap)
{
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            emit(s, *p);
            continue;
        }
        p++;
        struct spec sp = {0, 0, 0, 0, 0, 0, -1, 0, 0};
        for (;; p++) {
            if (*p == '-') sp.left = 1;
            else if (*p == '+') sp.plus = 1;
            else if (*p == ' ') sp.space = 1;
            else if (*p == '0') sp.zero = 1;
            else if (*p == '#') sp.alt = 1;
            else break;
        }
        if (*p == '*') {
            sp.width = va_arg(ap, int);
            if (sp.width < 0) {
                sp.left = 1;
                sp.width = -sp.width;
            }
            p++;
        } else {
            sp.width = parse_number(&p);
        }
        if (*p == '.') {
            p++;
            if (*p == '*') {
                sp.precision = va_arg(ap, int);
                if (sp.precision < 0) sp.precision = -1;
                p++;
            } else {
                sp.precision = parse_number(&p);
            }
        }
        if (*p == 'h') {
            sp.length = 'h';
            if (*++p == 'h') sp.length = 'H', p++;
        } else if (*p == 'l') {
            sp.length = 'l';
            if (*++p == 'l') sp.length = 'q', p++;
        } else if (*p == 'L') {
            sp.length = 'L';
            p++;
        }
        sp.conversion = *p;
        switch (*p) {
        case 'd':
        case 'i': {
            sp.conversion = 'd';
            int64_t v = sp.length == 'q' ? va_arg(ap, int64_t) : va_arg(ap, int32_t);
            if (sp.length == 'h') v = (int16_t)v;
            if (sp.length == 'H') v = (int8_t)v;
            format_integer(s, &sp, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = sp.length == 'q' ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t);
            if (sp.length == 'h') v = (uint16_t)v;
            if (sp.length == 'H') v = (uint8_t)v;
            format_integer(s, &sp, v, 0);
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            emit_padded(s, &sp, "", &c, 1, 0);
            break;
        }
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str) str = "(null)";
            int n = 0;
            while (str[n] && (sp.precision < 0 || n < sp.precision)) n++;
            emit_padded(s, &sp, "", str, n, 0);
            break;
        }
        case 'f':
        case 'F':
        case 'e':
        case 'E':
        case 'g':
        case 'G': {
            long double v = sp.length == 'L' ? va_arg(ap, long double) : va_arg(ap, double);
            format_float(s, &sp, v);
            break;
        }
        case '%':
            emit(s, '%');
            break;
        case 0:
            p--;
            break;
        default:
            /* Unknown: shown as written, so the mistake is visible. */
            emit(s, '%');
            emit(s, *p);
            break;
        }
    }
    return s->count;
}

int print(const char *fmt, ...)
{
    struct sink s = {0, 0, 0};
    va_list ap;
    va_start(ap, fmt);
    int n = format_to(&s, fmt, ap);
    va_end(ap);
    return n;
}

int vformat(char *out, int size, const char *fmt, va_list ap)
{
    struct sink s = {out, size, 0};
    int n = format_to(&s, fmt, ap);
    if (size > 0) out[s.count < size ? s.count : size - 1] = 0;
    return n;
}

int format(char *out, int size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vformat(out, size, fmt, ap);
    va_end(ap);
    return n;
}
