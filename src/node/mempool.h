/*
 * mempool.h — the node's durable mempool: signed transactions admitted but
 * not yet in a block, in admission order, in an LMDB environment of their
 * own (DIR/mempool), and the record of the transactions a block rejected.
 *
 * Why an environment of its own rather than named databases in the chain's
 * store: the store is the chain (coopvm verify checks it, its identity
 * and commitment cover it), the mempool is one node's queue; and its writes
 * (one fsync per group of admissions) must not wait for the store's write
 * lock, which a block holds while it commits. A crash between a block's
 * commit (in the store) and the mempool's removal of its transactions is
 * repaired at open by the node: what the store's transaction index holds
 * is dropped (node.c).
 *
 * Layout (all keys big-endian, so LMDB's order is the admission order):
 *   pending:  seq (8) -> the signed canonical encoding (cvm_tx_to_bytes)
 *   rejected: tx hash (32) -> height (8) || preorder status (1) || reason (UTF-8)
 *   rejected_by_height: height (8) || i (8) -> tx hash (32) || status (1) || reason
 *             (the same records by block, for GET /v1/blocks/{height})
 *
 * Group commit: mempool_add enqueues the admission and waits; one writer
 * thread takes every admission waiting, writes them in one LMDB write
 * transaction (one fsync) and wakes them all. So N concurrent admissions
 * cost one fsync, not N (docs/node.md, "Group commit").
 *
 * Threads: every function may be called from any thread; one mutex guards
 * the in-memory state. Only the node's producer removes entries, so the
 * entries mempool_peek returns stay valid until it removes them.
 */
#ifndef CVM_NODE_MEMPOOL_H
#define CVM_NODE_MEMPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coopvm.h"

typedef struct mempool mempool;

/* One pending transaction. Owned by the mempool. */
typedef struct mp_entry {
    uint64_t seq;                     /* admission order: the LMDB key */
    uint8_t hash[CVM_HASH_BYTES];     /* cvm_tx_hash */
    cvm_tx_owned *tx;                 /* owned: the decoded signed transaction */
    size_t len;                       /* the bytes of its signed encoding, as written */
    bool verified;                    /* its signature was verified at admission (always, once admitted) */
    struct mp_entry *next;            /* the next in admission order; borrowed */
} mp_entry;

typedef enum mp_result {
    MP_ADDED,       /* durable */
    MP_DUPLICATE,   /* the hash is pending (or being admitted) */
    MP_FULL,        /* the limit is reached */
    MP_STOPPING,    /* the mempool is closing */
    MP_FAILED       /* LMDB failed: reason says how */
} mp_result;

/* A rejection to record: a transaction pre-order refused at block time. */
typedef struct mp_rejection {
    const uint8_t *hash;              /* borrowed, CVM_HASH_BYTES */
    cvm_preorder_status status;
    const char *reason;               /* borrowed, UTF-8 */
} mp_rejection;

/* Group-commit statistics: writes (one LMDB transaction, one fsync each)
 * and the admissions they carried. */
typedef struct mp_stats {
    uint64_t batches;
    uint64_t admissions;
    uint64_t max_batch;
} mp_stats;

/* Opens (creating) the mempool in dir (the directory is created), loads
 * its pending entries in admission order and starts the writer thread.
 * limit: most pending entries; bytes_limit: most bytes of their signed
 * encodings (memory stays bounded whatever their size). The caller owns
 * *out. */
cvm_status mempool_open(const char *dir, size_t limit, size_t bytes_limit, mempool **out, char *err, size_t errcap);
/* Stops the writer (admissions waiting are answered MP_STOPPING unless
 * already written), closes LMDB, frees every entry. NULL allowed. */
void mempool_close(mempool *m);
/* Makes every later mempool_add answer MP_STOPPING and wakes waiters. */
void mempool_stop(mempool *m);

/* Reserves hash for an encoding of len bytes (refusing a pending one:
 * MP_DUPLICATE; MP_FULL at either limit), so that no second admission of
 * it can start; cheap, never waits for the disk. On MP_ADDED the caller
 * must follow with mempool_commit_reserved (the same len) or
 * mempool_unreserve. */
mp_result mempool_reserve(mempool *m, const uint8_t hash[CVM_HASH_BYTES], size_t len);
void mempool_unreserve(mempool *m, const uint8_t hash[CVM_HASH_BYTES], size_t len);
/* Transactions and bytes held: pending and under way. */
void mempool_usage(mempool *m, size_t *count, size_t *bytes);
/* Writes a reserved transaction (bytes: its signed canonical encoding,
 * borrowed) and waits until it is durable, then appends it to the pending
 * entries; tx ownership passes to the mempool on MP_ADDED (else the caller
 * keeps it and the reservation is released). reason gets why on MP_FAILED. */
mp_result mempool_commit_reserved(mempool *m, const uint8_t hash[CVM_HASH_BYTES], cvm_tx_owned *tx,
                                  const uint8_t *bytes, size_t len, char *reason, size_t cap);

/* Whether hash is pending: durably written (one being admitted, reserved
 * but not yet written, is not: GET /v1/transactions must not answer
 * PENDING before the admission's 202). */
bool mempool_has(mempool *m, const uint8_t hash[CVM_HASH_BYTES]);
/* Pending entries (durable ones). */
size_t mempool_count(mempool *m);
/* Up to max of the first pending entries, in admission order, into out
 * (borrowed: valid until mempool_remove removes them). Returns how many. */
size_t mempool_peek(mempool *m, size_t max, mp_entry **out);
/* Waits until at least want entries are pending, the time (CLOCK_MONOTONIC
 * ns) passes or the mempool stops; returns the count pending. */
size_t mempool_wait(mempool *m, size_t want, uint64_t deadline_mono_ns);

/* Removes the pending transactions of hashes[0..n) (those not pending are
 * skipped: a block ordered elsewhere may hold transactions this mempool
 * never saw) and records rej[0..nrej) at height, in one LMDB transaction,
 * then frees the removed entries (entries from mempool_peek are invalid
 * from then on). On a failure nothing changes on disk or in memory. */
cvm_status mempool_remove(mempool *m, const uint8_t (*hashes)[CVM_HASH_BYTES], size_t n, const mp_rejection *rej,
                          size_t nrej, uint64_t height, char *err, size_t errcap);

/* The rejection recorded for hash: *found, then height, status and reason
 * (reason cap bytes, NUL-terminated). */
cvm_status mempool_rejected(mempool *m, const uint8_t hash[CVM_HASH_BYTES], bool *found, uint64_t *height,
                            cvm_preorder_status *status, char *reason, size_t cap, char *err, size_t errcap);

/* Receives one rejection of a block: hash, status and reason (reason_len
 * bytes, not NUL-terminated) borrowed for the call. Nonzero stops. */
typedef int (*mp_rejected_fn)(void *ud, const uint8_t *hash, cvm_preorder_status status, const char *reason,
                              size_t reason_len);
/* Calls fn for each rejection recorded at height, in the block's order. */
cvm_status mempool_rejected_at(mempool *m, uint64_t height, mp_rejected_fn fn, void *ud, char *err, size_t errcap);

void mempool_stats(mempool *m, mp_stats *out);

/* CLOCK_MONOTONIC and CLOCK_REALTIME in ns (shared by the node's files). */
uint64_t node_mono_ns(void);
uint64_t node_real_ns(void);

#endif
