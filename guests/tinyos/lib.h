/* Freestanding helpers. Everything here is pure (no I/O, no privileged
 * instructions), so code running at CPL 3 may call it too. */
#ifndef TINYOS_LIB_H
#define TINYOS_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
size_t strlcpy(char *dst, const char *src, size_t size);

int is_space(int c);
/* Parses a decimal or 0x-prefixed hexadecimal number filling the whole
 * string. Returns 0 on success, -1 on a malformed or too large number. */
int parse_uint(const char *s, uint32_t *out);

/* printf subset: %d %u %x %X %s %c %p %%, flags '-' and '0', a field width,
 * and 'l' / 'll' size prefixes (ll takes a 64-bit value; only with x/X). */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
