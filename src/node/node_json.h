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

/* {"tx": {"hash", "address", "contract", "method", "args"}, "status",
 * "result" | "outputs" (successful ones), "error" (failed ones),
 * "events", "logs", "gas_used"}. tx NULL: no "tx" (a local call given
 * only by contract and method has one: pass it). hash may be NULL (an
 * unsigned call without one). A new reference, or NULL (memory). */
json_t *node_receipt_json(const cvm_transaction *tx, const uint8_t *hash, const cvm_receipt *r);

/* Lowercase hex without a prefix (hashes). */
json_t *node_hex(const uint8_t *p, size_t n);

/* The text of j (compact) into *out (the caller frees it); CVM_ENOMEM when
 * j is NULL or memory ran out. Steals j. */
cvm_status node_dump(json_t *j, char **out);

#endif
