/* tx.c — the transaction codec, hash, signing and signature check (see tx.h). */
#include "tx.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/reader.h"
#include "crypto/hash.h"
#include "crypto/sign.h"

static void set_err(char *err, size_t errcap, const char *msg)
{
    if (err && errcap)
        snprintf(err, errcap, "%s", msg);
}

const char *cvm_tx_verdict_name(cvm_tx_verdict v)
{
    switch (v) {
    case CVM_TX_VALID: return "VALID";
    case CVM_TX_INVALID_SIGNATURE: return "INVALID_SIGNATURE";
    case CVM_TX_INVALID_ADDRESS_SCHEME: return "INVALID_ADDRESS_SCHEME";
    }
    return "UNKNOWN";
}

bool cvm_tx_scheme_has_key(uint8_t scheme) { return scheme != CVM_SCHEME_NONE; }

/* ------------------------------------------------------------ arguments */
/* TEMPORARY: the argument-list encoding belongs to src/codec/args.* (the
 * serial branch). Until it lands these two stand in with the same shape:
 * a uvarint count, then per argument a type byte and its value. */

static bool args_put(cvm_buf *b, const cvm_arg *args, size_t n, char *err, size_t errcap)
{
    cvm_buf_uvarint(b, n);
    for (size_t i = 0; i < n; i++) {
        const cvm_arg *a = &args[i];
        switch (a->type) {
        case CVM_ARG_INT64: cvm_buf_byte(b, 1); cvm_buf_svarint(b, a->v.i64); break;
        case CVM_ARG_UINT64: cvm_buf_byte(b, 2); cvm_buf_uvarint(b, a->v.u64); break;
        case CVM_ARG_STRING:
        case CVM_ARG_BYTES:
            cvm_buf_byte(b, (uint8_t)a->type);
            cvm_buf_uvarint(b, a->v.bytes.len);
            cvm_buf_put(b, a->v.bytes.ptr, a->v.bytes.len);
            break;
        case CVM_ARG_BOOL: cvm_buf_byte(b, 5); cvm_buf_byte(b, a->v.boolean ? 1 : 0); break;
        default:
            if (err && errcap)
                snprintf(err, errcap, "argument %zu: unknown type %d", i, (int)a->type);
            return false;
        }
    }
    return true;
}

/* Reads the argument list into a new array (owned by the caller, NULL when
 * empty); string and bytes values point into the reader's input. */
static bool args_get(cvm_reader *r, const cvm_allocator *al, cvm_arg **out, size_t *nout, bool *oom)
{
    uint64_t n;
    *out = NULL;
    *nout = 0;
    if (!cvm_reader_uvarint(r, "argument count", &n))
        return false;
    if (n > cvm_reader_left(r) / 2) { /* each argument takes at least 2 bytes */
        cvm_reader_fail(r, "argument count at offset %zu: %llu arguments cannot fit in %zu bytes", r->pos,
                        (unsigned long long)n, cvm_reader_left(r));
        return false;
    }
    if (n == 0)
        return true;
    cvm_arg *args = cvm_calloc(al, (size_t)n, sizeof *args);
    if (!args) {
        *oom = true;
        cvm_reader_fail(r, "out of memory");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t t;
        size_t at = r->pos;
        if (!cvm_reader_u8(r, "argument type", &t))
            break;
        args[i].type = (cvm_arg_type)t;
        switch (t) {
        case CVM_ARG_INT64: cvm_reader_svarint(r, "int64 argument", &args[i].v.i64); break;
        case CVM_ARG_UINT64: cvm_reader_uvarint(r, "uint64 argument", &args[i].v.u64); break;
        case CVM_ARG_STRING:
        case CVM_ARG_BYTES:
            cvm_reader_bytes(r, "argument bytes", &args[i].v.bytes.ptr, &args[i].v.bytes.len);
            break;
        case CVM_ARG_BOOL: {
            uint8_t v = 0;
            if (cvm_reader_u8(r, "bool argument", &v) && v > 1)
                cvm_reader_fail(r, "bool argument at offset %zu: %u is neither 0 nor 1", r->pos - 1, v);
            args[i].v.boolean = v;
            break;
        }
        default: cvm_reader_fail(r, "argument %zu at offset %zu: unknown type %u", i, at, t); break;
        }
        if (r->failed)
            break;
    }
    if (r->failed) {
        cvm_free(al, args);
        return false;
    }
    *out = args;
    *nout = (size_t)n;
    return true;
}

/* ------------------------------------------------------------- encoding */

cvm_status cvm_tx_encode(cvm_buf *b, const cvm_transaction *tx, char *err, size_t errcap)
{
    set_err(err, errcap, "");
    if (!tx->service || !tx->method) {
        set_err(err, errcap, tx->service ? "transaction has no method" : "transaction has no service");
        return CVM_EINPUT;
    }
    if (tx->nargs && !tx->args) {
        set_err(err, errcap, "transaction has arguments but no argument array");
        return CVM_EINPUT;
    }
    cvm_buf_uvarint(b, tx->protocol_version);
    cvm_buf_uvarint(b, tx->virtual_chain_id);
    cvm_buf_uvarint(b, tx->timestamp);
    cvm_buf_byte(b, tx->signer_scheme);
    if (cvm_tx_scheme_has_key(tx->signer_scheme))
        cvm_buf_put(b, tx->signer_key, CVM_PUBKEY_BYTES);
    size_t sl = strlen(tx->service), ml = strlen(tx->method);
    cvm_buf_uvarint(b, sl);
    cvm_buf_put(b, tx->service, sl);
    cvm_buf_uvarint(b, ml);
    cvm_buf_put(b, tx->method, ml);
    if (!args_put(b, tx->args, tx->nargs, err, errcap))
        return CVM_EINPUT;
    if (!cvm_buf_ok(b)) {
        set_err(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    return CVM_OK;
}

cvm_status cvm_tx_encode_signed(cvm_buf *b, const cvm_transaction *tx, char *err, size_t errcap)
{
    if (!tx->signature) {
        set_err(err, errcap, "transaction is not signed");
        return CVM_EINPUT;
    }
    cvm_status s = cvm_tx_encode(b, tx, err, errcap);
    if (s != CVM_OK)
        return s;
    cvm_buf_put(b, tx->signature, CVM_SIGNATURE_BYTES);
    if (!cvm_buf_ok(b)) {
        set_err(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    return CVM_OK;
}

/* ------------------------------------------------------------- decoding */

/* Reads a name: length-prefixed bytes without NUL (the in-memory form is a
 * C string). */
static bool read_name(cvm_reader *r, const char *what, const uint8_t **p, size_t *n)
{
    size_t at = r->pos;
    if (!cvm_reader_bytes(r, what, p, n))
        return false;
    if (memchr(*p, 0, *n)) {
        cvm_reader_fail(r, "%s at offset %zu: contains a NUL byte", what, at);
        return false;
    }
    return true;
}

static bool read_u32(cvm_reader *r, const char *what, uint32_t *v)
{
    size_t at = r->pos;
    uint64_t x;
    if (!cvm_reader_uvarint(r, what, &x))
        return false;
    if (x > UINT32_MAX) {
        cvm_reader_fail(r, "%s at offset %zu: %llu exceeds %lu", what, at, (unsigned long long)x,
                        (unsigned long)UINT32_MAX);
        return false;
    }
    *v = (uint32_t)x;
    return true;
}

cvm_status cvm_tx_decode(const cvm_allocator *al, const uint8_t *p, size_t n, bool with_signature,
                         cvm_tx_decoded *out, char *err, size_t errcap)
{
    memset(out, 0, sizeof *out);
    set_err(err, errcap, "");
    cvm_reader r;
    cvm_reader_init(&r, p, n);
    cvm_transaction tx;
    memset(&tx, 0, sizeof tx);
    const uint8_t *key = NULL, *svc = NULL, *meth = NULL, *sig = NULL;
    size_t svc_len = 0, meth_len = 0;
    cvm_arg *args = NULL;
    size_t nargs = 0;
    bool oom = false;

    read_u32(&r, "protocol version", &tx.protocol_version);
    read_u32(&r, "virtual chain id", &tx.virtual_chain_id);
    cvm_reader_uvarint(&r, "timestamp", &tx.timestamp);
    cvm_reader_u8(&r, "signer scheme", &tx.signer_scheme);
    if (!r.failed && cvm_tx_scheme_has_key(tx.signer_scheme))
        cvm_reader_raw(&r, "signer public key", CVM_PUBKEY_BYTES, &key);
    read_name(&r, "service name", &svc, &svc_len);
    read_name(&r, "method name", &meth, &meth_len);
    if (!r.failed)
        args_get(&r, al, &args, &nargs, &oom);
    if (!r.failed && with_signature)
        cvm_reader_raw(&r, "signature", CVM_SIGNATURE_BYTES, &sig);
    if (!r.failed && cvm_reader_left(&r))
        cvm_reader_fail(&r, "transaction at offset %zu: %zu trailing bytes", r.pos, cvm_reader_left(&r));
    if (r.failed) {
        cvm_free(al, args);
        set_err(err, errcap, r.err);
        return oom ? CVM_ENOMEM : CVM_EINPUT;
    }

    /* One block: the argument array, then a copy of the input (which the
     * string and bytes arguments and the signature point into), then the two
     * names NUL-terminated. */
    size_t args_size = nargs * sizeof(cvm_arg);
    size_t total = args_size + n + svc_len + 1 + meth_len + 1;
    uint8_t *mem = cvm_malloc(al, total);
    if (!mem) {
        cvm_free(al, args);
        set_err(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    cvm_arg *margs = (cvm_arg *)(void *)mem;
    uint8_t *copy = mem + args_size;
    char *msvc = (char *)copy + n, *mmeth = msvc + svc_len + 1;
    if (n)
        memcpy(copy, p, n);
    for (size_t i = 0; i < nargs; i++) {
        margs[i] = args[i];
        if ((args[i].type == CVM_ARG_STRING || args[i].type == CVM_ARG_BYTES) && args[i].v.bytes.len)
            margs[i].v.bytes.ptr = copy + (args[i].v.bytes.ptr - p);
        else if (args[i].type == CVM_ARG_STRING || args[i].type == CVM_ARG_BYTES)
            margs[i].v.bytes.ptr = NULL;
    }
    cvm_free(al, args);
    if (svc_len)
        memcpy(msvc, svc, svc_len);
    msvc[svc_len] = '\0';
    if (meth_len)
        memcpy(mmeth, meth, meth_len);
    mmeth[meth_len] = '\0';
    if (key)
        memcpy(tx.signer_key, key, CVM_PUBKEY_BYTES);
    tx.service = msvc;
    tx.method = mmeth;
    tx.args = nargs ? margs : NULL;
    tx.nargs = nargs;
    tx.signature = sig ? copy + (sig - p) : NULL;
    out->tx = tx;
    out->al = al;
    out->mem = mem;
    return CVM_OK;
}

void cvm_tx_decoded_free(cvm_tx_decoded *d)
{
    if (!d)
        return;
    cvm_free(d->al, d->mem);
    memset(d, 0, sizeof *d);
}

/* ------------------------------------------------------- hash and sign */

cvm_status cvm_tx_hash(const cvm_allocator *al, const cvm_transaction *tx, uint8_t out[CVM_HASH_BYTES],
                       char *err, size_t errcap)
{
    cvm_buf b;
    cvm_buf_init(&b, al);
    cvm_status s = cvm_tx_encode(&b, tx, err, errcap);
    if (s == CVM_OK)
        cvm_sha256(b.data, b.len, out);
    cvm_buf_free(&b);
    return s;
}

cvm_status cvm_tx_sign(const cvm_allocator *al, const cvm_transaction *tx, const uint8_t sk[64],
                       uint8_t sig[CVM_SIGNATURE_BYTES], char *err, size_t errcap)
{
    uint8_t h[CVM_HASH_BYTES];
    cvm_status s = cvm_tx_hash(al, tx, h, err, errcap);
    if (s == CVM_OK)
        cvm_sign_detached(h, sizeof h, sk, sig);
    return s;
}

cvm_tx_verdict cvm_tx_verify_hash(const cvm_transaction *tx, const uint8_t hash[CVM_HASH_BYTES])
{
    if (tx->signer_scheme != CVM_SCHEME_ED25519)
        return CVM_TX_INVALID_ADDRESS_SCHEME;
    if (!tx->signature || !cvm_verify_detached(hash, CVM_HASH_BYTES, tx->signer_key, tx->signature))
        return CVM_TX_INVALID_SIGNATURE;
    return CVM_TX_VALID;
}

cvm_status cvm_tx_verify(const cvm_allocator *al, const cvm_transaction *tx, cvm_tx_verdict *out,
                         char *err, size_t errcap)
{
    uint8_t h[CVM_HASH_BYTES];
    cvm_status s = cvm_tx_hash(al, tx, h, err, errcap);
    if (s == CVM_OK)
        *out = cvm_tx_verify_hash(tx, h);
    return s;
}
