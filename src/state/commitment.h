/*
 * commitment.h — the state commitment: 32 bytes that stand for the whole
 * state after a height (every (service, key, value) the store holds), kept
 * per height and updated in time proportional to a block's diff.
 *
 * It is the multiset hash of crypto/sethash.h (ristretto255) over the
 * state's entries, each encoded as
 *
 *     "coopvm-state-entry-1" ‖ be64 len(service) ‖ service
 *                           ‖ be64 len(key) ‖ key ‖ be64 len(value) ‖ value
 *
 * (the tag keeps these points apart from any other use of the hash; the
 * lengths keep ("ab","c") and ("a","bc") apart). The empty state's is 32
 * zero bytes. A block that changes (service, key) from old to new removes
 * the old entry's point (when there was one) and adds the new one's (when
 * the key is not deleted): two group operations per changed key, none per
 * key the block did not touch; and a commitment recomputed from the whole
 * stored state, in any order, must equal the recorded one (cvm_store_verify).
 * Why this and not a Merkle tree: docs/state.md.
 */
#ifndef CVM_STATE_COMMITMENT_H
#define CVM_STATE_COMMITMENT_H

#include <stddef.h>
#include <stdint.h>

#include "coopvm.h"
#include "crypto/sethash.h"

#define CVM_COMMITMENT_BYTES CVM_SETHASH_BYTES

/* The point of one entry (value not empty). Every pointer is borrowed. */
void cvm_commitment_point(const uint8_t *service, size_t service_len, const uint8_t *key, size_t key_len,
                          const uint8_t *value, size_t value_len, uint8_t point[CVM_COMMITMENT_BYTES]);

/* c changes from the state where (service, key) held old (old_len 0:
 * absent) to the state where it holds new (new_len 0: deleted). CVM_ESTATE,
 * c unchanged, when c is not a commitment (a damaged record). */
cvm_status cvm_commitment_update(uint8_t c[CVM_COMMITMENT_BYTES], const uint8_t *service, size_t service_len,
                                 const uint8_t *key, size_t key_len, const uint8_t *old, size_t old_len,
                                 const uint8_t *new_value, size_t new_len);

#endif
