/* buf.c — growable byte buffer with sticky allocation failure. */
#include "buf.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"

void cvm_buf_init(cvm_buf *b, const cvm_allocator *al)
{
    memset(b, 0, sizeof *b);
    b->al = al;
}

void cvm_buf_free(cvm_buf *b)
{
    cvm_free(b->al, b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

bool cvm_buf_ok(const cvm_buf *b) { return !b->failed; }

bool cvm_buf_reserve(cvm_buf *b, size_t n)
{
    if (b->failed)
        return false;
    if (n > SIZE_MAX - b->len - 1) {
        b->failed = true;
        return false;
    }
    size_t need = b->len + n + 1; /* room for a terminating NUL */
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *d = cvm_realloc(b->al, b->data, cap);
    if (!d) {
        b->failed = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

void cvm_buf_put(cvm_buf *b, const void *p, size_t n)
{
    if (!n || !cvm_buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

void cvm_buf_byte(cvm_buf *b, uint8_t v) { cvm_buf_put(b, &v, 1); }

void cvm_buf_str(cvm_buf *b, const char *s) { cvm_buf_put(b, s, strlen(s)); }

void cvm_buf_vprintf(cvm_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if (!cvm_buf_reserve(b, (size_t)n))
        return;
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void cvm_buf_printf(cvm_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cvm_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void cvm_buf_uvarint(cvm_buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        tmp[n++] = byte | (v ? 0x80 : 0);
    } while (v);
    cvm_buf_put(b, tmp, n);
}

void cvm_buf_svarint(cvm_buf *b, int64_t v)
{
    cvm_buf_uvarint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

uint8_t *cvm_buf_take(cvm_buf *b, size_t *len)
{
    if (b->failed || !cvm_buf_reserve(b, 0)) {
        cvm_buf_free(b);
        b->failed = false;
        return NULL;
    }
    b->data[b->len] = 0; /* reserve made room; an untouched buffer has none yet */
    uint8_t *d = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}
