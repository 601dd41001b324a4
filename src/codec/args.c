/* args.c — typed argument lists: checks, canonical encoding, strict decoding. */
#include "args.h"

#include <stdio.h>
#include <string.h>

#include "codec/utf8.h"
#include "base/count.h"

const char *cvm_arg_type_name(cvm_arg_type t)
{
    switch (t) {
    case CVM_ARG_INT64: return "int64";
    case CVM_ARG_UINT64: return "uint64";
    case CVM_ARG_STRING: return "string";
    case CVM_ARG_BYTES: return "bytes";
    case CVM_ARG_BOOL: return "bool";
    }
    return NULL;
}

static cvm_status fail(char *err, size_t errcap, const char *what, const char *why)
{
    if (err && errcap)
        snprintf(err, errcap, "%s: %s", what, why);
    return CVM_EINPUT;
}

cvm_status cvm_arg_check(const cvm_arg *a, const char *what, char *err, size_t errcap)
{
    char why[96];
    switch (a->type) {
    case CVM_ARG_INT64:
    case CVM_ARG_UINT64:
        return CVM_OK;
    case CVM_ARG_BOOL:
        if (a->v.boolean != 0 && a->v.boolean != 1) {
            snprintf(why, sizeof why, "bool must be 0 or 1, not %d", a->v.boolean);
            return fail(err, errcap, what, why);
        }
        return CVM_OK;
    case CVM_ARG_STRING:
    case CVM_ARG_BYTES: {
        const char *tn = cvm_arg_type_name(a->type);
        if (a->v.bytes.len > CVM_ARG_BYTES_MAX) {
            char n1[CVM_COUNT_BUF], n2[CVM_COUNT_BUF];
            snprintf(why, sizeof why, "the %s value is %s bytes; an argument carries at most %s", tn,
                     cvm_count(a->v.bytes.len, n1), cvm_count(CVM_ARG_BYTES_MAX, n2));
            return fail(err, errcap, what, why);
        }
        if (a->v.bytes.len && !a->v.bytes.ptr) {
            snprintf(why, sizeof why, "%s of %zu bytes has a NULL pointer", tn, a->v.bytes.len);
            return fail(err, errcap, what, why);
        }
        size_t bad;
        if (a->type == CVM_ARG_STRING && !cvm_utf8_valid(a->v.bytes.ptr, a->v.bytes.len, &bad)) {
            snprintf(why, sizeof why, "string is not valid UTF-8 (byte %zu)", bad);
            return fail(err, errcap, what, why);
        }
        return CVM_OK;
    }
    }
    snprintf(why, sizeof why, "unknown type %d", (int)a->type);
    return fail(err, errcap, what, why);
}

void cvm_arg_write(cvm_buf *out, const cvm_arg *a)
{
    cvm_buf_byte(out, (uint8_t)a->type);
    switch (a->type) {
    case CVM_ARG_INT64: cvm_buf_svarint(out, a->v.i64); break;
    case CVM_ARG_UINT64: cvm_buf_uvarint(out, a->v.u64); break;
    case CVM_ARG_BOOL: cvm_buf_byte(out, a->v.boolean ? 1 : 0); break;
    case CVM_ARG_STRING:
    case CVM_ARG_BYTES:
        cvm_buf_uvarint(out, a->v.bytes.len);
        if (a->v.bytes.len)
            cvm_buf_put(out, a->v.bytes.ptr, a->v.bytes.len);
        break;
    }
}

/* A length-prefixed string or bytes value, with the limit checked before
 * the length is compared with the bytes left (a huge length says "limit"). */
static bool read_blob(cvm_reader *r, const char *what, cvm_arg_type t, cvm_arg *out)
{
    size_t at = r->pos;
    uint64_t len;
    const uint8_t *p = NULL;
    if (!cvm_reader_uvarint(r, what, &len))
        return false;
    if (len > CVM_ARG_BYTES_MAX) {
        cvm_reader_fail(r, "%s at offset %zu: %s length %llu exceeds the limit of %d", what, at,
                        cvm_arg_type_name(t), (unsigned long long)len, CVM_ARG_BYTES_MAX);
        return false;
    }
    if (len > cvm_reader_left(r)) {
        cvm_reader_fail(r, "%s at offset %zu: length %llu runs past the end (%zu bytes left)", what, at,
                        (unsigned long long)len, cvm_reader_left(r));
        return false;
    }
    size_t body = r->pos;
    if (len && !cvm_reader_raw(r, what, (size_t)len, &p))
        return false;
    size_t bad;
    if (t == CVM_ARG_STRING && !cvm_utf8_valid(p, (size_t)len, &bad)) {
        cvm_reader_fail(r, "%s at offset %zu: string is not valid UTF-8", what, body + bad);
        return false;
    }
    out->type = t;
    out->v.bytes.ptr = len ? p : NULL;
    out->v.bytes.len = (size_t)len;
    return true;
}

bool cvm_arg_read(cvm_reader *r, const char *what, cvm_arg *out)
{
    size_t at = r->pos;
    uint8_t t, b;
    if (!cvm_reader_u8(r, what, &t))
        return false;
    switch (t) {
    case CVM_ARG_INT64:
        out->type = CVM_ARG_INT64;
        return cvm_reader_svarint(r, what, &out->v.i64);
    case CVM_ARG_UINT64:
        out->type = CVM_ARG_UINT64;
        return cvm_reader_uvarint(r, what, &out->v.u64);
    case CVM_ARG_BOOL:
        at = r->pos;
        if (!cvm_reader_u8(r, what, &b))
            return false;
        if (b > 1) {
            cvm_reader_fail(r, "%s at offset %zu: bool must be 0 or 1, not %u", what, at, b);
            return false;
        }
        out->type = CVM_ARG_BOOL;
        out->v.boolean = b;
        return true;
    case CVM_ARG_STRING:
    case CVM_ARG_BYTES:
        return read_blob(r, what, (cvm_arg_type)t, out);
    default:
        cvm_reader_fail(r, "%s at offset %zu: unknown type %u", what, at, t);
        return false;
    }
}

cvm_status cvm_args_encode(const cvm_arg *args, size_t n, cvm_buf *out, char *err, size_t errcap)
{
    if (n > CVM_ARGS_MAX) {
        if (err && errcap)
            snprintf(err, errcap, "argument count %zu exceeds the limit of %d", n, CVM_ARGS_MAX);
        return CVM_EINPUT;
    }
    for (size_t i = 0; i < n; i++) {
        char what[32];
        snprintf(what, sizeof what, "argument %zu", i + 1); /* 1-based, as every message counts them */
        if (cvm_arg_check(&args[i], what, err, errcap) != CVM_OK)
            return CVM_EINPUT;
    }
    cvm_buf_uvarint(out, n);
    for (size_t i = 0; i < n; i++)
        cvm_arg_write(out, &args[i]);
    return cvm_buf_ok(out) ? CVM_OK : CVM_ENOMEM;
}

cvm_status cvm_args_read(cvm_reader *r, cvm_arena *arena, cvm_arg **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t at = r->pos;
    uint64_t count;
    if (!cvm_reader_uvarint(r, "argument count", &count))
        return CVM_EINPUT;
    if (count > CVM_ARGS_MAX) {
        cvm_reader_fail(r, "argument count at offset %zu: %llu exceeds the limit of %d", at,
                        (unsigned long long)count, CVM_ARGS_MAX);
        return CVM_EINPUT;
    }
    if (count == 0)
        return CVM_OK;
    cvm_arg *args = cvm_arena_calloc(arena, (size_t)count, sizeof *args);
    if (!args)
        return CVM_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        char what[32];
        snprintf(what, sizeof what, "argument %zu", i + 1); /* 1-based, as every message counts them */
        if (!cvm_arg_read(r, what, &args[i]))
            return CVM_EINPUT;
    }
    *out = args;
    *n = (size_t)count;
    return CVM_OK;
}

cvm_status cvm_args_decode(const uint8_t *p, size_t n, cvm_arena *arena, cvm_arg **out, size_t *nout, char *err,
                           size_t errcap)
{
    cvm_reader r;
    cvm_reader_init(&r, p, n);
    cvm_status st = cvm_args_read(&r, arena, out, nout);
    if (st == CVM_OK && cvm_reader_left(&r))
        cvm_reader_fail(&r, "argument list at offset %zu: %zu trailing bytes after the last argument", r.pos,
                        cvm_reader_left(&r));
    if (st == CVM_OK && r.failed)
        st = CVM_EINPUT;
    if (st != CVM_OK) {
        *out = NULL;
        *nout = 0;
        if (err && errcap)
            snprintf(err, errcap, "%s", st == CVM_ENOMEM ? "out of memory decoding arguments" : r.err);
    }
    return st;
}

cvm_status cvm_args_copy(cvm_arena *arena, const cvm_arg *args, size_t n, cvm_arg **out)
{
    *out = NULL;
    if (n == 0)
        return CVM_OK;
    if (n > SIZE_MAX / sizeof *args)
        return CVM_ENOMEM;
    cvm_arg *c = cvm_arena_memdup(arena, args, n * sizeof *args);
    if (!c)
        return CVM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if ((c[i].type == CVM_ARG_STRING || c[i].type == CVM_ARG_BYTES) && c[i].v.bytes.len) {
            void *p = cvm_arena_memdup(arena, c[i].v.bytes.ptr, c[i].v.bytes.len);
            if (!p)
                return CVM_ENOMEM;
            c[i].v.bytes.ptr = p;
        }
    }
    *out = c;
    return CVM_OK;
}

bool cvm_arg_equal(const cvm_arg *a, const cvm_arg *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case CVM_ARG_INT64: return a->v.i64 == b->v.i64;
    case CVM_ARG_UINT64: return a->v.u64 == b->v.u64;
    case CVM_ARG_BOOL: return (a->v.boolean != 0) == (b->v.boolean != 0);
    case CVM_ARG_STRING:
    case CVM_ARG_BYTES:
        return a->v.bytes.len == b->v.bytes.len &&
               (a->v.bytes.len == 0 || memcmp(a->v.bytes.ptr, b->v.bytes.ptr, a->v.bytes.len) == 0);
    }
    return false;
}
