/*
 * tx_json.h — the JSON view of a transaction, which `coopvm tx` reads and
 * writes (bytes as lowercase hex):
 *
 *   {"protocol_version": 1, "virtual_chain_id": 42, "timestamp": 1700000000000000000,
 *    "signer": {"scheme": 1, "public_key": "03a1..."},
 *    "service": "Counter", "method": "add", "args": [...],
 *    "signature": "b096..."}
 *
 * "public_key" is present exactly when the scheme carries a key (every
 * scheme but 0); "signature" only when the transaction is signed; "args" is
 * the codec's argument JSON view. A timestamp above INT64_MAX (beyond JSON
 * integers in jansson) is written and read as a decimal string.
 *
 * The reader is strict: unknown keys, missing fields, wrong types,
 * out-of-range numbers and malformed hex are errors naming the field. It
 * goes through the binary codec, so whatever it accepts has exactly one
 * canonical encoding.
 */
#ifndef CVM_CODEC_TX_JSON_H
#define CVM_CODEC_TX_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "codec/tx.h"

/* A new JSON object for tx (the caller owns the reference); NULL if tx
 * cannot be encoded (err says why) or memory ran out. */
json_t *cvm_tx_to_json(const cvm_transaction *tx, char *err, size_t errcap);

/* Reads the JSON view j (borrowed) into out, which owns everything it points
 * to (free with cvm_tx_decoded_free). CVM_EINPUT with err naming the field,
 * or CVM_ENOMEM; on failure out holds nothing to free. */
cvm_status cvm_tx_from_json(const cvm_allocator *al, const json_t *j, cvm_tx_decoded *out, char *err,
                            size_t errcap);

#endif
