/* reader.c — bounds-checked decoding primitives with one sticky error. */
#include "reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cvm_reader_init(cvm_reader *r, const uint8_t *p, size_t len)
{
    memset(r, 0, sizeof *r);
    r->p = p;
    r->len = len;
}

void cvm_reader_fail(cvm_reader *r, const char *fmt, ...)
{
    if (r->failed)
        return;
    r->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
}

size_t cvm_reader_left(const cvm_reader *r) { return r->len - r->pos; }

bool cvm_reader_raw(cvm_reader *r, const char *what, size_t n, const uint8_t **p)
{
    if (r->failed)
        return false;
    if (n > r->len - r->pos) {
        cvm_reader_fail(r, "%s at offset %zu: needs %zu bytes, %zu left", what, r->pos, n, r->len - r->pos);
        return false;
    }
    *p = r->p + r->pos;
    r->pos += n;
    return true;
}

bool cvm_reader_u8(cvm_reader *r, const char *what, uint8_t *v)
{
    const uint8_t *p;
    if (!cvm_reader_raw(r, what, 1, &p))
        return false;
    *v = p[0];
    return true;
}

bool cvm_reader_u16(cvm_reader *r, const char *what, uint16_t *v)
{
    const uint8_t *p;
    if (!cvm_reader_raw(r, what, 2, &p))
        return false;
    *v = (uint16_t)(p[0] | (p[1] << 8));
    return true;
}

bool cvm_reader_uvarint(cvm_reader *r, const char *what, uint64_t *v)
{
    if (r->failed)
        return false;
    size_t start = r->pos;
    uint64_t x = 0;
    for (unsigned i = 0;; i++) {
        if (r->pos >= r->len) {
            cvm_reader_fail(r, "%s at offset %zu: truncated integer", what, start);
            return false;
        }
        uint8_t b = r->p[r->pos++];
        if (i == 9 && b > 1) {
            cvm_reader_fail(r, "%s at offset %zu: integer exceeds 64 bits", what, start);
            return false;
        }
        x |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            if (b == 0 && i > 0) {
                cvm_reader_fail(r, "%s at offset %zu: non-minimal integer encoding", what, start);
                return false;
            }
            *v = x;
            return true;
        }
    }
}

bool cvm_reader_svarint(cvm_reader *r, const char *what, int64_t *v)
{
    uint64_t u;
    if (!cvm_reader_uvarint(r, what, &u))
        return false;
    *v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
    return true;
}

bool cvm_reader_bytes(cvm_reader *r, const char *what, const uint8_t **p, size_t *n)
{
    uint64_t len;
    if (!cvm_reader_uvarint(r, what, &len))
        return false;
    if (len > r->len - r->pos) {
        cvm_reader_fail(r, "%s at offset %zu: length %llu runs past the end (%zu bytes left)", what, r->pos,
                        (unsigned long long)len, r->len - r->pos);
        return false;
    }
    *n = (size_t)len;
    return cvm_reader_raw(r, what, (size_t)len, p);
}
