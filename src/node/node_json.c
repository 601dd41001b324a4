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

json_t *node_receipt_json(const cvm_transaction *tx, const uint8_t *hash, const cvm_receipt *r)
{
    /* the shape of `coopvm process --json` and of stored blocks (codec/json.h) */
    json_t *t = NULL;
    if (tx && !(t = cvm_tx_summary_to_json(tx, hash, NULL, tx->signer_scheme == CVM_SCHEME_ED25519)))
        return NULL;
    if (!tx) /* no transaction to name: the codec's receipt alone */
        return cvm_receipt_to_json(r);
    return cvm_tx_receipt_to_json(t, NULL, r);
}

cvm_status node_dump(json_t *j, char **out)
{
    *out = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return *out ? CVM_OK : CVM_ENOMEM;
}
