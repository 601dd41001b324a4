/*
 * codec.c — the binary module format (docs/module-format.md): the encoder
 * and the strict decoder.
 *
 * The format is canonical: a module has exactly one encoding, and the
 * decoder refuses every other byte sequence (non-minimal varints, flag bytes
 * other than 0 and 1, operands on the wrong opcodes' bytes, trailing bytes).
 * So hashing the bytes of a deployed module identifies its behaviour.
 *
 * Two versions: 1, and 2 with signatures, imports and events. The encoder
 * writes the lowest that holds the module, so modules without those keep
 * their version 1 bytes; the decoder reads both.
 *
 * The decoder checks only what it needs to build the struct safely; the
 * meaning (names, tiling, operand ranges, pool order) is cvm_verify's job.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/reader.h"
#include "module.h"

/* ----------------------------------------------------------------- encoder */

static void put_bytes(cvm_buf *b, const void *p, size_t n)
{
    cvm_buf_uvarint(b, n);
    cvm_buf_put(b, p, n);
}

static void put_str(cvm_buf *b, const char *s)
{
    if (!s)
        s = "";
    put_bytes(b, s, strlen(s));
}

/* A count of types, then one type code byte each. */
static void put_types(cvm_buf *b, const cvm_vtype *t, size_t n)
{
    cvm_buf_uvarint(b, n);
    for (size_t i = 0; i < n; i++)
        cvm_buf_byte(b, t ? t[i] : 0);
}

/* Version 2's declarations: imports, then events. */
static void put_decls(const cvm_module *m, cvm_buf *b)
{
    cvm_buf_uvarint(b, m->nimports);
    for (size_t i = 0; i < m->nimports; i++) {
        const cvm_import *im = &m->imports[i];
        put_str(b, im->target);
        put_types(b, im->ptypes, im->nparams);
        put_types(b, im->rtypes, im->nresults);
    }
    cvm_buf_uvarint(b, m->nevents);
    for (size_t i = 0; i < m->nevents; i++) {
        const cvm_event_decl *ev = &m->events[i];
        put_str(b, ev->name);
        cvm_buf_uvarint(b, ev->nfields);
        for (size_t k = 0; k < ev->nfields; k++) {
            put_str(b, ev->fnames ? ev->fnames[k] : NULL);
            cvm_buf_byte(b, ev->ftypes ? ev->ftypes[k] : 0);
        }
    }
}

/* Version 2's method signature: a flag, then when typed each param's name
 * and type, and the result types. */
static void put_signature(const cvm_method *me, cvm_buf *b)
{
    cvm_buf_byte(b, me->typed ? 1 : 0);
    if (!me->typed)
        return;
    for (size_t k = 0; k < me->params; k++) {
        put_str(b, me->pnames ? me->pnames[k] : NULL);
        cvm_buf_byte(b, me->ptypes ? me->ptypes[k] : 0);
    }
    put_types(b, me->rtypes, me->nresults);
}

void cvm_module_write(const cvm_module *m, cvm_buf *b)
{
    /* version 1 when nothing needs 2: every module written before version 2
     * existed keeps its exact bytes and code hash */
    unsigned version = cvm_module_format_version(m);
    cvm_buf_put(b, CVM_MODULE_MAGIC, 4);
    cvm_buf_byte(b, version & 0xff);
    cvm_buf_byte(b, (version >> 8) & 0xff);
    put_str(b, m->name);
    cvm_buf_svarint(b, m->required_reputation);

    const cvm_coop_meta *c = &m->coop;
    cvm_buf_byte(b, c->present ? 1 : 0);
    if (c->present) {
        put_str(b, c->id);
        put_str(b, c->purpose);
        cvm_buf_byte(b, c->cpu);
        cvm_buf_byte(b, c->memory);
        cvm_buf_byte(b, c->network);
        cvm_buf_byte(b, c->storage);
        cvm_buf_byte(b, c->bandwidth);
        put_str(b, c->federation);
    }

    cvm_buf_uvarint(b, m->nstate);
    for (size_t i = 0; i < m->nstate; i++) {
        put_bytes(b, m->state[i].key, m->state[i].keylen);
        cvm_buf_svarint(b, m->state[i].value);
    }

    cvm_buf_uvarint(b, m->nconsts);
    for (size_t i = 0; i < m->nconsts; i++)
        put_bytes(b, m->consts[i].bytes, m->consts[i].len);
    if (version >= 2)
        put_decls(m, b);

    cvm_buf_uvarint(b, m->nmethods);
    for (size_t i = 0; i < m->nmethods; i++) {
        const cvm_method *me = &m->methods[i];
        put_str(b, me->name);
        cvm_buf_uvarint(b, me->len);
        cvm_buf_uvarint(b, me->params);
        cvm_buf_uvarint(b, me->flags);
        if (version >= 2)
            put_signature(me, b);
    }

    cvm_buf_uvarint(b, m->ncode);
    for (size_t i = 0; i < m->ncode; i++) {
        const cvm_insn *in = &m->code[i];
        cvm_buf_byte(b, (uint8_t)((in->op & 0x7f) | (in->has_operand ? 0x80 : 0)));
        if (!in->has_operand)
            continue;
        if (in->op < CVM_OP_COUNT && cvm_opinfo_of(in->op)->operand == CVM_OPK_INT)
            cvm_buf_svarint(b, in->operand);
        else
            cvm_buf_uvarint(b, (uint64_t)in->operand);
    }

    /* no instructions, no line table: one encoding for "no lines" */
    bool has_lines = m->lines && m->ncode > 0;
    cvm_buf_byte(b, has_lines ? 1 : 0);
    if (has_lines)
        for (size_t i = 0; i < m->ncode; i++)
            cvm_buf_uvarint(b, m->lines[i]);
}

/* ----------------------------------------------------------------- decoder */

/* A decoding session: the reader, the module being filled, and a scratch
 * buffer for field names such as "method 2 name". */
typedef struct dec {
    cvm_reader r;
    cvm_module *m; /* owned: freed on failure, handed to the caller on success */
    char what[64];
    unsigned version; /* of the header: 1 or 2 */
    bool nomem;
} dec;

static const char *field(dec *d, const char *fmt, size_t i)
{
    snprintf(d->what, sizeof d->what, fmt, i);
    return d->what;
}

/* A flag byte: 0 or 1, nothing else (canonical form). */
static bool read_flag(dec *d, const char *what, bool *v)
{
    size_t at = d->r.pos;
    uint8_t x;
    if (!cvm_reader_u8(&d->r, what, &x))
        return false;
    if (x > 1) {
        cvm_reader_fail(&d->r, "%s at offset %zu: flag byte is %u, must be 0 or 1", what, at, (unsigned)x);
        return false;
    }
    *v = x == 1;
    return true;
}

/* A length-prefixed string that must hold no NUL byte; *out is owned by the caller. */
static bool read_name(dec *d, const char *what, char **out)
{
    const uint8_t *p;
    size_t n;
    size_t at = d->r.pos;
    if (!cvm_reader_bytes(&d->r, what, &p, &n))
        return false;
    if (memchr(p, 0, n)) {
        cvm_reader_fail(&d->r, "%s at offset %zu: contains a NUL byte", what, at);
        return false;
    }
    *out = cvm_strndup(d->m->al, (const char *)p, n);
    if (!*out) {
        d->nomem = true;
        return false;
    }
    return true;
}

/* A length-prefixed byte string copied into a NUL-terminated owned buffer. */
static bool read_blob(dec *d, const char *what, uint8_t **out, size_t *len)
{
    const uint8_t *p;
    if (!cvm_reader_bytes(&d->r, what, &p, len))
        return false;
    *out = (uint8_t *)cvm_strndup(d->m->al, (const char *)p, *len);
    if (!*out) {
        d->nomem = true;
        return false;
    }
    return true;
}

/* A uvarint no larger than max. */
static bool read_uint(dec *d, const char *what, uint64_t max, uint64_t *v)
{
    size_t at = d->r.pos;
    if (!cvm_reader_uvarint(&d->r, what, v))
        return false;
    if (*v > max) {
        cvm_reader_fail(&d->r, "%s at offset %zu: %llu is above the limit %llu", what, at, (unsigned long long)*v,
                        (unsigned long long)max);
        return false;
    }
    return true;
}

/* A count of records of at least minsize bytes each: refused when the bytes
 * left could not hold that many, so a tiny input never causes a big
 * allocation. Then allocates the zeroed array (NULL for a count of 0). */
static bool read_count(dec *d, const char *what, size_t minsize, size_t elsize, size_t *count, void **arr)
{
    size_t at = d->r.pos;
    uint64_t n;
    if (!cvm_reader_uvarint(&d->r, what, &n))
        return false;
    size_t left = cvm_reader_left(&d->r);
    if (n > left / minsize) {
        cvm_reader_fail(&d->r, "%s at offset %zu: %llu entries cannot fit in the %zu bytes left", what, at,
                        (unsigned long long)n, left);
        return false;
    }
    *count = 0;
    *arr = NULL;
    if (n == 0)
        return true;
    *arr = cvm_calloc(d->m->al, (size_t)n, elsize);
    if (!*arr) {
        d->nomem = true;
        return false;
    }
    *count = (size_t)n;
    return true;
}

static bool read_header(dec *d)
{
    const uint8_t *magic;
    if (!cvm_reader_raw(&d->r, "magic", 4, &magic))
        return false;
    if (memcmp(magic, CVM_MODULE_MAGIC, 4) != 0) {
        cvm_reader_fail(&d->r, "magic at offset 0: not a coopvm module (expected \"CVM\\x1a\")");
        return false;
    }
    uint16_t version;
    if (!cvm_reader_u16(&d->r, "format version", &version))
        return false;
    if (version < CVM_MODULE_VERSION_1 || version > CVM_MODULE_VERSION) {
        cvm_reader_fail(&d->r, "format version at offset 4: version %u, this build reads versions %d to %d",
                        (unsigned)version, CVM_MODULE_VERSION_1, CVM_MODULE_VERSION);
        return false;
    }
    d->version = version;
    return true;
}

static bool read_meta(dec *d)
{
    cvm_module *m = d->m;
    if (!read_name(d, "contract name", &m->name) ||
        !cvm_reader_svarint(&d->r, "required reputation", &m->required_reputation))
        return false;
    cvm_coop_meta *c = &m->coop;
    if (!read_flag(d, "cooperative flag", &c->present))
        return false;
    if (!c->present)
        return true;
    return read_name(d, "cooperative id", &c->id) && read_name(d, "cooperative purpose", &c->purpose) &&
           cvm_reader_u8(&d->r, "cooperative cpu", &c->cpu) &&
           cvm_reader_u8(&d->r, "cooperative memory", &c->memory) &&
           cvm_reader_u8(&d->r, "cooperative network", &c->network) &&
           cvm_reader_u8(&d->r, "cooperative storage", &c->storage) &&
           cvm_reader_u8(&d->r, "cooperative bandwidth", &c->bandwidth) &&
           read_name(d, "cooperative federation", &c->federation);
}

static bool read_state_and_consts(dec *d)
{
    cvm_module *m = d->m;
    void *arr;
    /* a state entry is at least a key length and a value: 2 bytes */
    if (!read_count(d, "state count", 2, sizeof *m->state, &m->nstate, &arr))
        return false;
    m->state = arr;
    for (size_t i = 0; i < m->nstate; i++) {
        cvm_state_init *s = &m->state[i];
        if (!read_blob(d, field(d, "state %zu key", i), &s->key, &s->keylen) ||
            !cvm_reader_svarint(&d->r, field(d, "state %zu value", i), &s->value))
            return false;
    }
    if (!read_count(d, "constant count", 1, sizeof *m->consts, &m->nconsts, &arr))
        return false;
    m->consts = arr;
    for (size_t i = 0; i < m->nconsts; i++)
        if (!read_blob(d, field(d, "constant %zu", i), &m->consts[i].bytes, &m->consts[i].len))
            return false;
    return true;
}

/* A type code byte: int (1), string (3) or bytes (4). */
static bool read_type(dec *d, const char *what, cvm_vtype *t)
{
    size_t at = d->r.pos;
    if (!cvm_reader_u8(&d->r, what, t))
        return false;
    if (!cvm_vtype_name(*t)) {
        cvm_reader_fail(&d->r, "%s at offset %zu: type code %u is not int (%d), string (%d) or bytes (%d)", what, at,
                        (unsigned)*t, CVM_ARG_INT64, CVM_ARG_STRING, CVM_ARG_BYTES);
        return false;
    }
    return true;
}

/* A count of at most max entries (each at least minsize bytes), then an
 * owned zeroed array of elsize each (NULL for 0). */
static bool read_small_count(dec *d, const char *what, uint64_t max, size_t minsize, size_t elsize, uint32_t *count,
                             void **arr)
{
    size_t at = d->r.pos;
    uint64_t n;
    if (!read_uint(d, what, max, &n))
        return false;
    if (n > cvm_reader_left(&d->r) / minsize) {
        cvm_reader_fail(&d->r, "%s at offset %zu: %llu entries cannot fit in the %zu bytes left", what, at,
                        (unsigned long long)n, cvm_reader_left(&d->r));
        return false;
    }
    *count = (uint32_t)n;
    *arr = NULL;
    if (n == 0)
        return true;
    *arr = cvm_calloc(d->m->al, (size_t)n, elsize);
    if (!*arr) {
        d->nomem = true;
        return false;
    }
    return true;
}

/* A count (at most max) of type codes into an owned array. */
static bool read_types(dec *d, const char *what, const char *item, uint64_t max, cvm_vtype **types, uint32_t *n)
{
    void *arr;
    if (!read_small_count(d, what, max, 1, sizeof **types, n, &arr))
        return false;
    *types = arr;
    for (uint32_t k = 0; k < *n; k++) {
        char w[96];
        snprintf(w, sizeof w, "%s %u", item, (unsigned)k);
        if (!read_type(d, w, &(*types)[k]))
            return false;
    }
    return true;
}

/* Version 2: imports and event declarations. */
static bool read_decls(dec *d)
{
    cvm_module *m = d->m;
    void *arr;
    /* an import is at least a target length and two counts: 3 bytes */
    if (!read_count(d, "import count", 3, sizeof *m->imports, &m->nimports, &arr))
        return false;
    m->imports = arr;
    for (size_t i = 0; i < m->nimports; i++) {
        cvm_import *im = &m->imports[i];
        char item[48], cnt[64];
        if (!read_name(d, field(d, "import %zu target", i), &im->target))
            return false;
        snprintf(cnt, sizeof cnt, "import %zu param count", i);
        snprintf(item, sizeof item, "import %zu param", i);
        if (!read_types(d, cnt, item, CVM_MAX_PARAMS, &im->ptypes, &im->nparams))
            return false;
        snprintf(cnt, sizeof cnt, "import %zu result count", i);
        snprintf(item, sizeof item, "import %zu result", i);
        if (!read_types(d, cnt, item, CVM_MAX_RESULTS, &im->rtypes, &im->nresults))
            return false;
    }
    /* an event is at least a name length and a field count: 2 bytes */
    if (!read_count(d, "event count", 2, sizeof *m->events, &m->nevents, &arr))
        return false;
    m->events = arr;
    for (size_t i = 0; i < m->nevents; i++) {
        cvm_event_decl *ev = &m->events[i];
        if (!read_name(d, field(d, "event %zu name", i), &ev->name))
            return false;
        /* a field is at least a name length and a type: 2 bytes */
        if (!read_small_count(d, field(d, "event %zu field count", i), CVM_MAX_FIELDS, 2, sizeof *ev->fnames,
                              &ev->nfields, &arr))
            return false;
        ev->fnames = arr;
        if (ev->nfields) {
            ev->ftypes = cvm_calloc(m->al, ev->nfields, sizeof *ev->ftypes);
            if (!ev->ftypes) {
                d->nomem = true;
                return false;
            }
        }
        for (size_t k = 0; k < ev->nfields; k++) {
            char w[64];
            snprintf(w, sizeof w, "event %zu field %zu name", i, k);
            if (!read_name(d, w, &ev->fnames[k]))
                return false;
            snprintf(w, sizeof w, "event %zu field %zu type", i, k);
            if (!read_type(d, w, &ev->ftypes[k]))
                return false;
        }
    }
    return true;
}

/* Version 2: method i's signature flag and, when typed, its signature. */
static bool read_signature(dec *d, size_t i, cvm_method *me)
{
    cvm_module *m = d->m;
    size_t at = d->r.pos;
    if (!read_flag(d, field(d, "method %zu signature flag", i), &me->typed))
        return false;
    if (!me->typed)
        return true;
    if (me->params > CVM_MAX_PARAMS) {
        cvm_reader_fail(&d->r, "method %zu signature at offset %zu: %u params, a typed method has at most %d", i, at,
                        (unsigned)me->params, CVM_MAX_PARAMS);
        return false;
    }
    /* each param is at least a name length and a type: 2 bytes */
    if (me->params > cvm_reader_left(&d->r) / 2) {
        cvm_reader_fail(&d->r, "method %zu signature at offset %zu: %u params cannot fit in the %zu bytes left", i,
                        d->r.pos, (unsigned)me->params, cvm_reader_left(&d->r));
        return false;
    }
    if (me->params) {
        me->pnames = cvm_calloc(m->al, me->params, sizeof *me->pnames);
        me->ptypes = cvm_calloc(m->al, me->params, sizeof *me->ptypes);
        if (!me->pnames || !me->ptypes) {
            d->nomem = true;
            return false;
        }
    }
    for (size_t k = 0; k < me->params; k++) {
        char w[64];
        snprintf(w, sizeof w, "method %zu param %zu name", i, k);
        if (!read_name(d, w, &me->pnames[k]))
            return false;
        snprintf(w, sizeof w, "method %zu param %zu type", i, k);
        if (!read_type(d, w, &me->ptypes[k]))
            return false;
    }
    char cnt[64], item[48];
    snprintf(cnt, sizeof cnt, "method %zu result count", i);
    snprintf(item, sizeof item, "method %zu result", i);
    return read_types(d, cnt, item, CVM_MAX_RESULTS, &me->rtypes, &me->nresults);
}

static bool read_methods(dec *d)
{
    cvm_module *m = d->m;
    void *arr;
    /* name length, len, params, flags: at least 4 bytes */
    if (!read_count(d, "method count", 4, sizeof *m->methods, &m->nmethods, &arr))
        return false;
    m->methods = arr;
    uint64_t entry = 0;
    for (size_t i = 0; i < m->nmethods; i++) {
        cvm_method *me = &m->methods[i];
        uint64_t len, params, flags;
        if (!read_name(d, field(d, "method %zu name", i), &me->name) ||
            !read_uint(d, field(d, "method %zu length", i), UINT32_MAX - entry, &len) ||
            !read_uint(d, field(d, "method %zu params", i), UINT32_MAX, &params) ||
            !read_uint(d, field(d, "method %zu flags", i), UINT32_MAX, &flags))
            return false;
        me->entry = (uint32_t)entry;
        me->len = (uint32_t)len;
        me->params = (uint32_t)params;
        me->flags = (uint32_t)flags;
        entry += len;
        if (d->version >= 2 && !read_signature(d, i, me))
            return false;
    }
    return true;
}

static bool read_code(dec *d)
{
    cvm_module *m = d->m;
    void *arr;
    if (!read_count(d, "instruction count", 1, sizeof *m->code, &m->ncode, &arr))
        return false;
    m->code = arr;
    for (size_t i = 0; i < m->ncode; i++) {
        cvm_insn *in = &m->code[i];
        size_t at = d->r.pos;
        uint8_t byte;
        if (!cvm_reader_u8(&d->r, field(d, "instruction %zu", i), &byte))
            return false;
        in->op = byte & 0x7f;
        in->has_operand = byte >> 7;
        if (in->op >= CVM_OP_COUNT) {
            cvm_reader_fail(&d->r, "instruction %zu at offset %zu: unknown opcode %u", i, at, (unsigned)in->op);
            return false;
        }
        if (!in->has_operand)
            continue;
        const cvm_opinfo *oi = cvm_opinfo_of(in->op);
        const char *what = field(d, "instruction %zu operand", i);
        if (oi->operand == CVM_OPK_INT) {
            if (!cvm_reader_svarint(&d->r, what, &in->operand))
                return false;
        } else {
            uint64_t u;
            if (!read_uint(d, what, INT64_MAX, &u))
                return false;
            in->operand = (int64_t)u;
        }
    }
    return true;
}

static bool read_lines(dec *d)
{
    cvm_module *m = d->m;
    bool has;
    if (!read_flag(d, "line table flag", &has))
        return false;
    if (!has)
        return true;
    if (m->ncode == 0) {
        cvm_reader_fail(&d->r, "line table flag at offset %zu: a module without instructions has no line table",
                        d->r.pos - 1);
        return false;
    }
    if (m->ncode > cvm_reader_left(&d->r)) {
        cvm_reader_fail(&d->r, "line table at offset %zu: %zu entries cannot fit in the %zu bytes left", d->r.pos,
                        m->ncode, cvm_reader_left(&d->r));
        return false;
    }
    m->lines = cvm_calloc(m->al, m->ncode, sizeof *m->lines);
    if (!m->lines) {
        d->nomem = true;
        return false;
    }
    for (size_t i = 0; i < m->ncode; i++) {
        uint64_t v;
        if (!read_uint(d, field(d, "line %zu", i), UINT32_MAX, &v))
            return false;
        m->lines[i] = (uint32_t)v;
    }
    return true;
}

cvm_status cvm_module_decode(const cvm_allocator *al, const uint8_t *bytes, size_t len, cvm_module **out,
                             char *err, size_t errcap)
{
    *out = NULL;
    if (err && errcap)
        err[0] = '\0';
    dec d;
    memset(&d, 0, sizeof d);
    cvm_reader_init(&d.r, bytes, bytes ? len : 0);
    d.m = cvm_module_new(al);
    if (!d.m)
        return CVM_ENOMEM;
    bool ok = read_header(&d) && read_meta(&d) && read_state_and_consts(&d) &&
              (d.version < 2 || read_decls(&d)) && read_methods(&d) && read_code(&d) && read_lines(&d);
    if (ok && cvm_reader_left(&d.r) != 0) {
        cvm_reader_fail(&d.r, "end of module at offset %zu: %zu trailing bytes", d.r.pos, cvm_reader_left(&d.r));
        ok = false;
    }
    /* canonical form: version 2 only for what version 1 cannot say */
    if (ok && d.version != cvm_module_format_version(d.m)) {
        cvm_reader_fail(&d.r,
                        "format version at offset 4: version %u for a module without typed methods, imports or "
                        "events (such a module is written as version %d)",
                        d.version, CVM_MODULE_VERSION_1);
        ok = false;
    }
    if (!ok) {
        cvm_module_free(d.m);
        if (d.nomem)
            return CVM_ENOMEM;
        if (err && errcap)
            snprintf(err, errcap, "%s", d.r.err);
        return CVM_EINPUT;
    }
    *out = d.m;
    return CVM_OK;
}
