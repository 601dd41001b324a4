/*
 * verify.h — checks a store against itself: the state commitment
 * recomputed from every stored entry against the recorded one, and every
 * other record that can be checked (`coopvm verify`).
 *
 * A flipped bit in a stored value, key, event record or height record
 * changes what these checks recompute, so it is found and named rather than
 * served. What cannot be found: a change that LMDB's own structure hides
 * (a page it no longer reaches), and which entry of the state changed (the
 * commitment is one sum: it says that the state differs, not where).
 */
#ifndef CVM_STATE_VERIFY_H
#define CVM_STATE_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "state/store.h"

/* What a verification saw. */
typedef struct cvm_verify_report {
    uint64_t height;       /* the store's latest height */
    uint64_t keys;         /* state entries */
    uint64_t events;       /* event records */
    uint64_t heights;      /* height records (0 when the backend keeps none) */
    uint64_t txs;          /* transaction index entries */
    uint64_t blocks;       /* heights whose block (header, transactions, receipts) was checked */
    uint64_t bare_heights; /* heights committed without a block (a zero header): not checked */
    uint64_t first_bad_block; /* the first height whose block does not match; 0 when all do */
    bool heights_kept;     /* the backend keeps height records (LMDB does, memory does not) */
    bool has_identity;     /* the store recorded an identity at genesis */
    uint8_t commitment[CVM_SHA256_BYTES]; /* recomputed from the state */
    uint64_t problems;     /* every mismatch found; the first CVM_VERIFY_MAX_REPORTED are reported */
} cvm_verify_report;

#define CVM_VERIFY_MAX_REPORTED 100

/* Receives one problem: a message naming what does not match and where,
 * borrowed for the call. */
typedef void (*cvm_verify_fn)(void *ud, const char *problem);

/* Verifies s at its latest height:
 *   - the state: every key a composite key within CVM_STATE_KEY_MAX, every
 *     value non-empty, and the commitment recomputed from all of them equal
 *     to the one recorded for the height;
 *   - the height records: heights 1..H each present once, none beyond,
 *     each well formed with a commitment that is a group element, the last
 *     one's diff hash the one meta records;
 *   - the identity: the genesis hash recomputed from height 1's record
 *     (timestamp, diff hash), chain id and protocol, equal to the recorded;
 *   - the event history: each key (height, index) with index 0, 1, ... in
 *     each height and no height beyond H, each record decoding and encoding
 *     back to the same bytes, at the height of its key, and each height's
 *     records hashing to the events hash of its record; and the indexes by
 *     service and by name (where kept) holding exactly the entries the
 *     records call for (a digest of each side, in constant memory);
 *   - the transaction index: each entry well formed, at a height in 1..H,
 *     the entries' digests XORed equal to the latest height record's;
 *   - the blocks (docs/blocks.md), where the backend keeps them: each
 *     height's block hash recomputed from its header, its prev hash equal
 *     to the block hash of the height before (zeros at height 1), its
 *     tx_root and receipts_root recomputed from the stored transactions and
 *     receipts (as many as the header says, each decoding); the first
 *     height that does not match is r->first_bad_block.
 * Each problem goes to fn (may be NULL; at most CVM_VERIFY_MAX_REPORTED of
 * them) and is counted in r->problems. CVM_OK when the walk completed,
 * problems or not; CVM_EIO / CVM_ENOMEM when the store or memory failed
 * (the store's message says why). */
cvm_status cvm_store_verify(cvm_store *s, cvm_verify_fn fn, void *ud, cvm_verify_report *r);

#endif
