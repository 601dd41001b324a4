/*
 * producer.h — the block producer seam: who decides what the next block
 * holds and when it is cut. The node (node.c) asks its producer for the
 * next block, then executes it (pre-order again, ProcessTransactionSet,
 * commit) and never knows which producer it has.
 *
 * Here: the solo producer (producer.c), for one machine: it cuts a block
 * every block interval, or as soon as max_block_txs are pending, from the
 * node's own mempool in admission order, at the node's clock. Issue 12 adds
 * a producer ordered by etcd: the elected leader proposes blocks through
 * etcd and every node's next_block returns the block etcd ordered, with
 * transactions that need not be in its own mempool (hence a proposal
 * carries the transactions themselves, and the node removes from its
 * mempool whatever hashes a committed block holds).
 */
#ifndef CVM_NODE_PRODUCER_H
#define CVM_NODE_PRODUCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coopvm.h"
#include "node/node.h"

/* The next block as a producer proposes it. Everything is borrowed from the
 * producer until the node calls release (after the block is committed). */
typedef struct cvm_block_proposal {
    uint64_t timestamp;                     /* the block's time (ns); the node makes it at least the
                                             * previous block's + 1 */
    const cvm_transaction *txs;             /* n signed transactions, in the order the block runs them */
    const uint8_t (*hashes)[CVM_HASH_BYTES]; /* their cvm_tx_hash */
    const uint8_t *verified;                /* n flags: the signature was verified (cvm_preorder_options) */
    size_t n;
    /* A block ordered elsewhere (the etcd producer's followers): built even
     * when empty, at exactly `timestamp`, and checked before it commits —
     * its previous block hash must be the node's last one, and the block
     * hash and state diff hash the node computes must be these (borrowed;
     * NULL = not checked). A mismatch commits nothing and halts the node
     * with an error naming the height and both hashes. */
    bool ordered;
    const uint8_t *expect_prev_hash;
    const uint8_t *expect_hash;
    const uint8_t *expect_diff_hash;
    void *internal;                         /* the producer's */
} cvm_block_proposal;

struct cvm_producer {
    const char *name;   /* "solo", "etcd" */
    /* Blocks until the next block is due, then fills *out: the block after
     * `height` (the committed height). Returns false when the node stops
     * first (nothing to release). An empty proposal (n 0) is cut only when
     * the node's options ask for empty blocks. Called on the node's producer
     * thread only. */
    bool (*next_block)(const cvm_producer *p, cvm_node *n, uint64_t height, cvm_block_proposal *out);
    /* Frees what next_block allocated for out. */
    void (*release)(const cvm_producer *p, cvm_node *n, cvm_block_proposal *out);
    /* Optional (NULL = commit every block): called with the block built
     * from out, executed but not committed yet (header: its height, time,
     * hashes). true commits it; false abandons it (nothing is written, the
     * transactions stay pending): the etcd producer writes the block to
     * etcd here, fenced, and abandons it when the write is refused. */
    bool (*seal)(const cvm_producer *p, cvm_node *n, const cvm_block_proposal *prop, const cvm_block_header *hdr);
    /* Optional (NULL = always local): where a submitted transaction goes
     * (HTTP threads). CVM_ROUTE_FORWARD fills url (cap bytes) with the
     * producer's base URL ("http://HOST:PORT"). */
    int (*route)(const cvm_producer *p, char *url, size_t cap);
    void *ud;           /* the producer's own state; borrowed */
};

/* route's answers */
#define CVM_ROUTE_LOCAL 0     /* admit here: this node produces */
#define CVM_ROUTE_FORWARD 1   /* forward to the producer at url */
#define CVM_ROUTE_NONE 2      /* no producer now: 503 with Retry-After */

/* The solo producer (static storage: it keeps no state of its own). */
const cvm_producer *cvm_solo_producer(void);

/* ---- what the node offers producers (node.c) ---- */

/* Waits until want transactions are pending, or deadline (CLOCK_MONOTONIC
 * ns) passes, or the node stops; returns how many are pending. */
size_t cvm_node_pending_wait(cvm_node *n, size_t want, uint64_t deadline_mono_ns);
/* A proposal of up to max of the first pending transactions, in admission
 * order, timestamped by the node's clock; release it with
 * cvm_node_proposal_release. false when out of memory. */
bool cvm_node_pending_proposal(cvm_node *n, size_t max, cvm_block_proposal *out);
void cvm_node_proposal_release(cvm_block_proposal *p);

#endif
