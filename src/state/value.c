/* value.c — i64 state values as 8 bytes little-endian, 0 as absent, and
 * their loads and stores through an overlay (value.h). */
#include "state/value.h"

#include <stdio.h>

void cvm_state_i64_encode(int64_t v, uint8_t out[CVM_STATE_I64_BYTES], size_t *len)
{
    /* written out byte by byte, so that it means the same on any host and
     * gcc and clang merge it into one store on a little-endian one (a loop
     * stays eight stores at -O2) */
    uint64_t u = (uint64_t)v;
    out[0] = (uint8_t)u;
    out[1] = (uint8_t)(u >> 8);
    out[2] = (uint8_t)(u >> 16);
    out[3] = (uint8_t)(u >> 24);
    out[4] = (uint8_t)(u >> 32);
    out[5] = (uint8_t)(u >> 40);
    out[6] = (uint8_t)(u >> 48);
    out[7] = (uint8_t)(u >> 56);
    *len = v ? CVM_STATE_I64_BYTES : 0;
}

/* The message of a stored value that is not an integer: out of line, so
 * that the decoding inlined into the loads stays small. */
__attribute__((cold, noinline)) static cvm_status not_an_integer(size_t len, char *err, size_t errcap)
{
    if (err && errcap)
        snprintf(err, errcap, "state value of %zu bytes is not an integer (an integer is stored as 8 bytes)", len);
    return CVM_EINPUT;
}

static inline cvm_status decode(const uint8_t *p, size_t len, int64_t *v, char *err, size_t errcap)
{
    if (len == CVM_STATE_I64_BYTES) {
        /* one expression, so one load on a little-endian host */
        uint64_t u = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
                     (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
        *v = (int64_t)u; /* two's complement on every target we build for */
        return CVM_OK;
    }
    *v = 0;
    return len == 0 ? CVM_OK : not_an_integer(len, err, errcap);
}

cvm_status cvm_state_i64_decode(const uint8_t *p, size_t len, int64_t *v, char *err, size_t errcap)
{
    return decode(p, len, v, err, errcap);
}

/* Copies the overlay's message for a failed st into err (out of line: the
 * loads and stores stay small). */
__attribute__((cold, noinline)) static cvm_status report_failure(cvm_overlay *o, cvm_status st, char *err,
                                                                 size_t errcap)
{
    if (err && errcap)
        snprintf(err, errcap, "%s", cvm_overlay_errmsg(o));
    return st;
}

static inline cvm_status report(cvm_overlay *o, cvm_status st, char *err, size_t errcap)
{
    return st == CVM_OK ? CVM_OK : report_failure(o, st, err, errcap);
}

cvm_status cvm_state_load_i64(cvm_overlay *o, const uint8_t *service, size_t service_len, const uint8_t *key,
                              size_t key_len, int64_t *v, char *err, size_t errcap)
{
    *v = 0;
    const uint8_t *p;
    size_t len;
    cvm_status st = cvm_overlay_read(o, service, service_len, key, key_len, &p, &len, NULL);
    if (st != CVM_OK)
        return report_failure(o, st, err, errcap);
    return decode(p, len, v, err, errcap);
}

cvm_status cvm_state_store_i64(cvm_overlay *o, const uint8_t *service, size_t service_len, const uint8_t *key,
                               size_t key_len, int64_t v, char *err, size_t errcap)
{
    uint8_t b[CVM_STATE_I64_BYTES];
    size_t len;
    cvm_state_i64_encode(v, b, &len);
    return report(o, cvm_overlay_write(o, service, service_len, key, key_len, b, len), err, errcap);
}

cvm_status cvm_state_load_i64_at(cvm_overlay *o, cvm_overlay_slot *s, int64_t *v, char *err, size_t errcap)
{
    const uint8_t *p;
    size_t len;
    cvm_status st = cvm_overlay_read_at(o, s, &p, &len, NULL);
    if (st != CVM_OK) {
        *v = 0;
        return report_failure(o, st, err, errcap);
    }
    return decode(p, len, v, err, errcap);
}

cvm_status cvm_state_store_i64_at(cvm_overlay *o, cvm_overlay_slot *s, int64_t v, char *err, size_t errcap)
{
    uint8_t b[CVM_STATE_I64_BYTES];
    size_t len;
    cvm_state_i64_encode(v, b, &len);
    return report(o, cvm_overlay_write_at(o, s, b, len), err, errcap);
}
