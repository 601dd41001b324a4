/*
 * cooperatives.c — _Cooperatives: cooperatives (creator, purpose, resource
 * impacts, federation, quorum), their members and their resource
 * allocations. The cooperative opcodes of bytecode reach it through
 * cvm_sdk_coop; transactions call it directly. Identities are signers
 * (people), never the calling contract.
 *
 * State (docs/cooperatives.md), keys of text plus raw address bytes:
 *   coop:<id>:creator      20 address bytes (the cooperative exists iff set)
 *   coop:<id>:purpose      the purpose's bytes (absent when "")
 *   coop:<id>:federation   the federation's bytes (absent when "")
 *   coop:<id>:cpu, :memory, :network, :storage, :bandwidth   i64 0..100
 *   coop:<id>:members      i64, the member count
 *   coop:<id>:quorum       i64 1..100 (50 at creation; _Governance changes it)
 *   member:<id>:<address>  i64 1
 *   alloc:<id>:<resource>  i64, the resource's total (resource in decimal)
 * Integers follow state/value.h (8 bytes LE, 0 not stored). An id is an
 * identifier, so ':' never appears in one and every key has one reading.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "native/native.h"
#include "state/value.h"

#define KEY_MAX 128 /* the longest key: "member:" + 63 + ":" + 20 */

typedef struct coop_key {
    uint8_t b[KEY_MAX];
    size_t n;
} coop_key;

/* prefix + id + ":" + tail[0..taillen) */
static void key_make(coop_key *k, const char *prefix, const uint8_t *id, size_t idlen, const void *tail,
                     size_t taillen)
{
    size_t pl = strlen(prefix);
    memcpy(k->b, prefix, pl);
    memcpy(k->b + pl, id, idlen);
    k->b[pl + idlen] = ':';
    memcpy(k->b + pl + idlen + 1, tail, taillen);
    k->n = pl + idlen + 1 + taillen;
}

static void key_field(coop_key *k, const uint8_t *id, size_t idlen, const char *field)
{
    key_make(k, "coop:", id, idlen, field, strlen(field));
}

static void key_member(coop_key *k, const uint8_t *id, size_t idlen, const uint8_t addr[CVM_ADDRESS_BYTES])
{
    key_make(k, "member:", id, idlen, addr, CVM_ADDRESS_BYTES);
}

static void key_alloc(coop_key *k, const uint8_t *id, size_t idlen, int64_t resource)
{
    char d[24];
    int n = snprintf(d, sizeof d, "%lld", (long long)resource);
    key_make(k, "alloc:", id, idlen, d, (size_t)n);
}

/* Reads a key of _Cooperatives' own namespace, from whichever frame: its
 * own methods (whose owner is _Cooperatives: every method takes a string
 * first, so bytecode cannot run one with CallLibrary) and _Governance. The
 * value is borrowed until the next write. */
static cvm_code rd(cvm_context *ctx, const coop_key *k, const uint8_t **p, size_t *n, cvm_error *err)
{
    cvm_status st = cvm_overlay_read(ctx->ov, (const uint8_t *)CVM_COOPERATIVES, strlen(CVM_COOPERATIVES), k->b, k->n,
                                     p, n, NULL);
    if (st != CVM_OK)
        return cvm_ctx_fail(ctx, st, err, "reading _Cooperatives: %s", cvm_overlay_errmsg(ctx->ov));
    return CVM_CODE_NONE;
}

static cvm_code rd_i64(cvm_context *ctx, const coop_key *k, int64_t *v, cvm_error *err)
{
    const uint8_t *p;
    size_t n;
    cvm_code c = rd(ctx, k, &p, &n, err);
    if (c != CVM_CODE_NONE)
        return c;
    if (cvm_state_i64_decode(p, n, v, NULL, 0) != CVM_OK) {
        cvm_error_set(err, CVM_CODE_HOST_ERROR, "_Cooperatives holds a damaged integer at '%.*s'",
                      (int)(k->n > 80 ? 80 : k->n), (const char *)k->b);
        return CVM_CODE_HOST_ERROR;
    }
    return CVM_CODE_NONE;
}

static cvm_code wr(cvm_context *ctx, const coop_key *k, const void *v, size_t n, cvm_error *err)
{
    return cvm_native_write(ctx, k->b, k->n, v, n, err);
}

static cvm_code wr_i64(cvm_context *ctx, const coop_key *k, int64_t v, cvm_error *err)
{
    return cvm_native_write_i64(ctx, k->b, k->n, v, err);
}

static cvm_code fail(cvm_error *err, cvm_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static cvm_code fail(cvm_error *err, cvm_code code, const char *fmt, ...)
{
    char msg[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cvm_error_set(err, code, "%s", msg);
    return code;
}

static cvm_code no_memory(cvm_context *ctx, cvm_error *err)
{
    return cvm_ctx_fail(ctx, CVM_ENOMEM, err, "out of memory for an output");
}

/* ------------------------------------------------------------ helpers */

bool cvm_coop_id_ok(const uint8_t *id, size_t len, const char *what, cvm_error *err)
{
    bool ok = len >= 1 && len <= CVM_COOP_ID_MAX && id;
    for (size_t i = 0; ok && i < len; i++) {
        uint8_t ch = id[i];
        bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
        ok = alpha || (i > 0 && ch >= '0' && ch <= '9');
    }
    if (!ok)
        cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS,
                      "%s: a cooperative id is an identifier ([A-Za-z_][A-Za-z0-9_]*, 1..%d bytes); the one "
                      "given (%zu bytes) is not",
                      what, CVM_COOP_ID_MAX, len);
    return ok;
}

cvm_code cvm_coop_read(cvm_context *ctx, const uint8_t *id, size_t len, cvm_coop_record *out, cvm_error *err)
{
    memset(out, 0, sizeof *out);
    coop_key k;
    const uint8_t *p;
    size_t n;
    key_field(&k, id, len, "creator");
    cvm_code c = rd(ctx, &k, &p, &n, err);
    if (c != CVM_CODE_NONE || n == 0)
        return c;
    if (n != CVM_ADDRESS_BYTES)
        return fail(err, CVM_CODE_HOST_ERROR, "_Cooperatives holds a damaged creator for cooperative %.*s", (int)len,
                    (const char *)id);
    memcpy(out->creator, p, CVM_ADDRESS_BYTES);
    key_field(&k, id, len, "members");
    if ((c = rd_i64(ctx, &k, &out->members, err)) != CVM_CODE_NONE)
        return c;
    key_field(&k, id, len, "quorum");
    if ((c = rd_i64(ctx, &k, &out->quorum, err)) != CVM_CODE_NONE)
        return c;
    out->found = true;
    return CVM_CODE_NONE;
}

cvm_code cvm_coop_is_member(cvm_context *ctx, const uint8_t *id, size_t len, const uint8_t addr[CVM_ADDRESS_BYTES],
                            bool *member, cvm_error *err)
{
    coop_key k;
    int64_t v = 0;
    key_member(&k, id, len, addr);
    cvm_code c = rd_i64(ctx, &k, &v, err);
    *member = v != 0;
    return c;
}

/* The cooperative named by args[0], which must exist: COOPERATIVE_NOT_FOUND
 * (or WRONG_ARGUMENTS for an id that cannot be one) otherwise. */
static cvm_code find(cvm_context *ctx, const cvm_arg *a, const char *method, cvm_coop_record *rec, cvm_error *err)
{
    char what[48];
    snprintf(what, sizeof what, "_Cooperatives.%s", method);
    if (!cvm_coop_id_ok(a->v.bytes.ptr, a->v.bytes.len, what, err))
        return CVM_CODE_WRONG_ARGUMENTS;
    cvm_code c = cvm_coop_read(ctx, a->v.bytes.ptr, a->v.bytes.len, rec, err);
    if (c == CVM_CODE_NONE && !rec->found)
        c = fail(err, CVM_CODE_COOPERATIVE_NOT_FOUND, "cooperative %.*s does not exist", (int)a->v.bytes.len,
                 (const char *)a->v.bytes.ptr);
    return c;
}

/* NOT_A_MEMBER unless the signer is a member of cooperative id. */
static cvm_code need_member(cvm_context *ctx, const cvm_arg *id, cvm_error *err)
{
    bool member;
    const uint8_t *who = cvm_sdk_signer(ctx);
    cvm_code c = cvm_coop_is_member(ctx, id->v.bytes.ptr, id->v.bytes.len, who, &member, err);
    if (c != CVM_CODE_NONE || member)
        return c;
    char hex[2 * CVM_ADDRESS_BYTES + 3];
    cvm_address_hex(who, hex);
    return fail(err, CVM_CODE_NOT_A_MEMBER, "account %s is not a member of cooperative %.*s", hex,
                (int)id->v.bytes.len, (const char *)id->v.bytes.ptr);
}

/* A purpose or federation: at most 1024 bytes, no NUL (as in a module). */
static bool text_ok(const cvm_arg *a, const char *what, cvm_error *err)
{
    if (a->v.bytes.len <= CVM_COOP_TEXT_MAX && !(a->v.bytes.len && memchr(a->v.bytes.ptr, '\0', a->v.bytes.len)))
        return true;
    cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS, "_Cooperatives.create: the %s has a NUL byte or more than %d bytes",
                  what, CVM_COOP_TEXT_MAX);
    return false;
}

static const char *const impact_names[5] = {"cpu", "memory", "network", "storage", "bandwidth"};

/* ------------------------------------------------------------- methods */

/* create(id, purpose, cpu, memory, network, storage, bandwidth,
 * federation): the signer becomes creator and first member; quorum 50. */
static cvm_code coop_create(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    (void)out;
    const uint8_t *id = args[0].v.bytes.ptr;
    size_t idlen = args[0].v.bytes.len;
    if (!cvm_coop_id_ok(id, idlen, "_Cooperatives.create", err))
        return CVM_CODE_WRONG_ARGUMENTS;
    if (!text_ok(&args[1], "purpose", err) || !text_ok(&args[7], "federation", err))
        return CVM_CODE_WRONG_ARGUMENTS;
    for (size_t i = 0; i < 5; i++) {
        int64_t v = args[2 + i].v.i64;
        if (v < 0 || v > 100)
            return fail(err, CVM_CODE_WRONG_ARGUMENTS, "_Cooperatives.create: the %s impact is 0..100, got %lld",
                        impact_names[i], (long long)v);
    }
    cvm_coop_record rec;
    cvm_code c = cvm_coop_read(ctx, id, idlen, &rec, err);
    if (c != CVM_CODE_NONE)
        return c;
    if (rec.found)
        return fail(err, CVM_CODE_COOPERATIVE_EXISTS, "cooperative %.*s already exists", (int)idlen,
                    (const char *)id);
    const uint8_t *who = cvm_sdk_signer(ctx);
    coop_key k;
    key_field(&k, id, idlen, "creator");
    if ((c = wr(ctx, &k, who, CVM_ADDRESS_BYTES, err)) != CVM_CODE_NONE)
        return c;
    key_field(&k, id, idlen, "purpose");
    if ((c = wr(ctx, &k, args[1].v.bytes.ptr, args[1].v.bytes.len, err)) != CVM_CODE_NONE)
        return c;
    key_field(&k, id, idlen, "federation");
    if ((c = wr(ctx, &k, args[7].v.bytes.ptr, args[7].v.bytes.len, err)) != CVM_CODE_NONE)
        return c;
    for (size_t i = 0; i < 5; i++) {
        key_field(&k, id, idlen, impact_names[i]);
        if ((c = wr_i64(ctx, &k, args[2 + i].v.i64, err)) != CVM_CODE_NONE)
            return c;
    }
    key_field(&k, id, idlen, "members");
    if ((c = wr_i64(ctx, &k, 1, err)) != CVM_CODE_NONE)
        return c;
    key_field(&k, id, idlen, "quorum");
    if ((c = wr_i64(ctx, &k, CVM_COOP_DEFAULT_QUORUM, err)) != CVM_CODE_NONE)
        return c;
    key_member(&k, id, idlen, who);
    if ((c = wr_i64(ctx, &k, 1, err)) != CVM_CODE_NONE)
        return c;
    cvm_event_field f[3] = {
        {"cooperative_id", cvm_arg_stringn((const char *)id, idlen)},
        {"creator", cvm_arg_bytes(who, CVM_ADDRESS_BYTES)},
        {"purpose", cvm_arg_stringn((const char *)args[1].v.bytes.ptr, args[1].v.bytes.len)},
    };
    return cvm_native_emit(ctx, "CooperativeCreated", 18, f, 3, err);
}

/* join(id): the signer becomes a member. */
static cvm_code coop_join(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    (void)out;
    cvm_coop_record rec;
    cvm_code c = find(ctx, &args[0], "join", &rec, err);
    if (c != CVM_CODE_NONE)
        return c;
    const uint8_t *id = args[0].v.bytes.ptr;
    size_t idlen = args[0].v.bytes.len;
    const uint8_t *who = cvm_sdk_signer(ctx);
    bool member;
    if ((c = cvm_coop_is_member(ctx, id, idlen, who, &member, err)) != CVM_CODE_NONE)
        return c;
    if (member) {
        char hex[2 * CVM_ADDRESS_BYTES + 3];
        cvm_address_hex(who, hex);
        return fail(err, CVM_CODE_ALREADY_MEMBER, "account %s is already a member of cooperative %.*s", hex,
                    (int)idlen, (const char *)id);
    }
    coop_key k;
    key_member(&k, id, idlen, who);
    if ((c = wr_i64(ctx, &k, 1, err)) != CVM_CODE_NONE)
        return c;
    key_field(&k, id, idlen, "members");
    if ((c = wr_i64(ctx, &k, rec.members + 1, err)) != CVM_CODE_NONE)
        return c;
    cvm_event_field f[2] = {
        {"cooperative_id", cvm_arg_stringn((const char *)id, idlen)},
        {"member", cvm_arg_bytes(who, CVM_ADDRESS_BYTES)},
    };
    return cvm_native_emit(ctx, "CooperativeJoined", 17, f, 2, err);
}

/* allocate(id, resource_id, amount): a member adds amount (> 0) to the
 * resource's total, unless the cooperative's cpu, memory or network impact
 * is above 80. */
static cvm_code coop_allocate(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    (void)out;
    cvm_coop_record rec;
    cvm_code c = find(ctx, &args[0], "allocate", &rec, err);
    if (c != CVM_CODE_NONE)
        return c;
    if ((c = need_member(ctx, &args[0], err)) != CVM_CODE_NONE)
        return c;
    const uint8_t *id = args[0].v.bytes.ptr;
    int idlen = (int)args[0].v.bytes.len;
    int64_t resource = args[1].v.i64, amount = args[2].v.i64;
    if (amount <= 0)
        return fail(err, CVM_CODE_INVALID_AMOUNT, "allocating %lld to resource %lld of cooperative %.*s: the amount "
                    "must be positive", (long long)amount, (long long)resource, idlen, (const char *)id);
    coop_key k;
    for (size_t i = 0; i < 3; i++) { /* cpu, memory, network */
        int64_t impact;
        key_field(&k, id, (size_t)idlen, impact_names[i]);
        if ((c = rd_i64(ctx, &k, &impact, err)) != CVM_CODE_NONE)
            return c;
        if (impact > CVM_COOP_IMPACT_LIMIT)
            return fail(err, CVM_CODE_RESOURCE_IMPACT_TOO_HIGH,
                        "cooperative %.*s: its %s impact %lld is above %d, so it may not allocate resources", idlen,
                        (const char *)id, impact_names[i], (long long)impact, CVM_COOP_IMPACT_LIMIT);
    }
    int64_t total;
    key_alloc(&k, id, (size_t)idlen, resource);
    if ((c = rd_i64(ctx, &k, &total, err)) != CVM_CODE_NONE)
        return c;
    if (total > INT64_MAX - amount)
        return fail(err, CVM_CODE_INVALID_AMOUNT,
                    "allocating %lld to resource %lld of cooperative %.*s: the total %lld would overflow",
                    (long long)amount, (long long)resource, idlen, (const char *)id, (long long)total);
    if ((c = wr_i64(ctx, &k, total + amount, err)) != CVM_CODE_NONE)
        return c;
    cvm_event_field f[4] = {
        {"cooperative_id", cvm_arg_stringn((const char *)id, (size_t)idlen)},
        {"resource_id", cvm_arg_int64(resource)},
        {"amount", cvm_arg_int64(amount)},
        {"member", cvm_arg_bytes(cvm_sdk_signer(ctx), CVM_ADDRESS_BYTES)},
    };
    return cvm_native_emit(ctx, "ResourceAllocated", 17, f, 4, err);
}

/* getInfo(id) -> creator bytes, purpose string, cpu, memory, network,
 * storage, bandwidth int64, federation string, members int64, quorum int64 */
static cvm_code coop_get_info(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    cvm_coop_record rec;
    cvm_code c = find(ctx, &args[0], "getInfo", &rec, err);
    if (c != CVM_CODE_NONE)
        return c;
    const uint8_t *id = args[0].v.bytes.ptr;
    size_t idlen = args[0].v.bytes.len;
    coop_key k;
    const uint8_t *p;
    size_t n;
    if (!cvm_out_put(ctx, out, cvm_arg_bytes(rec.creator, CVM_ADDRESS_BYTES)))
        return no_memory(ctx, err);
    key_field(&k, id, idlen, "purpose");
    if ((c = rd(ctx, &k, &p, &n, err)) != CVM_CODE_NONE)
        return c;
    if (!cvm_out_put(ctx, out, cvm_arg_stringn((const char *)p, n)))
        return no_memory(ctx, err);
    for (size_t i = 0; i < 5; i++) {
        int64_t v;
        key_field(&k, id, idlen, impact_names[i]);
        if ((c = rd_i64(ctx, &k, &v, err)) != CVM_CODE_NONE)
            return c;
        if (!cvm_out_put(ctx, out, cvm_arg_int64(v)))
            return no_memory(ctx, err);
    }
    key_field(&k, id, idlen, "federation");
    if ((c = rd(ctx, &k, &p, &n, err)) != CVM_CODE_NONE)
        return c;
    if (!cvm_out_put(ctx, out, cvm_arg_stringn((const char *)p, n)) ||
        !cvm_out_put(ctx, out, cvm_arg_int64(rec.members)) || !cvm_out_put(ctx, out, cvm_arg_int64(rec.quorum)))
        return no_memory(ctx, err);
    return CVM_CODE_NONE;
}

/* isMember(id, address bytes(20)) -> bool */
static cvm_code coop_is_member(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    cvm_coop_record rec;
    cvm_code c = find(ctx, &args[0], "isMember", &rec, err);
    if (c != CVM_CODE_NONE)
        return c;
    if (args[1].v.bytes.len != CVM_ADDRESS_BYTES)
        return fail(err, CVM_CODE_WRONG_ARGUMENTS, "_Cooperatives.isMember: the address must be %d bytes, got %zu",
                    CVM_ADDRESS_BYTES, args[1].v.bytes.len);
    bool member;
    if ((c = cvm_coop_is_member(ctx, args[0].v.bytes.ptr, args[0].v.bytes.len, args[1].v.bytes.ptr, &member, err)) !=
        CVM_CODE_NONE)
        return c;
    return cvm_out_put(ctx, out, cvm_arg_bool(member)) ? CVM_CODE_NONE : no_memory(ctx, err);
}

/* allocation(id, resource_id) -> int64: the resource's total, 0 when none */
static cvm_code coop_allocation(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    cvm_coop_record rec;
    cvm_code c = find(ctx, &args[0], "allocation", &rec, err);
    if (c != CVM_CODE_NONE)
        return c;
    coop_key k;
    int64_t total;
    key_alloc(&k, args[0].v.bytes.ptr, args[0].v.bytes.len, args[1].v.i64);
    if ((c = rd_i64(ctx, &k, &total, err)) != CVM_CODE_NONE)
        return c;
    return cvm_out_put(ctx, out, cvm_arg_int64(total)) ? CVM_CODE_NONE : no_memory(ctx, err);
}

/* setQuorum(id, quorum), system-only: how _Governance.updateQuorum, which
 * checks who asks and says so in its event, changes the stored quorum. */
static cvm_code coop_set_quorum(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    (void)out;
    cvm_coop_record rec;
    cvm_code c = find(ctx, &args[0], "setQuorum", &rec, err);
    if (c != CVM_CODE_NONE)
        return c;
    int64_t q = args[1].v.i64;
    if (q < 1 || q > 100)
        return fail(err, CVM_CODE_INVALID_QUORUM, "quorum %lld for cooperative %.*s: a quorum is 1..100 (%%)",
                    (long long)q, (int)args[0].v.bytes.len, (const char *)args[0].v.bytes.ptr);
    coop_key k;
    key_field(&k, args[0].v.bytes.ptr, args[0].v.bytes.len, "quorum");
    return wr_i64(ctx, &k, q, err);
}

static const cvm_arg_type create_params[] = {CVM_ARG_STRING, CVM_ARG_STRING, CVM_ARG_INT64, CVM_ARG_INT64,
                                             CVM_ARG_INT64,  CVM_ARG_INT64,  CVM_ARG_INT64, CVM_ARG_STRING};
static const cvm_arg_type id_params[] = {CVM_ARG_STRING};
static const cvm_arg_type id_i64_i64_params[] = {CVM_ARG_STRING, CVM_ARG_INT64, CVM_ARG_INT64};
static const cvm_arg_type id_i64_params[] = {CVM_ARG_STRING, CVM_ARG_INT64};
static const cvm_arg_type id_address_params[] = {CVM_ARG_STRING, CVM_ARG_BYTES};

static const cvm_native_method methods[] = {
    {"create", create_params, 8, CVM_MF_WRITES, coop_create},
    {"join", id_params, 1, CVM_MF_WRITES, coop_join},
    {"allocate", id_i64_i64_params, 3, CVM_MF_WRITES, coop_allocate},
    {"getInfo", id_params, 1, 0, coop_get_info},
    {"isMember", id_address_params, 2, 0, coop_is_member},
    {"allocation", id_i64_params, 2, 0, coop_allocation},
    {"setQuorum", id_i64_params, 2, CVM_MF_SYSTEM | CVM_MF_WRITES, coop_set_quorum},
};

const cvm_native_service cvm_native_cooperatives = {CVM_COOPERATIVES, methods, sizeof methods / sizeof methods[0]};
