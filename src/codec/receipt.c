/* receipt.c — receipts: canonical encoding and strict decoding (receipt.h). */
#include "codec/receipt.h"

#include <stdio.h>
#include <string.h>

#include "base/reader.h"
#include "codec/args.h"
#include "codec/event.h"

static void put_text(cvm_buf *out, const char *s, size_t cap)
{
    size_t n = strnlen(s, cap - 1);
    cvm_buf_uvarint(out, n);
    cvm_buf_put(out, s, n);
}

cvm_status cvm_receipt_encode(const cvm_receipt *r, cvm_buf *out, char *err, size_t errcap)
{
    size_t mark = out->len;
    if (r->error.has_reason && r->error.reason_len > CVM_REASON_MAX) {
        snprintf(err, errcap, "error reason: %u bytes, more than %d", (unsigned)r->error.reason_len, CVM_REASON_MAX);
        return CVM_EINPUT;
    }
    /* the flag, not a field of every receipt: a receipt without a reason
     * keeps the bytes (and receipts_root) it always had */
    cvm_buf_byte(out, (uint8_t)((unsigned)r->status | (r->error.has_reason ? CVM_RECEIPT_REASON_FLAG : 0u)));
    cvm_buf_uvarint(out, (uint64_t)r->error.code);
    put_text(out, r->error.message, sizeof r->error.message);
    put_text(out, r->error.method, sizeof r->error.method);
    cvm_buf_svarint(out, r->error.pc);
    cvm_buf_svarint(out, r->error.line);
    if (r->error.has_reason) {
        cvm_buf_uvarint(out, r->error.reason_len);
        cvm_buf_put(out, r->error.reason, r->error.reason_len);
    }
    cvm_status st = cvm_args_encode(r->outputs, r->noutputs, out, err, errcap);
    if (st != CVM_OK) {
        out->len = mark;
        return st;
    }
    cvm_buf_uvarint(out, r->nevents);
    for (size_t i = 0; i < r->nevents; i++) {
        if ((st = cvm_event_check(&r->events[i], err, errcap)) != CVM_OK) {
            out->len = mark;
            return st;
        }
        cvm_event_write(out, &r->events[i]);
    }
    cvm_buf_uvarint(out, r->nlogs);
    for (size_t i = 0; i < r->nlogs; i++)
        cvm_buf_svarint(out, r->logs[i]);
    cvm_buf_svarint(out, r->gas_used);
    return cvm_buf_ok(out) ? CVM_OK : CVM_ENOMEM;
}

/* A text field into dst (cap bytes with its NUL). */
static bool read_text(cvm_reader *r, const char *what, char *dst, size_t cap)
{
    size_t at = r->pos;
    const uint8_t *p;
    size_t n;
    if (!cvm_reader_bytes(r, what, &p, &n))
        return false;
    if (n >= cap || memchr(p, 0, n)) {
        cvm_reader_fail(r, "%s at offset %zu: %s", what, at, n >= cap ? "longer than its field" : "contains a NUL byte");
        return false;
    }
    memcpy(dst, p, n);
    dst[n] = '\0';
    return true;
}

/* A count at most max. */
static bool read_count(cvm_reader *r, const char *what, uint64_t max, size_t *n)
{
    size_t at = r->pos;
    uint64_t v;
    if (!cvm_reader_uvarint(r, what, &v))
        return false;
    if (v > max || v > cvm_reader_left(r)) { /* each item takes a byte at least */
        cvm_reader_fail(r, "%s at offset %zu: %llu is more than %s", what, at, (unsigned long long)v,
                        v > max ? "allowed" : "the bytes left");
        return false;
    }
    *n = (size_t)v;
    return true;
}

static cvm_status decode(cvm_reader *r, cvm_arena *arena, cvm_receipt *out)
{
    uint8_t status;
    uint64_t code;
    size_t at = r->pos;
    if (!cvm_reader_u8(r, "status", &status))
        return CVM_EINPUT;
    bool has_reason = (status & CVM_RECEIPT_REASON_FLAG) != 0;
    status &= (uint8_t)~CVM_RECEIPT_REASON_FLAG;
    if (status >= CVM_EXEC_STATUS_COUNT) {
        cvm_reader_fail(r, "status at offset %zu: unknown status %u", at, (unsigned)status);
        return CVM_EINPUT;
    }
    out->status = (cvm_exec_status)status;
    at = r->pos;
    if (!cvm_reader_uvarint(r, "error code", &code))
        return CVM_EINPUT;
    if (code >= CVM_CODE_COUNT) {
        cvm_reader_fail(r, "error code at offset %zu: unknown code %llu", at, (unsigned long long)code);
        return CVM_EINPUT;
    }
    out->error.code = (cvm_code)code;
    if (!read_text(r, "error message", out->error.message, sizeof out->error.message) ||
        !read_text(r, "error method", out->error.method, sizeof out->error.method) ||
        !cvm_reader_svarint(r, "error pc", &out->error.pc) || !cvm_reader_svarint(r, "error line", &out->error.line))
        return CVM_EINPUT;
    if (has_reason) {
        const uint8_t *p;
        size_t n;
        at = r->pos;
        if (!cvm_reader_bytes(r, "error reason", &p, &n))
            return CVM_EINPUT;
        if (n > CVM_REASON_MAX) {
            cvm_reader_fail(r, "error reason at offset %zu: %zu bytes, more than %d", at, n, CVM_REASON_MAX);
            return CVM_EINPUT;
        }
        memcpy(out->error.reason, p, n);
        out->error.reason_len = (uint16_t)n;
        out->error.has_reason = 1;
    }
    cvm_arg *outs;
    cvm_status st = cvm_args_read(r, arena, &outs, &out->noutputs);
    if (st != CVM_OK)
        return st;
    for (size_t i = 0; i < out->noutputs; i++) /* values borrowed from the input: copy them */
        if ((outs[i].type == CVM_ARG_STRING || outs[i].type == CVM_ARG_BYTES) && outs[i].v.bytes.len &&
            !(outs[i].v.bytes.ptr = cvm_arena_memdup(arena, outs[i].v.bytes.ptr, outs[i].v.bytes.len)))
            return CVM_ENOMEM;
    out->outputs = outs;
    size_t n;
    if (!read_count(r, "event count", CVM_RECEIPT_EVENTS_MAX, &n))
        return CVM_EINPUT;
    cvm_event *evs = n ? cvm_arena_calloc(arena, n, sizeof *evs) : NULL;
    if (n && !evs)
        return CVM_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if ((st = cvm_event_read(r, arena, &evs[i])) != CVM_OK)
            return st;
    out->events = evs;
    out->nevents = n;
    if (!read_count(r, "log count", CVM_RECEIPT_LOGS_MAX, &n))
        return CVM_EINPUT;
    int64_t *logs = n ? cvm_arena_calloc(arena, n, sizeof *logs) : NULL;
    if (n && !logs)
        return CVM_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (!cvm_reader_svarint(r, "log", &logs[i]))
            return CVM_EINPUT;
    out->logs = logs;
    out->nlogs = n;
    if (!cvm_reader_svarint(r, "gas used", &out->gas_used))
        return CVM_EINPUT;
    return CVM_OK;
}

cvm_status cvm_receipt_decode(const uint8_t *p, size_t n, cvm_arena *arena, cvm_receipt *out, char *err,
                              size_t errcap)
{
    memset(out, 0, sizeof *out);
    cvm_reader r;
    cvm_reader_init(&r, p, n);
    cvm_status st = decode(&r, arena, out);
    if (st == CVM_OK && cvm_reader_left(&r))
        cvm_reader_fail(&r, "receipt at offset %zu: %zu trailing bytes after the gas", r.pos, cvm_reader_left(&r));
    if (st == CVM_OK && r.failed)
        st = CVM_EINPUT;
    if (st != CVM_OK) {
        memset(out, 0, sizeof *out);
        if (err && errcap)
            snprintf(err, errcap, "%s", st == CVM_ENOMEM ? "out of memory decoding a receipt" : r.err);
    }
    return st;
}
