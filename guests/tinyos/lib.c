/* Freestanding string, memory and formatting helpers. */
#include "lib.h"

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        d += n;
        s += n;
        while (n--)
            *--d = *--s;
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x < *y ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size) {
        size_t k = n < size - 1 ? n : size - 1;
        memcpy(dst, src, k);
        dst[k] = 0;
    }
    return n;
}

int is_space(int c)
{
    return c == ' ' || c == '\t';
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return 99;
}

int parse_uint(const char *s, uint32_t *out)
{
    uint32_t base = 10, v = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return -1;
    for (; *s; s++) {
        uint32_t d = (uint32_t)digit_value(*s);
        if (d >= base)
            return -1;
        if (v > (0xFFFFFFFFu - d) / base)
            return -1;
        v = v * base + d;
    }
    *out = v;
    return 0;
}

/* Output cursor for vsnprintf: counts everything, stores what fits. */
struct out {
    char *buf;
    size_t size;
    size_t len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_field(struct out *o, const char *s, size_t n, int width, int left, char pad)
{
    int fill = width > (int)n ? width - (int)n : 0;
    if (!left) {
        /* Zero padding goes after a sign. */
        if (pad == '0' && n && *s == '-') {
            put(o, '-');
            s++;
            n--;
        }
        while (fill-- > 0)
            put(o, pad);
    }
    while (n--)
        put(o, *s++);
    if (left)
        while (fill-- > 0)
            put(o, ' ');
}

/* Digits of v in base 10 or 16, most significant first; returns the count. */
static size_t u32_digits(char *tmp, uint32_t v, unsigned base, int upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char rev[12];
    size_t n = 0, i;
    do {
        rev[n++] = digits[v % base];
        v /= base;
    } while (v);
    for (i = 0; i < n; i++)
        tmp[i] = rev[n - 1 - i];
    return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = {buf, size, 0};
    char tmp[24];

    for (; *fmt; fmt++) {
        int left = 0, width = 0, longs = 0;
        char pad = ' ';
        size_t n;

        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        for (;; fmt++) {
            if (*fmt == '-')
                left = 1;
            else if (*fmt == '0')
                pad = '0';
            else
                break;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l') {
            longs++;
            fmt++;
        }
        switch (*fmt) {
        case 'd': {
            int v = va_arg(ap, int);
            uint32_t m = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
            n = 0;
            if (v < 0)
                tmp[n++] = '-';
            n += u32_digits(tmp + n, m, 10, 0);
            put_field(&o, tmp, n, width, left, pad);
            break;
        }
        case 'u':
            n = u32_digits(tmp, va_arg(ap, uint32_t), 10, 0);
            put_field(&o, tmp, n, width, left, pad);
            break;
        case 'x':
        case 'X':
            if (longs >= 2) {
                uint64_t v = va_arg(ap, uint64_t);
                uint32_t hi = (uint32_t)(v >> 32), lo = (uint32_t)v;
                if (hi) {
                    /* the high digits, then all eight low digits */
                    char lod[8];
                    size_t k, i;
                    n = u32_digits(tmp, hi, 16, *fmt == 'X');
                    k = u32_digits(lod, lo, 16, *fmt == 'X');
                    for (i = k; i < 8; i++)
                        tmp[n++] = '0';
                    for (i = 0; i < k; i++)
                        tmp[n++] = lod[i];
                } else {
                    n = u32_digits(tmp, lo, 16, *fmt == 'X');
                }
            } else {
                n = u32_digits(tmp, va_arg(ap, uint32_t), 16, *fmt == 'X');
            }
            put_field(&o, tmp, n, width, left, pad);
            break;
        case 'p':
            tmp[0] = '0';
            tmp[1] = 'x';
            n = 2 + u32_digits(tmp + 2, (uint32_t)(uintptr_t)va_arg(ap, void *), 16, 0);
            put_field(&o, tmp, n, width, left, pad);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            put_field(&o, s, strlen(s), width, left, ' ');
            break;
        }
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            put_field(&o, tmp, 1, width, left, ' ');
            break;
        case '%':
            put(&o, '%');
            break;
        case 0:
            fmt--;
            break;
        default:
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = 0;
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
