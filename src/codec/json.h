/*
 * json.h — JSON views of arguments, events, receipts, state diffs, block
 * results and event-history records, with jansson. The command line and the
 * scenario files use these; the library itself never prints.
 *
 * Every *_to_json returns a new reference owned by the caller (json_decref),
 * or NULL when an allocation failed. Conventions:
 *
 *   int64            a JSON integer
 *   uint64           a JSON integer up to INT64_MAX, above it a string of
 *                    decimal digits ("18446744073709551615"), so that no JSON
 *                    reader loses precision
 *   string           a JSON string
 *   bytes            "0x" + lowercase hex ("0x" for empty); an address is
 *                    just 20 bytes
 *   bool             true / false
 *   names            (services, events, fields, state keys) a JSON string when
 *                    the bytes are valid UTF-8, else "0x" + hex
 *   state values,
 *   hashes           lowercase hex without a prefix
 *   logs             strings of decimal digits
 */
#ifndef CVM_CODEC_JSON_H
#define CVM_CODEC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/arena.h"
#include "codec/event.h"
#include "coopvm.h"

/* A name: the string itself when p[0..n) is valid UTF-8, else "0x" + hex. */
json_t *cvm_json_name(const uint8_t *p, size_t n);

/* "0x" + lowercase hex of p[0..n). */
json_t *cvm_json_hex0x(const uint8_t *p, size_t n);

/* A uint64: an integer up to INT64_MAX, else a string of decimal digits. */
json_t *cvm_json_uint64(uint64_t v);

/* One argument value in the conventions above. NULL also for an argument
 * cvm_arg_check refuses (unknown type, a string that is not UTF-8): every
 * path that admits arguments checks them, so that is a caller's bug. */
json_t *cvm_arg_to_json(const cvm_arg *a);

/* An array of args[0..n). */
json_t *cvm_args_to_json(const cvm_arg *args, size_t n);

/* A scenario argument: a JSON integer -> int64; true/false -> bool; a
 * string starting with "0x" -> bytes (hex after it); any other string ->
 * string; an object with exactly one key {"int64": N|"N"}, {"uint64":
 * "N"|N}, {"bytes": "hex" or "0xhex"}, {"string": "..."}, {"bool": b} for
 * an explicit type. String and bytes values are copied into arena, so j may
 * be freed afterwards. `index` is the argument's position, named in errors
 * as "args[index]". CVM_EINPUT with err (cap bytes, may be NULL) saying
 * what is wrong; CVM_ENOMEM when the arena failed. */
cvm_status cvm_arg_from_json(const json_t *j, size_t index, cvm_arena *arena, cvm_arg *out, char *err,
                             size_t errcap);

/* A JSON array of scenario arguments (NULL means none) into an array in
 * arena (*out NULL when empty). At most CVM_ARGS_MAX. Errors as above. */
cvm_status cvm_args_from_json(const json_t *arr, cvm_arena *arena, cvm_arg **out, size_t *n, char *err,
                              size_t errcap);

/* {"code", "message", "method", "pc", "line", "reason"}: method only when
 * known, pc only when >= 0, line only when > 0; reason (the contract's own,
 * Abort of bytes or Assert) only when it has one: a JSON string when the
 * bytes are UTF-8, else "0x" + hex, as names are. */
json_t *cvm_error_to_json(const cvm_error *e);

/* {"service", "name", "fields": {"name": value, ...}}. */
json_t *cvm_event_to_json(const cvm_event *e);

/* The receipt in the shape `coopvm run --json` prints: {"status",
 * "result" (when the outputs are exactly one int64) or "outputs" (an array,
 * otherwise), "gas_used", "error" (only when the status is not SUCCESS),
 * "events", "logs"}. */
json_t *cvm_receipt_to_json(const cvm_receipt *r);

/* The same for a bytecode method's receipt, which always has "result": a
 * failed call (no outputs) shows "result": 0, as `coopvm run --json` always
 * has; outputs that are not one int64 still show as "outputs". */
json_t *cvm_bytecode_receipt_to_json(const cvm_receipt *r);

/* [{"service", "key", "value"}]: service and key as names, value as hex
 * ("" for a deleted key). */
json_t *cvm_state_changes_to_json(const cvm_state_change *c, size_t n);

/* {"height", "receipts", "state_diff", "state_diff_hash", "state_commitment",
 * "block_hash"}. */
json_t *cvm_block_result_to_json(const cvm_block_result *b);

/* {"height", "tx_index", "service", "name", "fields"} for `coopvm events`. */
json_t *cvm_event_record_to_json(const cvm_event_record *r);

/* ------------------------------------------------------------- blocks */

/* {"height", "timestamp", "prev_hash", "tx_root", "receipts_root",
 * "state_diff_hash", "state_commitment", "hash"}: hashes in plain hex
 * (docs/blocks.md, docs/node-api.md). */
json_t *cvm_block_header_to_json(const cvm_block_header *h);

/* The transaction a receipt names: {"hash", "signer" (signer_name, when
 * not NULL: the CLI's account name), "address" (with_address: the
 * signer's, "0x" + 40 hex), "contract", "method", "args"}. hash NULL:
 * computed (cvm_tx_hash; NULL returned when tx has no encoding). */
json_t *cvm_tx_summary_to_json(const cvm_transaction *tx, const uint8_t *hash, const char *signer_name,
                               bool with_address);

/* The receipt of a transaction, the one shape `coopvm process --json`
 * and the node print: {"tx": tx (stolen, cvm_tx_summary_to_json),
 * "preorder" (when not NULL), then cvm_receipt_to_json's members —
 * "result" or "outputs" only when it succeeded ("error" says why it did
 * not)}. */
json_t *cvm_tx_receipt_to_json(json_t *tx, const char *preorder, const cvm_receipt *rc);

/* The receipt of transaction t of a stored block, in that shape (with
 * "address" when t is signed, no "signer" name, no "preorder"). */
json_t *cvm_block_tx_receipt_to_json(const cvm_block_tx *t, const cvm_receipt *rc);

/* {"header", "transactions": [hash, ...], "receipts": [RECEIPT, ...]}: a
 * stored block as GET /v1/blocks/{height} shows it (docs/node-api.md). */
json_t *cvm_block_to_json(const cvm_block *b);

#endif
