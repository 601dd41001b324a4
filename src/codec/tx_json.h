/*
 * tx_json.h — the JSON view of a transaction, which `coopvm tx` reads and
 * writes (bytes as lowercase hex):
 *
 *   {"protocol_version": 1, "virtual_chain_id": 42, "timestamp": 1700000000000000000,
 *    "signer": {"scheme": 1, "public_key": "03a1..."},
 *    "service": "Counter", "method": "add", "args": [...],
 *    "signature": "b096..."}
 *
 * "public_key" (64 hex digits) is present exactly when the scheme carries a
 * key (every scheme but 0); "signature" (128 hex digits) only when the
 * transaction is signed. "args" uses the codec's argument JSON
 * (codec/json.h): each value in its plain form (5, "text", "0x00ff", true),
 * except that a uint64 and a string starting with "0x" are written with
 * their type ({"uint64": 7}, {"string": "0xab"}) so that every argument
 * reads back with the type it was signed with. A timestamp above INT64_MAX
 * is a decimal string, as codec/json.h writes a uint64.
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
