/* tx_json.c — the JSON view of a transaction (see tx_json.h). */
#include "tx_json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/hex.h"
#include "codec/json.h"

static void set_err(char *err, size_t errcap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errcap, const char *fmt, ...)
{
    if (!err || !errcap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errcap, fmt, ap);
    va_end(ap);
}

/* A hex string of p[0..n) (a key or a signature, n <= 64) as a new JSON
 * string; NULL on allocation failure. */
static json_t *hex_json(const uint8_t *p, size_t n)
{
    char h[2 * CVM_SIGNATURE_BYTES + 1];
    if (n > CVM_SIGNATURE_BYTES)
        return NULL;
    cvm_hex_write(h, p, n);
    return json_stringn(h, 2 * n);
}

/* Sets key on o to v (stolen); false when v is NULL or the set failed. */
static bool put(json_t *o, const char *key, json_t *v)
{
    return v && json_object_set_new(o, key, v) == 0;
}

/* ------------------------------------------------------------ arguments */

/* A transaction's JSON must read back to the same typed values (or the
 * signature would not verify), so an argument is written in the codec's
 * plain form (codec/json.h) only where the scenario reader maps that form
 * back to the same type: int64, bool, bytes ("0x..."), and strings that do
 * not start with "0x". A uint64 and a "0x..." string are written as the
 * explicit one-key object {"uint64": N} / {"string": "0x..."}. */
static json_t *tx_arg_to_json(const cvm_arg *a)
{
    json_t *v = cvm_arg_to_json(a);
    bool explicit_type = a->type == CVM_ARG_UINT64 ||
                         (a->type == CVM_ARG_STRING && a->v.bytes.len >= 2 && a->v.bytes.ptr[0] == '0' &&
                          a->v.bytes.ptr[1] == 'x');
    if (!v || !explicit_type)
        return v;
    json_t *o = json_object();
    if (!o) {
        json_decref(v);
        return NULL;
    }
    if (json_object_set_new(o, cvm_arg_type_name(a->type), v) != 0) { /* v is released */
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *args_to_json(const cvm_arg *args, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *a = tx_arg_to_json(&args[i]);
        if (!a || json_array_append_new(arr, a) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* Parses a whole decimal uint64 string. */
static bool parse_u64(const char *s, uint64_t *out)
{
    if (!*s)
        return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* ---------------------------------------------------------- transaction */

json_t *cvm_tx_to_json(const cvm_transaction *tx, char *err, size_t errcap)
{
    /* Encode first: the JSON view exists only for encodable transactions. */
    uint8_t h[CVM_HASH_BYTES];
    cvm_errmsg why;
    if (cvm_tx_hash(NULL, tx, h, &why) != CVM_OK) {
        set_err(err, errcap, "%s", why.text);
        return NULL;
    }
    set_err(err, errcap, "out of memory");
    json_t *o = json_object(), *signer = json_object();
    bool ok = o && signer;
    ok = ok && put(o, "protocol_version", json_integer(tx->protocol_version));
    ok = ok && put(o, "virtual_chain_id", json_integer(tx->virtual_chain_id));
    ok = ok && put(o, "timestamp", cvm_json_uint64(tx->timestamp));
    ok = ok && put(signer, "scheme", json_integer(tx->signer_scheme));
    if (cvm_tx_scheme_has_key(tx->signer_scheme))
        ok = ok && put(signer, "public_key", hex_json(tx->signer_key, CVM_PUBKEY_BYTES));
    if (ok) {
        ok = put(o, "signer", signer);
        signer = NULL;
    }
    ok = ok && put(o, "service", json_string_nocheck(tx->service));
    ok = ok && put(o, "method", json_string_nocheck(tx->method));
    ok = ok && put(o, "args", args_to_json(tx->args, tx->nargs));
    if (tx->signature)
        ok = ok && put(o, "signature", hex_json(tx->signature, CVM_SIGNATURE_BYTES));
    json_decref(signer);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    set_err(err, errcap, "%s", "");
    return o;
}

/* Reads an unsigned integer field of at most max (a JSON integer, or a
 * decimal string for values past INT64_MAX). */
static bool get_uint(const json_t *o, const char *key, uint64_t max, uint64_t *out, char *err, size_t errcap)
{
    const json_t *v = json_object_get(o, key);
    if (!v) {
        set_err(err, errcap, "missing \"%s\"", key);
        return false;
    }
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
    } else if (!json_is_string(v) || !parse_u64(json_string_value(v), out)) {
        set_err(err, errcap, "\"%s\" must be a non-negative integer", key);
        return false;
    }
    if (*out > max) {
        set_err(err, errcap, "\"%s\" is %" PRIu64 ", above the maximum %" PRIu64, key, *out, max);
        return false;
    }
    return true;
}

/* Reads a hex field of exactly n bytes. */
static bool get_hex(const json_t *o, const char *key, const char *where, uint8_t *out, size_t n, char *err,
                    size_t errcap)
{
    const json_t *v = json_object_get(o, key);
    if (!v) {
        set_err(err, errcap, "missing \"%s\"%s", key, where);
        return false;
    }
    if (!json_is_string(v) || !cvm_hex_decode(json_string_value(v), json_string_length(v), out, n)) {
        set_err(err, errcap, "\"%s\"%s must be %zu hex digits", key, where, 2 * n);
        return false;
    }
    return true;
}

/* Reads a name field: a string without NUL. */
static const char *get_name(const json_t *o, const char *key, char *err, size_t errcap)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_string(v)) {
        set_err(err, errcap, v ? "\"%s\" must be a string" : "missing \"%s\"", key);
        return NULL;
    }
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        set_err(err, errcap, "\"%s\" contains a NUL character", key);
        return NULL;
    }
    return json_string_value(v);
}

/* Rejects keys outside allowed (a NULL-terminated list). */
static bool only_keys(const json_t *o, const char *const *allowed, const char *where, char *err, size_t errcap)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)o, key, v) {
        (void)v;
        bool found = false;
        for (const char *const *a = allowed; *a && !found; a++)
            found = strcmp(*a, key) == 0;
        if (!found) {
            set_err(err, errcap, "unknown key \"%s\"%s", key, where);
            return false;
        }
    }
    return true;
}

cvm_status cvm_tx_from_json(const cvm_allocator *al, const json_t *j, cvm_tx_decoded *out, char *err,
                            size_t errcap)
{
    static const char *const tx_keys[] = {"protocol_version", "virtual_chain_id", "timestamp", "signer", "service",
                                          "method", "args", "signature", NULL};
    static const char *const signer_keys[] = {"scheme", "public_key", NULL};
    memset(out, 0, sizeof *out);
    if (!json_is_object(j)) {
        set_err(err, errcap, "a transaction must be a JSON object");
        return CVM_EINPUT;
    }
    if (!only_keys(j, tx_keys, "", err, errcap))
        return CVM_EINPUT;

    cvm_transaction tx;
    memset(&tx, 0, sizeof tx);
    uint64_t u;
    if (!get_uint(j, "protocol_version", UINT32_MAX, &u, err, errcap))
        return CVM_EINPUT;
    tx.protocol_version = (uint32_t)u;
    if (!get_uint(j, "virtual_chain_id", UINT32_MAX, &u, err, errcap))
        return CVM_EINPUT;
    tx.virtual_chain_id = (uint32_t)u;
    if (!get_uint(j, "timestamp", UINT64_MAX, &tx.timestamp, err, errcap))
        return CVM_EINPUT;

    const json_t *signer = json_object_get(j, "signer");
    if (!json_is_object(signer)) {
        set_err(err, errcap, signer ? "\"signer\" must be an object" : "missing \"signer\"");
        return CVM_EINPUT;
    }
    if (!only_keys(signer, signer_keys, " in \"signer\"", err, errcap))
        return CVM_EINPUT;
    if (!get_uint(signer, "scheme", UINT8_MAX, &u, err, errcap))
        return CVM_EINPUT;
    tx.signer_scheme = (uint8_t)u;
    if (cvm_tx_scheme_has_key(tx.signer_scheme)) {
        if (!get_hex(signer, "public_key", " in \"signer\"", tx.signer_key, CVM_PUBKEY_BYTES, err, errcap))
            return CVM_EINPUT;
    } else if (json_object_get(signer, "public_key")) {
        set_err(err, errcap, "scheme 0 (unsigned) has no \"public_key\"");
        return CVM_EINPUT;
    }
    if (!(tx.service = get_name(j, "service", err, errcap)) || !(tx.method = get_name(j, "method", err, errcap)))
        return CVM_EINPUT;

    uint8_t sig[CVM_SIGNATURE_BYTES];
    if (json_object_get(j, "signature")) {
        if (!get_hex(j, "signature", "", sig, sizeof sig, err, errcap))
            return CVM_EINPUT;
        tx.signature = sig;
    }

    const json_t *args = json_object_get(j, "args");
    if (args && !json_is_array(args)) {
        set_err(err, errcap, "\"args\" must be an array");
        return CVM_EINPUT;
    }
    cvm_arena arena;
    cvm_arena_init(&arena, al);
    cvm_arg *av = NULL;
    cvm_status st = cvm_args_from_json(args, &arena, &av, &tx.nargs, err, errcap);
    tx.args = av;

    /* Through the binary form: one validation, and out owns a compact copy. */
    if (st == CVM_OK) {
        cvm_buf b;
        cvm_buf_init(&b, al);
        st = tx.signature ? cvm_tx_encode_signed(&b, &tx, err, errcap) : cvm_tx_encode(&b, &tx, err, errcap);
        if (st == CVM_OK)
            st = cvm_tx_decode(al, b.data, b.len, tx.signature != NULL, out, err, errcap);
        cvm_buf_free(&b);
    }
    cvm_arena_free(&arena);
    return st;
}
