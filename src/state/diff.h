/*
 * diff.h — the state diff: the combined changes of a transaction set (or of
 * any batch of writes), its canonical encoding and its hash, and its commit.
 *
 * One entry per (service, key) with its last value; an empty value means
 * the key is deleted. Entries are sorted by service bytes, then key bytes
 * (memcmp order, a shorter prefix first), so that the same set of changes
 * always has the same bytes and the same SHA-256, whatever order the writes
 * happened in.
 *
 * Canonical encoding (all lengths and the count are minimal unsigned LEB128):
 *
 *     count, then per entry: len(service) service len(key) key len(value) value
 *
 * Decoding is strict: entries out of order, duplicates, or bytes after the
 * last entry are rejected, so one diff has exactly one encoding.
 */
#ifndef CVM_STATE_DIFF_H
#define CVM_STATE_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "coopvm.h"
#include "crypto/hash.h"
#include "state/store.h"

typedef struct cvm_diff_entry {
    const uint8_t *service; /* borrowed from mem */
    size_t service_len;
    const uint8_t *key;     /* borrowed from mem */
    size_t key_len;
    const uint8_t *value;   /* borrowed from mem; NULL when value_len is 0 */
    size_t value_len;       /* 0 = deleted */
    uint8_t *mem;           /* owned: service, key and value in one allocation */
} cvm_diff_entry;

struct cvm_state_diff {
    const cvm_allocator *al;  /* borrowed */
    cvm_diff_entry *entries;  /* owned; count used, cap allocated */
    size_t count, cap;
};

/* Starts an empty diff that allocates through al. */
void cvm_state_diff_init(cvm_state_diff *d, const cvm_allocator *al);

/* Frees the entries; d is then empty and may be reused. */
void cvm_state_diff_free(cvm_state_diff *d);

/* Appends a copy of (service, key, value) without checking order or
 * uniqueness (cvm_state_diff_sort and cvm_state_diff_check do that). */
cvm_status cvm_state_diff_add(cvm_state_diff *d, const uint8_t *service, size_t service_len, const uint8_t *key,
                              size_t key_len, const uint8_t *value, size_t value_len);

/* The canonical order of entries: <0, 0, >0 like memcmp. */
int cvm_diff_entry_cmp(const cvm_diff_entry *a, const cvm_diff_entry *b);

/* Sorts the entries into canonical order (duplicates stay; check finds them). */
void cvm_state_diff_sort(cvm_state_diff *d);

/* CVM_OK when the entries are in canonical order without duplicates and
 * every composite key fits CVM_STATE_KEY_MAX; else CVM_EINPUT with the
 * offending entry's index in err (cap bytes, may be NULL). */
cvm_status cvm_state_diff_check(const cvm_state_diff *d, char *err, size_t errcap);

/* Appends the canonical encoding of d to out. CVM_ENOMEM if out failed. */
cvm_status cvm_state_diff_encode(const cvm_state_diff *d, cvm_buf *out);

/* Decodes a canonical encoding (bytes borrowed for the call) into out,
 * which must be freshly initialised and is owned by the caller (free it
 * even on failure). CVM_EINPUT with what and where in err on malformed,
 * unsorted, duplicate or trailing bytes. */
cvm_status cvm_state_diff_decode(const uint8_t *p, size_t n, cvm_state_diff *out, char *err, size_t errcap);

/* out = SHA-256 of the canonical encoding of d. */
cvm_status cvm_state_diff_hash(const cvm_state_diff *d, uint8_t out[CVM_SHA256_BYTES]);

/* Commits d as the store's next height: hashes it, computes the state
 * commitment after it (cvm_store_commitment_after: it reads each changed
 * key's old value), then cvm_store_commit with the event records, no
 * transaction index entries, timestamp 0 and no identity (the VM builds
 * its own cvm_store_block to add them). The hash committed is written to
 * hash_out (may be NULL). The store's message says why on failure. */
cvm_status cvm_state_diff_commit(cvm_store *s, const cvm_state_diff *d, const cvm_store_record *events,
                                 size_t nevents, uint8_t hash_out[CVM_SHA256_BYTES]);

#endif
