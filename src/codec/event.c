/* event.c — event-history records: checks, canonical encoding, strict decoding. */
#include "event.h"

#include <stdio.h>
#include <string.h>

#include "base/reader.h"
#include "codec/args.h"

_Static_assert(CVM_EVENT_NAME_MAX == 1024, "name_problem's message says 1024");

/* Why a name cannot be encoded, or NULL when it can. */
static const char *name_problem(const char *s, size_t *len)
{
    if (!s)
        return "is missing";
    *len = strlen(s);
    if (*len > CVM_EVENT_NAME_MAX)
        return "is longer than 1024 bytes";
    return NULL;
}

cvm_status cvm_event_check(const cvm_event *ev, char *err, size_t errcap)
{
    size_t len;
    const char *why;
    if ((why = name_problem(ev->service, &len)) != NULL) {
        if (err && errcap)
            snprintf(err, errcap, "event service name %s", why);
        return CVM_EINPUT;
    }
    if ((why = name_problem(ev->name, &len)) != NULL) {
        if (err && errcap)
            snprintf(err, errcap, "event name %s", why);
        return CVM_EINPUT;
    }
    if (ev->nfields > CVM_ARGS_MAX) {
        if (err && errcap)
            snprintf(err, errcap, "event %s: %zu fields exceed the limit of %d", ev->name, ev->nfields, CVM_ARGS_MAX);
        return CVM_EINPUT;
    }
    if (ev->nfields && !ev->fields) {
        if (err && errcap)
            snprintf(err, errcap, "event %s: %zu fields but no array", ev->name, ev->nfields);
        return CVM_EINPUT;
    }
    for (size_t i = 0; i < ev->nfields; i++) {
        const cvm_event_field *f = &ev->fields[i];
        if ((why = name_problem(f->name, &len)) != NULL) {
            if (err && errcap)
                snprintf(err, errcap, "event %s: field %zu name %s", ev->name, i, why);
            return CVM_EINPUT;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(ev->fields[j].name, f->name) == 0) {
                if (err && errcap)
                    snprintf(err, errcap, "event %s: field %zu repeats the name '%s' of field %zu", ev->name, i,
                             f->name, j);
                return CVM_EINPUT;
            }
        }
        char what[128];
        snprintf(what, sizeof what, "event %.40s: field %zu (%.20s)", ev->name, i, f->name);
        if (cvm_arg_check(&f->value, what, err, errcap) != CVM_OK)
            return CVM_EINPUT;
    }
    return CVM_OK;
}

static void put_name(cvm_buf *out, const char *s)
{
    size_t n = strlen(s);
    cvm_buf_uvarint(out, n);
    cvm_buf_put(out, s, n);
}

cvm_status cvm_event_record_encode(uint64_t height, uint64_t tx_index, const cvm_event *ev, cvm_buf *out,
                                   char *err, size_t errcap)
{
    cvm_status st = cvm_event_check(ev, err, errcap);
    if (st != CVM_OK)
        return st;
    cvm_buf_uvarint(out, height);
    cvm_buf_uvarint(out, tx_index);
    cvm_event_write(out, ev);
    return cvm_buf_ok(out) ? CVM_OK : CVM_ENOMEM;
}

void cvm_event_write(cvm_buf *out, const cvm_event *ev)
{
    put_name(out, ev->service);
    put_name(out, ev->name);
    cvm_buf_uvarint(out, ev->nfields);
    for (size_t i = 0; i < ev->nfields; i++) {
        put_name(out, ev->fields[i].name);
        cvm_arg_write(out, &ev->fields[i].value);
    }
}

/* Reads a name: at most CVM_EVENT_NAME_MAX bytes without NUL. *p and *n are
 * borrowed from the input. */
static bool read_name(cvm_reader *r, const char *what, const uint8_t **p, size_t *n)
{
    size_t at = r->pos;
    uint64_t len;
    if (!cvm_reader_uvarint(r, what, &len))
        return false;
    if (len > CVM_EVENT_NAME_MAX) {
        cvm_reader_fail(r, "%s at offset %zu: length %llu exceeds the limit of %d", what, at, (unsigned long long)len,
                        CVM_EVENT_NAME_MAX);
        return false;
    }
    if (len > cvm_reader_left(r)) {
        cvm_reader_fail(r, "%s at offset %zu: length %llu runs past the end (%zu bytes left)", what, at,
                        (unsigned long long)len, cvm_reader_left(r));
        return false;
    }
    size_t body = r->pos;
    if (!cvm_reader_raw(r, what, (size_t)len, p))
        return false;
    const void *nul = memchr(*p, 0, (size_t)len);
    if (nul) {
        cvm_reader_fail(r, "%s at offset %zu: contains a NUL byte", what,
                        body + (size_t)((const uint8_t *)nul - *p));
        return false;
    }
    *n = (size_t)len;
    return true;
}

/* The body of decode; CVM_EINPUT leaves the message in r->err. */
static cvm_status decode(cvm_reader *r, cvm_arena *arena, cvm_event_record *out)
{
    if (!cvm_reader_uvarint(r, "height", &out->height) || !cvm_reader_uvarint(r, "transaction index", &out->tx_index))
        return CVM_EINPUT;
    return cvm_event_read(r, arena, &out->event);
}

cvm_status cvm_event_read(cvm_reader *r, cvm_arena *arena, cvm_event *out)
{
    const uint8_t *p;
    size_t n;
    uint64_t count;
    memset(out, 0, sizeof *out);
    if (!read_name(r, "service", &p, &n))
        return CVM_EINPUT;
    if (!(out->service = cvm_arena_strndup(arena, (const char *)p, n)))
        return CVM_ENOMEM;
    if (!read_name(r, "event name", &p, &n))
        return CVM_EINPUT;
    if (!(out->name = cvm_arena_strndup(arena, (const char *)p, n)))
        return CVM_ENOMEM;
    size_t at = r->pos;
    if (!cvm_reader_uvarint(r, "field count", &count))
        return CVM_EINPUT;
    if (count > CVM_ARGS_MAX) {
        cvm_reader_fail(r, "field count at offset %zu: %llu exceeds the limit of %d", at, (unsigned long long)count,
                        CVM_ARGS_MAX);
        return CVM_EINPUT;
    }
    if (count == 0)
        return CVM_OK;
    cvm_event_field *fields = cvm_arena_calloc(arena, (size_t)count, sizeof *fields);
    if (!fields)
        return CVM_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        char what[48];
        snprintf(what, sizeof what, "field %zu name", i);
        at = r->pos;
        if (!read_name(r, what, &p, &n))
            return CVM_EINPUT;
        for (size_t j = 0; j < i; j++) {
            if (strlen(fields[j].name) == n && memcmp(fields[j].name, p, n) == 0) {
                cvm_reader_fail(r, "%s at offset %zu: repeats the name of field %zu", what, at, j);
                return CVM_EINPUT;
            }
        }
        if (!(fields[i].name = cvm_arena_strndup(arena, (const char *)p, n)))
            return CVM_ENOMEM;
        snprintf(what, sizeof what, "field %zu value", i);
        cvm_arg *v = &fields[i].value;
        if (!cvm_arg_read(r, what, v))
            return CVM_EINPUT;
        if ((v->type == CVM_ARG_STRING || v->type == CVM_ARG_BYTES) && v->v.bytes.len &&
            !(v->v.bytes.ptr = cvm_arena_memdup(arena, v->v.bytes.ptr, v->v.bytes.len)))
            return CVM_ENOMEM;
    }
    out->fields = fields;
    out->nfields = (size_t)count;
    return CVM_OK;
}

cvm_status cvm_event_record_decode(const uint8_t *p, size_t n, cvm_arena *arena, cvm_event_record *out, char *err,
                                   size_t errcap)
{
    memset(out, 0, sizeof *out);
    cvm_reader r;
    cvm_reader_init(&r, p, n);
    cvm_status st = decode(&r, arena, out);
    if (st == CVM_OK && cvm_reader_left(&r))
        cvm_reader_fail(&r, "event record at offset %zu: %zu trailing bytes after the last field", r.pos,
                        cvm_reader_left(&r));
    if (st == CVM_OK && r.failed)
        st = CVM_EINPUT;
    if (st != CVM_OK) {
        memset(out, 0, sizeof *out);
        if (err && errcap)
            snprintf(err, errcap, "%s", st == CVM_ENOMEM ? "out of memory decoding an event record" : r.err);
    }
    return st;
}

bool cvm_event_record_peek(const uint8_t *p, size_t n, uint64_t *height, uint64_t *tx_index, const uint8_t **service,
                           size_t *service_len, const uint8_t **name, size_t *name_len)
{
    cvm_reader r;
    cvm_reader_init(&r, p, n);
    return cvm_reader_uvarint(&r, "height", height) && cvm_reader_uvarint(&r, "transaction index", tx_index) &&
           read_name(&r, "service", service, service_len) && read_name(&r, "event name", name, name_len);
}

cvm_status cvm_event_copy(cvm_arena *arena, const cvm_event *src, cvm_event *dst)
{
    memset(dst, 0, sizeof *dst);
    const char *service = src->service ? cvm_arena_strndup(arena, src->service, strlen(src->service)) : NULL;
    const char *name = src->name ? cvm_arena_strndup(arena, src->name, strlen(src->name)) : NULL;
    if ((src->service && !service) || (src->name && !name))
        return CVM_ENOMEM;
    cvm_event_field *fields = NULL;
    if (src->nfields) {
        fields = cvm_arena_calloc(arena, src->nfields, sizeof *fields);
        if (!fields)
            return CVM_ENOMEM;
        for (size_t i = 0; i < src->nfields; i++) {
            const cvm_event_field *f = &src->fields[i];
            cvm_arg *v;
            if (f->name && !(fields[i].name = cvm_arena_strndup(arena, f->name, strlen(f->name))))
                return CVM_ENOMEM;
            if (cvm_args_copy(arena, &f->value, 1, &v) != CVM_OK)
                return CVM_ENOMEM;
            fields[i].value = *v;
        }
    }
    dst->service = service;
    dst->name = name;
    dst->fields = fields;
    dst->nfields = src->nfields;
    return CVM_OK;
}
