/*
 * node_json.h — the JSON bodies of the node's answers that are built from
 * library values (docs/node-api.md): a receipt with its transaction, as
 * `coopvm process --json` shows it, and small helpers.
 */
#ifndef CVM_NODE_NODE_JSON_H
#define CVM_NODE_NODE_JSON_H

#include <jansson.h>
#include <stdint.h>

#include "coopvm.h"

/* {"tx": {"hash", "address" (signed ones), "contract", "method", "args"},
 * "status", "result" | "outputs" (successful ones), "error" (failed
 * ones), "events", "logs", "gas_used"}: cvm_tx_receipt_to_json's shape.
 * hash NULL: computed. A new reference, or NULL (memory, or a call with no
 * canonical encoding). */
json_t *node_receipt_json(const cvm_transaction *tx, const uint8_t *hash, const cvm_receipt *r);

/* Lowercase hex without a prefix (hashes). */
json_t *node_hex(const uint8_t *p, size_t n);

/* The text of j (compact) into *out (the caller frees it); CVM_ENOMEM when
 * j is NULL or memory ran out. Steals j. */
cvm_status node_dump(json_t *j, char **out);

#endif
