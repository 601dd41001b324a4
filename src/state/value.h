/*
 * value.h — the value convention of bytecode contracts (DESIGN.md): an i64
 * is stored as 8 bytes little-endian, and 0 is not stored at all (the empty
 * value, i.e. the key is deleted), so a missing key reads as 0.
 */
#ifndef CVM_STATE_VALUE_H
#define CVM_STATE_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "coopvm.h"
#include "state/overlay.h"

#define CVM_STATE_I64_BYTES 8

/* Writes v's stored form into out and its length into *len: 8 bytes
 * little-endian, or 0 bytes for v == 0 (delete). */
void cvm_state_i64_encode(int64_t v, uint8_t out[CVM_STATE_I64_BYTES], size_t *len);

/* Reads a stored value (p may be NULL when len is 0): 0 bytes read as 0,
 * 8 bytes as little-endian. Any other length is CVM_EINPUT with a message in
 * err (cap bytes, may be NULL), *v then 0: the key holds something that is
 * not a bytecode contract's integer. */
cvm_status cvm_state_i64_decode(const uint8_t *p, size_t len, int64_t *v, char *err, size_t errcap);

/* Load for a bytecode contract: the i64 at (service, key) in o, 0 when
 * absent. CVM_EINPUT when the stored value is not 8 bytes; any failure
 * leaves *v 0 and says why in err (cap bytes, may be NULL). */
cvm_status cvm_state_load_i64(cvm_overlay *o, const uint8_t *service, size_t service_len, const uint8_t *key,
                              size_t key_len, int64_t *v, char *err, size_t errcap);

/* Store for a bytecode contract: writes v's stored form (0 deletes) at
 * (service, key) in o; a failure (read-only overlay, key too long, memory)
 * says why in err. */
cvm_status cvm_state_store_i64(cvm_overlay *o, const uint8_t *service, size_t service_len, const uint8_t *key,
                               size_t key_len, int64_t v, char *err, size_t errcap);

/* cvm_state_load_i64 and cvm_state_store_i64 through a slot handle
 * (cvm_overlay_ref of o): the same values, failures and messages. */
cvm_status cvm_state_load_i64_at(cvm_overlay *o, cvm_overlay_slot *s, int64_t *v, char *err, size_t errcap);
cvm_status cvm_state_store_i64_at(cvm_overlay *o, cvm_overlay_slot *s, int64_t v, char *err, size_t errcap);

#endif
