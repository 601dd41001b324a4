/*
 * producer.c — the solo producer (producer.h): a block every block
 * interval, or as soon as max_block_txs transactions are pending, from the
 * node's mempool in admission order.
 */
#include "node/producer.h"

#include "node/mempool.h"

static bool solo_next(const cvm_producer *p, cvm_node *n, uint64_t height, cvm_block_proposal *out)
{
    (void)p;
    (void)height;
    const cvm_node_options *o = cvm_node_get_options(n);
    uint64_t deadline = node_mono_ns() + o->block_interval_ms * 1000000ull;
    for (;;) {
        /* wake at the interval, or early when a full block is waiting */
        size_t pending = cvm_node_pending_wait(n, o->max_block_txs, deadline);
        if (cvm_node_stopping(n))
            return false;
        if (pending >= o->max_block_txs || node_mono_ns() >= deadline) {
            if (pending == 0 && !o->empty_blocks) {
                /* nothing to cut: no empty block, wait another interval */
                deadline = node_mono_ns() + o->block_interval_ms * 1000000ull;
                continue;
            }
            return cvm_node_pending_proposal(n, o->max_block_txs, out);
        }
    }
}

static void solo_release(const cvm_producer *p, cvm_node *n, cvm_block_proposal *out)
{
    (void)p;
    (void)n;
    cvm_node_proposal_release(out);
}

static const cvm_producer solo = {"solo", solo_next, solo_release, NULL, NULL, NULL};

const cvm_producer *cvm_solo_producer(void) { return &solo; }
