/*
 * tx_owned.c — the transaction codec in the shape coopvm.h gives it to a
 * host: a transaction read from bytes or JSON text into memory it owns
 * (cvm_tx_owned), and the encodings written into memory the caller owns.
 * Thin wrappers over tx.c and tx_json.c, so a host, the CLI and pre-order
 * all go through the one strict codec.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/alloc.h"
#include "base/errmsg.h"
#include "base/buf.h"
#include "codec/tx.h"
#include "codec/tx_json.h"

/* What cvm_tx_owned.internal points to: the public struct is its first
 * member, so one allocation holds both. */
typedef struct owned_tx {
    cvm_tx_owned pub;
    cvm_tx_decoded d;        /* owned: the memory behind pub.tx */
    const cvm_allocator *al; /* borrowed: frees this block */
} owned_tx;

/* Moves d into a new owned transaction (*out); on failure frees d. */
static cvm_status adopt(const cvm_allocator *al, cvm_tx_decoded *d, cvm_tx_owned **out, cvm_errmsg *err)
{
    owned_tx *o = cvm_calloc(al, 1, sizeof *o);
    if (!o) {
        cvm_tx_decoded_free(d);
        cvm_errmsg_set(err, "out of memory");
        return CVM_ENOMEM;
    }
    o->d = *d; /* a decoded transaction may be moved as a whole value */
    o->al = al;
    o->pub.tx = o->d.tx;
    o->pub.internal = o;
    *out = &o->pub;
    return CVM_OK;
}

void cvm_tx_owned_free(cvm_tx_owned *t)
{
    if (!t)
        return;
    owned_tx *o = t->internal;
    cvm_tx_decoded_free(&o->d);
    cvm_free(o->al, o);
}

cvm_status cvm_tx_to_bytes(const cvm_allocator *al, const cvm_transaction *tx, int with_signature, uint8_t **out,
                           size_t *len, cvm_errmsg *err)
{
    *out = NULL;
    *len = 0;
    cvm_buf b;
    cvm_buf_init(&b, al);
    cvm_status st = with_signature ? cvm_tx_encode_signed(&b, tx, CVM_ERRMSG_BUF(err))
                                   : cvm_tx_encode(&b, tx, CVM_ERRMSG_BUF(err));
    if (st == CVM_OK) {
        *out = cvm_buf_take(&b, len);
        if (!*out) {
            cvm_errmsg_set(err, "out of memory");
            st = CVM_ENOMEM;
        }
    }
    cvm_buf_free(&b);
    return st;
}

cvm_status cvm_tx_from_bytes(const cvm_allocator *al, const uint8_t *p, size_t n, int with_signature,
                             cvm_tx_owned **out, cvm_errmsg *err)
{
    *out = NULL;
    cvm_tx_decoded d;
    cvm_status st = cvm_tx_decode(al, p, n, with_signature != 0, &d, CVM_ERRMSG_BUF(err));
    return st == CVM_OK ? adopt(al, &d, out, err) : st;
}

cvm_status cvm_tx_to_json_text(const cvm_allocator *al, const cvm_transaction *tx, char **out, cvm_errmsg *err)
{
    *out = NULL;
    /* The hash tells a transaction with no encoding (CVM_EINPUT) from
     * memory running out; after it only memory can fail. */
    uint8_t h[CVM_HASH_BYTES];
    cvm_status st = cvm_tx_hash(al, tx, h, err);
    if (st != CVM_OK)
        return st;
    json_t *j = cvm_tx_to_json(tx, NULL, 0);
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (text)
        *out = cvm_strndup(al, text, strlen(text));
    free(text);
    if (!*out) {
        cvm_errmsg_set(err, "out of memory");
        return CVM_ENOMEM;
    }
    return CVM_OK;
}

cvm_status cvm_tx_from_json_text(const cvm_allocator *al, const char *text, size_t len, cvm_tx_owned **out,
                                 cvm_errmsg *err)
{
    *out = NULL;
    json_error_t je;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (!j) {
        cvm_errmsg_set(err, "line %d, column %d: %s", je.line, je.column, je.text);
        return CVM_EINPUT;
    }
    cvm_tx_decoded d;
    cvm_status st = cvm_tx_from_json(al, j, &d, CVM_ERRMSG_BUF(err));
    json_decref(j);
    return st == CVM_OK ? adopt(al, &d, out, err) : st;
}
