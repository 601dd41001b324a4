/*
 * node_json.c — receipts and hashes as the node's HTTP answers show them
 * (node_json.h), built on the codec's JSON views (codec/json.h).
 */
#include "node/node_json.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "codec/json.h"

json_t *node_hex(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    if (!s)
        return NULL;
    cvm_hex_write(s, p, n);
    json_t *j = json_stringn(s, 2 * n);
    free(s);
    return j;
}

static json_t *tx_json(const cvm_transaction *tx, const uint8_t *hash)
{
    json_t *o = json_object();
    bool ok = o != NULL;
    if (ok && hash)
        ok = json_object_set_new(o, "hash", node_hex(hash, CVM_HASH_BYTES)) == 0;
    if (ok && tx->signer_scheme == CVM_SCHEME_ED25519) {
        uint8_t addr[CVM_ADDRESS_BYTES];
        cvm_address_of_key(tx->signer_key, addr);
        ok = json_object_set_new(o, "address", cvm_json_hex0x(addr, sizeof addr)) == 0;
    }
    ok = ok && json_object_set_new(o, "contract", json_string(tx->service)) == 0 &&
         json_object_set_new(o, "method", json_string(tx->method)) == 0 &&
         json_object_set_new(o, "args", cvm_args_to_json(tx->args, tx->nargs)) == 0;
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *node_receipt_json(const cvm_transaction *tx, const uint8_t *hash, const cvm_receipt *r)
{
    json_t *o = json_object();
    if (!o || (tx && json_object_set_new(o, "tx", tx_json(tx, hash)) != 0)) {
        json_decref(o);
        return NULL;
    }
    json_t *rj = cvm_receipt_to_json(r);
    if (rj && r->status != CVM_SUCCESS) { /* a failed call has no result: its error says why */
        json_object_del(rj, "result");
        json_object_del(rj, "outputs");
    }
    if (!rj || json_object_update(o, rj) != 0) {
        json_decref(o);
        o = NULL;
    }
    json_decref(rj);
    return o;
}

cvm_status node_dump(json_t *j, char **out)
{
    *out = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return *out ? CVM_OK : CVM_ENOMEM;
}
