/*
 * producer_etcd.h — the etcd-ordered producer (producer.h's second one):
 * several nodes share one chain whose blocks an etcd cluster orders
 * (docs/cluster.md, "Design").
 *
 * Keys, under /coopvm/<chain id>/:
 *   leader          {"node", "url"} under a lease of ttl_s seconds: the one
 *                   node that may propose (created only if absent)
 *   blocks/<H>      H as 20 digits: the block's proposal (JSON: height,
 *                   timestamp, prev_hash, block_hash, state_diff_hash,
 *                   producer, txs as signed canonical bytes in hex), written
 *                   by the leader with one txn fenced on blocks/<H> being
 *                   absent and the leader key's mod_revision being still its
 *   applied/<node>  the height that node has committed (compaction's floor)
 *   peers/<node>    that node's API URL: a node further behind than etcd
 *                   keeps fetches blocks there (GET /v1/blocks/{h}?raw=1)
 *
 * Every node, the leader too, follows blocks/ from its height + 1 and
 * executes what etcd holds; the leader proposes from its mempool when no
 * block H is there. Transactions submitted elsewhere are forwarded to the
 * leader's URL (route).
 */
#ifndef CVM_NODE_PRODUCER_ETCD_H
#define CVM_NODE_PRODUCER_ETCD_H

#include "node/node.h"
#include "node/producer.h"

#define CVM_ETCD_DEFAULT_TTL_S 2
/* The genesis time of a chain `coopvm node --etcd` starts (2023-11-14,
 * in ns): every node must write the same genesis, not its clock's. */
#define CVM_ETCD_GENESIS_TIMESTAMP 1700000000000000000ull
/* blocks kept below the lowest applied height of every node before the
 * leader deletes them */
#define CVM_ETCD_KEEP_BLOCKS 1000u

typedef struct cvm_etcd_producer_options {
    const char *endpoints;  /* borrowed for the call: "http://HOST:PORT[,...]" */
    const char *node_id;    /* borrowed for the call: this node's name (unique in the cluster) */
    uint32_t chain_id;      /* the key prefix's chain (0 = CVM_NODE_DEFAULT_CHAIN_ID) */
    unsigned ttl_s;         /* the leader lease's TTL (0 = CVM_ETCD_DEFAULT_TTL_S) */
    uint64_t keep_blocks;   /* 0 = CVM_ETCD_KEEP_BLOCKS */
    cvm_node_log_fn log;    /* NULL = silent; called from the node's producer thread */
    void *log_ud;           /* borrowed */
} cvm_etcd_producer_options;

/* A new etcd producer for cvm_node_options.producer (it talks to etcd only
 * once the node runs it). The caller owns *out: free it with
 * cvm_etcd_producer_free after cvm_node_close. */
cvm_status cvm_etcd_producer_new(const cvm_etcd_producer_options *o, cvm_producer **out, char *err, size_t errcap);
void cvm_etcd_producer_free(cvm_producer *p);

/* This node's API base URL ("http://HOST:PORT"), which the leader key
 * carries for forwarding: the node campaigns only once it is set (the HTTP
 * server starts after the node). Any thread. */
void cvm_etcd_producer_set_url(cvm_producer *p, const char *url);

/* Whether this node holds the leader lease now (tests, status). */
bool cvm_etcd_producer_is_leader(const cvm_producer *p);

#endif
