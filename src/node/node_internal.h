/*
 * node_internal.h — what the node's own files (node.c, node_read.c) share:
 * the node's struct, its locks and its metrics. Not for the HTTP layer,
 * which sees only node.h.
 */
#ifndef CVM_NODE_NODE_INTERNAL_H
#define CVM_NODE_NODE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "node/mempool.h"
#include "node/node.h"

/* ------------------------------------------------------------ metrics */

/* Histogram buckets of the block build and commit times, in seconds. */
#define NODE_BUCKETS {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
#define NBUCKETS 14
#define NPREORDER 8 /* cvm_preorder_status values */
#define NADMIT 7    /* cvm_admit_result values */

typedef struct histogram {
    uint64_t counts[NBUCKETS]; /* cumulative when printed; here per bucket */
    uint64_t count;
    double sum;
} histogram;

/* Counts one observation of h. */
void node_observe(histogram *h, double seconds);

typedef struct node_metrics {
    uint64_t blocks;
    uint64_t committed;                 /* transactions with a receipt in a block */
    uint64_t rejected[NPREORDER];       /* by pre-order status, at block time */
    uint64_t admissions[NADMIT];        /* by admission result */
    histogram build, commit;
} node_metrics;

/* ---------------------------------------------------------------- node */

struct cvm_node {
    cvm_node_options o;             /* a copy with defaults; genesis pointers NULL, data_dir = dir */
    char *dir;                      /* owned */
    const cvm_producer *producer;   /* borrowed */
    pthread_mutex_t chain_mu;
    cvm_store *store;               /* owned; under chain_mu */
    cvm_vm *vm;                     /* owned; under chain_mu */
    mempool *mp;                    /* owned */
    pthread_mutex_t state_mu;
    pthread_cond_t state_cv;
    uint64_t height;                /* under state_mu (written under chain_mu too) */
    uint64_t last_ts;               /* the last block's time (ns) */
    bool stopping;
    node_metrics m;                 /* under state_mu */
    pthread_t thread;
    bool thread_started;
};

/* The node's clock (options.clock, else CLOCK_REALTIME), in ns. */
uint64_t node_clock(cvm_node *n);

/* The time of the next block: the clock (proposed), but never at or before
 * the last block's. */
uint64_t node_next_time(cvm_node *n, uint64_t proposed);

#endif
