/*
 * json_blocks.c — JSON views of blocks and of a transaction's receipt as
 * `coopvm process --json` and the node's API show them (json.h,
 * docs/node-api.md): the header, a stored block with its transactions'
 * hashes and receipts, and the receipt that names its transaction.
 */
#include <stdbool.h>
#include <string.h>

#include "base/hex.h"
#include "codec/json.h"

/* Sets o[key] = v (stealing v); on any failure frees o and returns false. */
static bool put(json_t *o, const char *key, json_t *v)
{
    if (v && json_object_set_new(o, key, v) == 0)
        return true;
    json_decref(o);
    return false;
}

static json_t *hash_hex(const uint8_t h[CVM_HASH_BYTES])
{
    char hex[2 * CVM_HASH_BYTES + 1];
    cvm_hex_write(hex, h, CVM_HASH_BYTES);
    return json_string(hex);
}

json_t *cvm_block_header_to_json(const cvm_block_header *h)
{
    json_t *o = json_object();
    if (!o || !put(o, "height", cvm_json_uint64(h->height)) || !put(o, "timestamp", cvm_json_uint64(h->timestamp)) ||
        !put(o, "prev_hash", hash_hex(h->prev_hash)) || !put(o, "tx_root", hash_hex(h->tx_root)) ||
        !put(o, "receipts_root", hash_hex(h->receipts_root)) ||
        !put(o, "state_diff_hash", hash_hex(h->state_diff_hash)) ||
        !put(o, "state_commitment", hash_hex(h->state_commitment)) || !put(o, "hash", hash_hex(h->hash)))
        return NULL;
    return o;
}

json_t *cvm_tx_summary_to_json(const cvm_transaction *tx, const uint8_t *hash, const char *signer_name,
                               bool with_address)
{
    uint8_t h[CVM_HASH_BYTES], addr[CVM_ADDRESS_BYTES];
    if (!hash) {
        if (cvm_tx_hash(NULL, tx, h, NULL) != CVM_OK)
            return NULL;
        hash = h;
    }
    json_t *o = json_object();
    if (!o || !put(o, "hash", hash_hex(hash)))
        return NULL;
    if (signer_name && !put(o, "signer", json_string(signer_name)))
        return NULL;
    if (with_address) {
        cvm_address_of_key(tx->signer_key, addr);
        if (!put(o, "address", cvm_json_hex0x(addr, sizeof addr)))
            return NULL;
    }
    if (!put(o, "contract", json_string(tx->service ? tx->service : "")) ||
        !put(o, "method", json_string(tx->method ? tx->method : "")) ||
        !put(o, "args", cvm_args_to_json(tx->args, tx->nargs)))
        return NULL;
    return o;
}

json_t *cvm_tx_receipt_to_json(json_t *tx, const char *preorder, const cvm_receipt *rc)
{
    json_t *o = json_object();
    if (!o || !put(o, "tx", tx)) {
        if (!o)
            json_decref(tx);
        return NULL;
    }
    if (preorder && !put(o, "preorder", json_string(preorder)))
        return NULL;
    json_t *r = cvm_receipt_to_json(rc);
    if (r && rc->status != CVM_SUCCESS) {
        /* a failed call has no result: "error" says why */
        json_object_del(r, "result");
        json_object_del(r, "outputs");
    }
    if (!r || json_object_update(o, r) != 0) {
        json_decref(o);
        o = NULL;
    }
    json_decref(r);
    return o;
}

json_t *cvm_block_tx_receipt_to_json(const cvm_block_tx *t, const cvm_receipt *rc)
{
    json_t *tx = cvm_tx_summary_to_json(&t->tx, t->hash, NULL, t->tx.signer_scheme == CVM_SCHEME_ED25519);
    return tx ? cvm_tx_receipt_to_json(tx, NULL, rc) : NULL;
}

json_t *cvm_block_to_json(const cvm_block *b)
{
    json_t *o = json_object(), *txs = json_array(), *rcs = json_array();
    bool ok = o && txs && rcs;
    for (size_t i = 0; ok && i < b->ntxs; i++)
        ok = json_array_append_new(txs, hash_hex(b->txs[i].hash)) == 0 &&
             json_array_append_new(rcs, cvm_block_tx_receipt_to_json(&b->txs[i], &b->receipts[i])) == 0;
    if (!ok) {
        json_decref(o);
        json_decref(txs);
        json_decref(rcs);
        return NULL;
    }
    if (!put(o, "header", cvm_block_header_to_json(&b->header)) || !put(o, "transactions", txs)) {
        json_decref(rcs);
        return NULL;
    }
    return put(o, "receipts", rcs) ? o : NULL;
}
