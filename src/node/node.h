/*
 * node.h — a running chain (src/node/): the durable mempool, the block
 * producer behind a seam (producer.h), and the committed chain, for the HTTP
 * layer (http.c) and `coopvm node` (src/cli/cmd_node.c) on top.
 *
 * The contract between the node core (node.c, mempool.c, producer.c) and the
 * HTTP layer: every body the HTTP API answers with (docs/node-api.md) is
 * built here as JSON text, so http.c only maps results to status codes and
 * parses the URL's parameters.
 *
 * Threads: every function here may be called from any thread at once
 * (HTTP handlers run on libmicrohttpd's threads); the node serialises what
 * must be serialised inside (one mutex around the VM and its store, which are
 * single-threaded; the mempool has its own lock and writer thread). The
 * library rules hold: no globals, no printing — a message goes into err
 * (errcap bytes, always NUL-terminated when errcap > 0) or to the log
 * callback. Every char ** out-parameter receives text owned by the caller
 * (free() it); it is NULL when the call fails.
 *
 * CHANGES after the first draft (for `http`):
 *   - cvm_node_options: genesis_timestamp, manual, producer, deployer
 *     added; genesis contracts are (name, code bytes) pairs
 *     (cvm_node_contract) rather than modules, as the scenario format
 *     names them; threads kept.
 *   - cvm_node_options: clock, clock_ud added (tests move time);
 *     mempool_bytes added (FULL also at a byte limit).
 *   - cvm_node_stopping() added (SSE loops end on it).
 *   - cvm_node_produce() added (tests and `manual` nodes cut a block now).
 *   - cvm_node_events_json: the cursor is "HEIGHT.TX.INDEX" as in
 *     docs/node-api.md; a malformed cursor is CVM_EINPUT (400). INDEX is the
 *     event's position among all its transaction's events (whatever the
 *     filter). Reads the store's indexed history (cvm_store_events_page).
 */
#ifndef CVM_NODE_NODE_H
#define CVM_NODE_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coopvm.h"

typedef struct cvm_node cvm_node;
typedef struct cvm_producer cvm_producer; /* producer.h: the seam of issue 12 */

/* Receives one line for the operator ("block 12: 3 txs, 1 rejected, 4.1 ms").
 * message is borrowed for the call. Called from the producer's thread. */
typedef void (*cvm_node_log_fn)(void *ud, const char *message);

/* The node's clock: ns since the Unix epoch. Tests move time with it. */
typedef uint64_t (*cvm_node_clock_fn)(void *ud);

/* The defaults of cvm_node_options' zero fields. */
#define CVM_NODE_DEFAULT_CHAIN_ID 42u
#define CVM_NODE_DEFAULT_BLOCK_INTERVAL_MS 500u
#define CVM_NODE_DEFAULT_MAX_BLOCK_TXS 1000u
#define CVM_NODE_DEFAULT_MEMPOOL_LIMIT 100000u
#define CVM_NODE_DEFAULT_MEMPOOL_BYTES ((size_t)128 << 20) /* 128 MiB of signed encodings */

/* A contract deployed at height 2 on first start: the scenario format's
 * "contracts" entry, its service name and binary module. */
typedef struct cvm_node_contract {
    const char *name;     /* borrowed */
    const uint8_t *code;  /* borrowed: the binary module (cvm_module_encode) */
    size_t len;
} cvm_node_contract;

typedef struct cvm_node_options {
    const char *data_dir;           /* borrowed; the chain's store (DIR) and the mempool (DIR/mempool) */
    uint32_t chain_id;              /* virtual chain id; 0 = CVM_NODE_DEFAULT_CHAIN_ID (42, as `process`) */
    uint64_t block_interval_ms;     /* 0 = CVM_NODE_DEFAULT_BLOCK_INTERVAL_MS */
    size_t max_block_txs;           /* a block is cut as soon as this many are pending; 0 = default */
    size_t mempool_limit;           /* admissions beyond it are refused (CVM_ADMIT_FULL); 0 = default */
    size_t mempool_bytes;           /* and beyond these bytes of signed encodings (memory stays bounded
                                     * however large the transactions); 0 = CVM_NODE_DEFAULT_MEMPOOL_BYTES */
    bool empty_blocks;              /* cut a block every interval even when nothing is pending */
    bool manual;                    /* no producer thread: blocks are cut only by cvm_node_produce (tests) */
    uint64_t genesis_timestamp;     /* ns; 0 = the node's clock on first start, and on later starts the
                                     * time the store recorded (so only the accounts are compared) */
    const cvm_genesis_account *genesis_accounts; /* borrowed for the call; written at height 1 on first start,
                                                  * compared with the store's genesis on later starts */
    size_t ngenesis_accounts;
    const cvm_node_contract *genesis_contracts;  /* borrowed for the call; deployed at height 2 on first
                                                  * start, compared with what is deployed on later ones */
    size_t ngenesis_contracts;
    const char *deployer;           /* borrowed; the development key name deploying genesis_contracts
                                     * (as `process`: NULL = "deployer") */
    cvm_node_log_fn log;            /* NULL = silent */
    void *log_ud;                   /* borrowed */
    unsigned threads;               /* pre-order signature threads; 0 = the machine's cores */
    const cvm_producer *producer;   /* borrowed, outlives the node; NULL = the solo producer */
    cvm_node_clock_fn clock;        /* NULL = CLOCK_REALTIME; block times and admission's pre-order use it */
    void *clock_ud;                 /* borrowed */
} cvm_node_options;

/* Opens (or creates, writing genesis) the chain in opts->data_dir, drops
 * from the mempool what the store already committed (a crash between a
 * block's commit and its removal from the mempool), and starts the producer
 * thread (unless manual). A store whose genesis differs from opts' is
 * refused with CVM_ESTATE (the message names both hashes). The caller owns
 * *out and closes it with cvm_node_close. */
cvm_status cvm_node_open(const cvm_node_options *opts, cvm_node **out, char *err, size_t errcap);
/* Stops (as cvm_node_stop), waits for the block in progress to commit,
 * wakes every waiter, stops the threads, closes the mempool and the store
 * and frees n. Call it after the HTTP server has stopped (no call may be in
 * flight). NULL allowed. */
void cvm_node_close(cvm_node *n);
/* Asks the node to stop: admissions answer UNAVAILABLE from now on, waits
 * return, the producer finishes the block in progress and stops. Safe from
 * any thread (not from a signal handler: set a flag there and call this). */
void cvm_node_stop(cvm_node *n);
/* Whether cvm_node_stop was called (SSE and long-poll loops end on it). */
bool cvm_node_stopping(cvm_node *n);

/* Cuts one block now from what is pending, even an empty one when
 * allow_empty: manual nodes only (tests); CVM_EINPUT on a node with a
 * producer thread. *height (may be NULL) gets the height committed, or 0
 * when nothing was pending and no block was cut. */
cvm_status cvm_node_produce(cvm_node *n, bool allow_empty, uint64_t *height, char *err, size_t errcap);

/* ------------------------------------------------------------ admission */

typedef enum cvm_admit_result {
    CVM_ADMIT_ACCEPTED,     /* durably recorded: answer 202 */
    CVM_ADMIT_MALFORMED,    /* 400; reason names the JSON path or byte offset */
    CVM_ADMIT_PREORDER,     /* 422; preorder status + reason */
    CVM_ADMIT_DUPLICATE,    /* 409; reason says "pending" or "committed at height H" */
    CVM_ADMIT_FULL,         /* 429 + Retry-After */
    CVM_ADMIT_UNAVAILABLE,  /* 503: stopping */
    CVM_ADMIT_FAILED        /* 500: the store failed; reason says what */
} cvm_admit_result;

/* "ACCEPTED", "MALFORMED", ...; static storage. */
const char *cvm_admit_result_name(cvm_admit_result r);

typedef struct cvm_admission {
    cvm_admit_result result;
    cvm_preorder_status preorder;     /* for CVM_ADMIT_PREORDER */
    bool has_hash;                    /* tx_hash is set (once the body decoded) */
    uint8_t tx_hash[CVM_HASH_BYTES];
    char reason[512];                 /* "" when accepted */
} cvm_admission;

/* Admits one signed transaction given as the JSON of `coopvm tx sign`
 * (binary false) or as its signed canonical bytes (binary true). Blocks
 * until the transaction is durable (group commit: one LMDB transaction and
 * one fsync for every admission waiting) or refused. Returns CVM_OK
 * whenever out says what happened (refusals included); out is always
 * filled. */
cvm_status cvm_node_submit(cvm_node *n, const uint8_t *body, size_t len, bool binary, cvm_admission *out);

/* ------------------------------------------------------------- reading */

/* A transaction's state as GET /v1/transactions/{hash} answers it:
 * PENDING, COMMITTED (height, index, receipt), REJECTED (height, preorder,
 * reason) or unknown (*found false: 404). wait_ms > 0 blocks while it is
 * PENDING, until the time passes or the node stops. */
cvm_status cvm_node_tx_json(cvm_node *n, const uint8_t hash[CVM_HASH_BYTES], uint64_t wait_ms, char **json,
                            bool *found, char *err, size_t errcap);

/* RunLocalMethod on the latest committed state; the body of POST /v1/query
 * in, {"height", "receipt"} out. A bad query is CVM_EINPUT with err naming
 * the field (400); a contract failure is CVM_OK with the failed receipt. */
cvm_status cvm_node_query_json(cvm_node *n, const uint8_t *body, size_t len, char **json, char *err,
                               size_t errcap);

/* GET /v1/blocks/{height} (height 0 = latest): {"header", "transactions",
 * "receipts", "rejected": [{"tx_hash", "preorder", "reason"}]}; *found
 * false for a height not committed (404). */
cvm_status cvm_node_block_json(cvm_node *n, uint64_t height, char **json, bool *found, char *err, size_t errcap);
/* GET /v1/blocks/{height}?raw=1: what a peer needs to re-execute the block
 * (docs/node-api.md): {"height", "timestamp" (a decimal string), "prev_hash",
 * "block_hash", "tx_root", "state_diff_hash", "txs": [canonical bytes as
 * committed, hex]}, the etcd proposal's form; height 0 and *found as
 * cvm_node_block_json. */
cvm_status cvm_node_block_raw_json(cvm_node *n, uint64_t height, char **json, bool *found, char *err,
                                   size_t errcap);
/* GET /v1/blocks?from&limit: {"blocks": [HEADER, ...]} from `from` down
 * (0 = the latest), at most limit (clamped to 1..100). */
cvm_status cvm_node_blocks_json(cvm_node *n, uint64_t from, size_t limit, char **json, char *err, size_t errcap);

/* GET /v1/events: {"events": [{"height", "tx_index", "service", "name",
 * "fields"}, ...], "next_cursor"?} (next_cursor only when more events
 * match after the page). q borrowed (NULL =
 * every event); cursor "HEIGHT.TX.INDEX" continues right after that event
 * (NULL or "" = from the start of q's range); limit clamped to 1..1000. A
 * bad range or cursor is CVM_EINPUT naming it. */
cvm_status cvm_node_events_json(cvm_node *n, const cvm_event_query *q, const char *cursor, size_t limit,
                                char **json, char *err, size_t errcap);

/* The committed height, and a wait for the next one (SSE, long-polls):
 * returns the committed height once it is > after, or when timeout_ms
 * passes or the node stops (then possibly <= after). */
uint64_t cvm_node_height(cvm_node *n);
/* The block hash of the committed height (zeros at 0): what the next
 * block's prev_hash must be. */
void cvm_node_last_block_hash(cvm_node *n, uint8_t out[CVM_HASH_BYTES]);
uint64_t cvm_node_wait_height(cvm_node *n, uint64_t after, uint64_t timeout_ms);

/* GET /v1/status and GET /metrics bodies (Prometheus text format 0.0.4). */
cvm_status cvm_node_status_json(cvm_node *n, char **json);
cvm_status cvm_node_metrics_text(cvm_node *n, char **text);

/* The options the node runs with (defaults filled in); borrowed from n. */
const cvm_node_options *cvm_node_get_options(const cvm_node *n);

#endif
