/* tx.c — the transaction codec, hash, signing and signature check (see tx.h). */
#include "base/errmsg.h"
#include "tx.h"

#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/reader.h"
#include "codec/args.h"
#include "codec/utf8.h"
#include "crypto/hash.h"
#include "crypto/sign.h"
#include "base/count.h"

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

/* ---------------------------------------------------------------- names */

/* Reads a name: length-prefixed UTF-8 without NUL (the in-memory form is a
 * C string, and the JSON view a JSON string). */
static bool read_name(cvm_reader *r, const char *what, const uint8_t **p, size_t *n)
{
    size_t at = r->pos, bad;
    if (!cvm_reader_bytes(r, what, p, n))
        return false;
    if (*n > CVM_TX_NAME_MAX) {
        cvm_reader_fail(r, "%s at offset %zu: %zu bytes exceed the limit of %d", what, at, *n, CVM_TX_NAME_MAX);
        return false;
    }
    if (memchr(*p, 0, *n)) {
        cvm_reader_fail(r, "%s at offset %zu: contains a NUL byte", what, at);
        return false;
    }
    if (!cvm_utf8_valid(*p, *n, &bad)) {
        cvm_reader_fail(r, "%s at offset %zu: not valid UTF-8 (byte %zu)", what, at, bad);
        return false;
    }
    return true;
}

/* The encoder's side of read_name: whatever encodes also decodes. */
static bool check_name(const char *name, const char *what, char *err, size_t errcap)
{
    size_t n = strlen(name), bad;
    if (n > CVM_TX_NAME_MAX) {
        char n1[CVM_COUNT_BUF], n2[CVM_COUNT_BUF];
        if (err && errcap)
            snprintf(err, errcap, "the %s is %s bytes; a transaction carries at most %s", what, cvm_count(n, n1),
                     cvm_count(CVM_TX_NAME_MAX, n2));
        return false;
    }
    if (!cvm_utf8_valid((const uint8_t *)name, n, &bad)) {
        if (err && errcap)
            snprintf(err, errcap, "%s is not valid UTF-8 (byte %zu)", what, bad);
        return false;
    }
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
    if (!check_name(tx->service, "service name", err, errcap) || !check_name(tx->method, "method name", err, errcap))
        return CVM_EINPUT;
    size_t start = b->len;
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
    cvm_status s = cvm_args_encode(tx->args, tx->nargs, b, err, errcap);
    if (s == CVM_EINPUT)
        b->len = start; /* b as it was: a refused transaction appends nothing */
    if (s != CVM_OK)
        return s;
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
    cvm_arena_init(&out->arena, al);
    /* Decode from a copy in the arena, so the argument values and the
     * signature (which point into the bytes being read) live as long as out. */
    const uint8_t *copy = cvm_arena_memdup(&out->arena, p, n);
    if (!copy) {
        cvm_arena_free(&out->arena);
        set_err(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    cvm_reader r;
    cvm_reader_init(&r, copy, n);
    cvm_transaction tx;
    memset(&tx, 0, sizeof tx);
    const uint8_t *key = NULL, *svc = NULL, *meth = NULL, *sig = NULL;
    size_t svc_len = 0, meth_len = 0;
    cvm_arg *args = NULL;
    cvm_status st = CVM_OK;

    read_u32(&r, "protocol version", &tx.protocol_version);
    read_u32(&r, "virtual chain id", &tx.virtual_chain_id);
    cvm_reader_uvarint(&r, "timestamp", &tx.timestamp);
    cvm_reader_u8(&r, "signer scheme", &tx.signer_scheme);
    if (!r.failed && cvm_tx_scheme_has_key(tx.signer_scheme))
        cvm_reader_raw(&r, "signer public key", CVM_PUBKEY_BYTES, &key);
    read_name(&r, "service name", &svc, &svc_len);
    read_name(&r, "method name", &meth, &meth_len);
    if (!r.failed)
        st = cvm_args_read(&r, &out->arena, &args, &tx.nargs);
    if (!r.failed && st == CVM_OK && with_signature)
        cvm_reader_raw(&r, "signature", CVM_SIGNATURE_BYTES, &sig);
    if (!r.failed && st == CVM_OK && cvm_reader_left(&r))
        cvm_reader_fail(&r, "transaction at offset %zu: %zu trailing byte%s", r.pos, cvm_reader_left(&r),
                        cvm_reader_left(&r) == 1 ? "" : "s");
    char *msvc = NULL, *mmeth = NULL;
    if (!r.failed && st == CVM_OK) {
        msvc = cvm_arena_strndup(&out->arena, (const char *)svc, svc_len);
        mmeth = cvm_arena_strndup(&out->arena, (const char *)meth, meth_len);
        if (!msvc || !mmeth)
            st = CVM_ENOMEM;
    }
    if (r.failed || st != CVM_OK) {
        cvm_arena_free(&out->arena);
        memset(out, 0, sizeof *out);
        set_err(err, errcap, st == CVM_ENOMEM ? "out of memory" : r.err);
        return st == CVM_ENOMEM ? CVM_ENOMEM : CVM_EINPUT;
    }
    if (key)
        memcpy(tx.signer_key, key, CVM_PUBKEY_BYTES);
    tx.service = msvc;
    tx.method = mmeth;
    tx.args = args;
    tx.signature = sig;
    out->tx = tx;
    return CVM_OK;
}

void cvm_tx_decoded_free(cvm_tx_decoded *d)
{
    if (!d)
        return;
    cvm_arena_free(&d->arena);
    memset(d, 0, sizeof *d);
}

/* ------------------------------------------------------- hash and sign */

cvm_status cvm_tx_hash(const cvm_allocator *al, const cvm_transaction *tx, uint8_t out[CVM_HASH_BYTES],
                       cvm_errmsg *err)
{
    cvm_buf b;
    cvm_buf_init(&b, al);
    cvm_status s = cvm_tx_encode(&b, tx, CVM_ERRMSG_BUF(err));
    if (s == CVM_OK)
        cvm_sha256(b.data, b.len, out);
    cvm_buf_free(&b);
    return s;
}

cvm_status cvm_tx_sign(const cvm_allocator *al, const cvm_transaction *tx, const uint8_t sk[64],
                       uint8_t sig[CVM_SIGNATURE_BYTES], cvm_errmsg *err)
{
    uint8_t h[CVM_HASH_BYTES];
    cvm_status s = cvm_tx_hash(al, tx, h, err);
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
                         cvm_errmsg *err)
{
    uint8_t h[CVM_HASH_BYTES];
    cvm_status s = cvm_tx_hash(al, tx, h, err);
    if (s == CVM_OK)
        *out = cvm_tx_verify_hash(tx, h);
    return s;
}
