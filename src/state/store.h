/*
 * store.h — the state storage interface (the spec's StateStorage): the
 * committed state of every service, one height at a time.
 *
 * A store keeps only the latest committed height. Height 0 is the empty
 * state; each commit applies one block's state diff (plus its hash, the
 * block's opaque event records and the hashes of the transactions it ran:
 * the transaction index) as the next height, atomically. Reads see
 * the latest height only, and say so clearly when asked for another.
 *
 * State is namespaced by service: a value is addressed by (service bytes,
 * key bytes). Backends key their storage by a composite key, the service's
 * length (2 bytes, big-endian) then the service then the key, so that
 * ("ab","c") and ("a","bc") never meet. An empty value means absent: a store
 * never holds one, and writing one deletes the key.
 *
 * A store is a handle with a small vtable (memstore.h, lmdbstore.h). Errors
 * are statuses; the message of the last failure is on the handle
 * (cvm_store_errmsg), in the manner of sqlite3_errmsg. Not thread-safe: one
 * thread uses a handle at a time.
 */
#ifndef CVM_STATE_STORE_H
#define CVM_STATE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "coopvm.h"
#include "crypto/hash.h"

/* The most bytes of a composite key: 2 + service + key. 511 is LMDB's
 * default key limit; both backends (and the overlay, at write time) enforce
 * it so that a chain behaves the same in memory and on disk. */
#define CVM_STATE_KEY_MAX 511

typedef struct cvm_state_diff cvm_state_diff; /* diff.h */
typedef struct cvm_store cvm_store;

/* One opaque event record of a block (the event history is stored in the
 * same atomic commit as the state). Borrowed by the store for the call. */
typedef struct cvm_store_record {
    const uint8_t *data; /* borrowed; may be NULL when len is 0 */
    size_t len;
} cvm_store_record;

/* One entry of the transaction index: a transaction committed at a height
 * (run, whether it succeeded or failed), keyed by its hash. */
typedef struct cvm_store_tx {
    uint8_t hash[CVM_SHA256_BYTES]; /* cvm_tx_hash: SHA-256 of the canonical unsigned encoding */
    uint64_t height;                /* the block it was committed in */
    uint64_t index;                 /* its index in that block's transaction set */
    uint64_t timestamp;             /* its own timestamp (ns), for the window check */
} cvm_store_tx;

/* Everything one commit carries, in one struct so that what a block
 * records can grow by a field rather than by a signature change. All
 * pointers are borrowed for the call. */
typedef struct cvm_store_block {
    uint64_t height;                          /* must be the store's height + 1 */
    const cvm_state_diff *diff;               /* borrowed; sorted, no duplicates */
    uint8_t diff_hash[CVM_SHA256_BYTES];      /* its hash (stored, not recomputed) */
    const cvm_store_record *events;           /* borrowed; nevents records, may be NULL when 0 */
    size_t nevents;
    const cvm_store_tx *txs;                  /* borrowed; ntxs index entries (their height field is
                                               * ignored: it is the block's), index increasing */
    size_t ntxs;
    uint64_t timestamp;                       /* the block's (ns), kept in the height's record */
    uint8_t commitment[CVM_SHA256_BYTES];     /* the state commitment after the block (commitment.h;
                                               * stored, not recomputed: see cvm_store_commitment_after) */
    const cvm_chain_identity *identity;       /* borrowed; height 1 only (else NULL): recorded with it */
    /* The block itself (docs/blocks.md): its header, and for each of the
     * header->ntxs transactions of its set a tx record (codec/block.h) and
     * a receipt (codec/receipt.h). NULL header: a bare commit (tests, the
     * store's own users), recorded with a zero header and no bodies. */
    const cvm_block_header *header;           /* borrowed, or NULL */
    const cvm_store_record *block_txs;        /* borrowed; header->ntxs records */
    const cvm_store_record *receipts;         /* borrowed; header->ntxs records */
} cvm_store_block;

/* What a store keeps of each committed height, beside the state: the
 * height's record, with the block's header. */
typedef struct cvm_store_height_record {
    uint64_t height;
    uint8_t diff_hash[CVM_SHA256_BYTES];
    uint8_t commitment[CVM_SHA256_BYTES];
    uint64_t timestamp;
    uint8_t events_hash[CVM_SHA256_BYTES]; /* cvm_store_events_hash of the height's event records */
    uint8_t txs_digest[CVM_SHA256_BYTES];  /* cvm_store_tx_digest of every transaction index entry
                                            * after this height, XORed together */
    /* the rest of the block's header (zeros for a bare commit) */
    uint8_t prev_hash[CVM_SHA256_BYTES];
    uint8_t tx_root[CVM_SHA256_BYTES];
    uint8_t receipts_root[CVM_SHA256_BYTES];
    uint64_t ntxs;
    uint8_t block_hash[CVM_SHA256_BYTES];
} cvm_store_height_record;

/* The record a commit of b writes for its height (the events hash
 * computed from b's records). */
void cvm_store_height_record_of(const cvm_store_block *b, cvm_store_height_record *out);

/* The header a height's record holds. */
void cvm_store_height_record_header(const cvm_store_height_record *r, cvm_block_header *out);

/* The tables a store keeps, for a scan of their raw records (verify.h). */
typedef enum cvm_store_table {
    CVM_TABLE_STATE,   /* composite key -> value */
    CVM_TABLE_EVENTS,  /* height (8 bytes BE) || index (8 BE) -> event record */
    CVM_TABLE_HEIGHTS, /* height (8 BE) -> the height's record (cvm_store_height_record_encode) */
    CVM_TABLE_TXS,     /* transaction hash (32) -> height || index || timestamp (8 BE each) */
    CVM_TABLE_BLOCK_TXS, /* height (8 BE) || index (8 BE) -> the transaction's record (codec/block.h) */
    CVM_TABLE_RECEIPTS,  /* height (8 BE) || index (8 BE) -> its receipt (codec/receipt.h) */
    CVM_TABLE_EV_SERVICE, /* the history by service: index key (cvm_store_index_key) -> record index (8 BE) */
    CVM_TABLE_EV_NAME     /* the history by event name: the same */
} cvm_store_table;

/* The event history's indexes (docs/events.md): by service and by event
 * name, each entry keyed (name, height, transaction, index among the
 * transaction's events), written in the same commit as the records. */
typedef enum cvm_store_index {
    CVM_INDEX_SERVICE,
    CVM_INDEX_NAME
} cvm_store_index;

/* The bytes of an index key: the name's length (2 BE), the name, then
 * height, transaction index and the event's index in its transaction (8 BE
 * each). */
#define CVM_STORE_INDEX_KEY_MAX (2 + 1024 + 24)

/* Writes the index key of (name, height, tx, tx_event) into out; returns
 * its length (0 when the name is longer than 1024 bytes). */
size_t cvm_store_index_key(uint8_t out[CVM_STORE_INDEX_KEY_MAX], const uint8_t *name, size_t len, uint64_t height,
                           uint64_t tx, uint64_t tx_event);

/* What the indexes need of one event record of a block. */
typedef struct cvm_store_event_key {
    bool ok;                 /* the record begins like one (codec/event.h); else it is not indexed */
    uint64_t tx_index;       /* its transaction's index in the set */
    uint64_t tx_event;       /* its index among its transaction's events (0, 1, ...) */
    const uint8_t *service;  /* borrowed from the record */
    size_t service_len;
    const uint8_t *name;     /* borrowed from the record */
    size_t name_len;
} cvm_store_event_key;

/* keys[i] for each of b's nevents event records (the records are in order:
 * a transaction's events are consecutive). */
void cvm_store_event_keys(const cvm_store_block *b, cvm_store_event_key *keys);

/* Receives one event record found through an index: its height, its
 * transaction, its index among the transaction's events, its index among
 * the block's records, and its bytes (borrowed for the call). Return 0 to
 * go on, nonzero to stop. */
typedef int (*cvm_store_indexed_fn)(void *ud, uint64_t height, uint64_t tx_index, uint64_t tx_event, uint64_t index,
                                    const uint8_t *data, size_t len);

/* Receives one raw record of a scan: key and value borrowed for the call.
 * Return 0 to go on, nonzero to stop early. */
typedef int (*cvm_store_scan_fn)(void *ud, const uint8_t *key, size_t key_len, const uint8_t *value,
                                 size_t value_len);

/* The encoded size of a height's record: diff hash, commitment, timestamp
 * (8 BE), events hash, transaction index digest, prev hash, tx root,
 * receipts root, ntxs (8 BE), block hash. */
#define CVM_STORE_HEIGHT_RECORD_BYTES (8 * CVM_SHA256_BYTES + 16)
#define CVM_STORE_HEIGHT_RECORD_SIZE_TEXT "272"

/* One transaction index entry's digest: SHA-256 of "coopvm-tx-entry-1" ‖
 * hash (32) ‖ height ‖ index ‖ timestamp (8 BE each): the entry's key and
 * value as the LMDB store keeps them. A height's record keeps the XOR of
 * every entry's digest, so that verify, in one pass and constant memory,
 * finds an entry changed, added or removed. A checksum against damage,
 * not a defence against someone who can write the file (they could
 * rewrite every record anyway); XOR lets a pruning of old entries take
 * theirs out again. */
void cvm_store_tx_digest(const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len,
                         uint8_t out[CVM_SHA256_BYTES]);

/* The hash of a height's event records, kept in its record so that a
 * changed event (still well formed) is found: SHA-256 of
 * "coopvm-events-1" ‖ count (8 BE) ‖ each record's length (8 BE) and bytes.
 * Fed one record at a time: init, add, final. */
void cvm_store_events_hash_init(cvm_sha256_ctx *c, uint64_t count);
void cvm_store_events_hash_add(cvm_sha256_ctx *c, const uint8_t *data, size_t len);

void cvm_store_height_record_encode(const cvm_store_height_record *r, uint8_t out[CVM_STORE_HEIGHT_RECORD_BYTES]);
/* false when len is not CVM_STORE_HEIGHT_RECORD_BYTES; height is the caller's to fill. */
bool cvm_store_height_record_decode(const uint8_t *p, size_t len, cvm_store_height_record *out);

/* The encoded identity: chain id (4 BE), protocol (4 BE), genesis timestamp (8 BE), genesis hash. */
#define CVM_STORE_IDENTITY_BYTES (16 + CVM_SHA256_BYTES)

void cvm_store_identity_encode(const cvm_chain_identity *id, uint8_t out[CVM_STORE_IDENTITY_BYTES]);
bool cvm_store_identity_decode(const uint8_t *p, size_t len, cvm_chain_identity *out);

/* Receives one stored event record, in (height, index) order. data is
 * borrowed for the call only. Return 0 to go on, nonzero to stop early. */
typedef int (*cvm_store_event_fn)(void *ud, uint64_t height, uint64_t index, const uint8_t *data, size_t len);

/* What a backend implements. The public wrappers below check arguments
 * (heights, key lengths, diff order) and count reads before calling these,
 * and update the handle's height and hash after a successful commit. */
typedef struct cvm_store_ops {
    const char *name; /* "memory", "lmdb" */
    /* Reads composite key ck at height (already checked against s->height).
     * Replaces value's contents; *found false and value empty when absent. */
    cvm_status (*read)(cvm_store *s, uint64_t height, const uint8_t *ck, size_t cklen, cvm_buf *value, bool *found);
    /* Applies block b (checked by the wrapper: its height is the next, its
     * diff valid and sorted, its transactions in increasing index order):
     * the diff, its hash, the events and the transaction index entries, all
     * or nothing. A transaction hash already indexed (earlier, or earlier in
     * b) refuses the whole commit with CVM_EINPUT. */
    cvm_status (*commit)(cvm_store *s, const cvm_store_block *b);
    /* Looks up hash in the transaction index: *found, and *out when found. */
    cvm_status (*tx_find)(cvm_store *s, const uint8_t hash[CVM_SHA256_BYTES], cvm_store_tx *out, bool *found);
    /* Calls fn for every event record with from <= height <= to. */
    cvm_status (*events)(cvm_store *s, uint64_t from, uint64_t to, cvm_store_event_fn fn, void *ud);
    /* Calls fn for every raw record of table t, in key order where the
     * backend keeps one (the state of the memory store comes unordered).
     * *kept false when the backend does not keep t (the memory store keeps
     * no height records). */
    cvm_status (*scan)(cvm_store *s, cvm_store_table t, cvm_store_scan_fn fn, void *ud, bool *kept);
    /* Reads the record of height (1..s->height, checked by the wrapper)
     * into *out; CVM_ESTATE when it is missing or damaged. NULL when the
     * backend keeps no height records and no blocks (memory). */
    cvm_status (*height_get)(cvm_store *s, uint64_t height, cvm_store_height_record *out);
    /* Calls fn for every record of table t (BLOCK_TXS or RECEIPTS) whose
     * key begins with height (8 BE), from index `from` on, in order. NULL
     * as height_get. */
    cvm_status (*block_items)(cvm_store *s, cvm_store_table t, uint64_t height, uint64_t from, cvm_store_scan_fn fn,
                              void *ud);
    /* Calls fn, in order, for every event record that index idx files
     * under key[0..len) at a position after `after` (height, transaction,
     * event in it) when after is not NULL, else from height `from` on, and
     * at heights <= to. Work proportional to the records delivered, not to
     * the history. */
    cvm_status (*events_by)(cvm_store *s, cvm_store_index idx, const uint8_t *key, size_t len, uint64_t from,
                            const uint64_t *after, uint64_t to, cvm_store_indexed_fn fn, void *ud);
    /* Frees the backend and the handle. */
    void (*close)(cvm_store *s);
} cvm_store_ops;

/* The handle every backend embeds as its first member. */
struct cvm_store {
    const cvm_store_ops *ops;  /* borrowed; static storage */
    const cvm_allocator *al;   /* borrowed; must outlive the store */
    uint64_t height;           /* the latest committed height; 0 = empty state */
    uint8_t last_hash[CVM_SHA256_BYTES]; /* the state-diff hash of that height; zeros at 0 */
    uint8_t last_commitment[CVM_SHA256_BYTES]; /* the state commitment of that height; zeros at 0 */
    uint8_t last_block_hash[CVM_SHA256_BYTES]; /* the block hash of that height; zeros at 0 */
    bool has_identity;         /* identity was recorded at height 1 */
    cvm_chain_identity identity;
    const char *where;         /* borrowed from the backend: its directory, for messages; NULL in memory */
    uint64_t reads;            /* reads that reached the backend, for tests and statistics */
    char err[256];             /* the last failure's message; "" after success */
};

/* The latest committed height (0 for an empty store). */
uint64_t cvm_store_height(const cvm_store *s);

/* The state-diff hash committed with the latest height (all zeros at 0);
 * borrowed from s, valid until the next commit. */
const uint8_t *cvm_store_last_hash(const cvm_store *s);

/* The state commitment of the latest height (all zeros at 0); borrowed
 * from s, valid until the next commit. */
const uint8_t *cvm_store_last_commitment(const cvm_store *s);

/* The identity recorded at genesis: 1 with *out filled, 0 when none. */
int cvm_store_identity(const cvm_store *s, cvm_chain_identity *out);

/* "the store in DIR" or "the in-memory store", for messages. */
const char *cvm_store_where(const cvm_store *s, char *buf, size_t cap);

/* out = the state commitment after d is applied to s's latest height: the
 * last commitment with each entry's old value (read from the store, not
 * counted in cvm_store_reads) removed and its new value added. For callers
 * without an overlay that knows the old values (cvm_state_diff_commit). */
cvm_status cvm_store_commitment_after(cvm_store *s, const cvm_state_diff *d, uint8_t out[CVM_SHA256_BYTES]);

/* Calls fn for every raw record of table t (see cvm_store_ops.scan). */
cvm_status cvm_store_scan(cvm_store *s, cvm_store_table t, cvm_store_scan_fn fn, void *ud, bool *kept);

/* How many reads reached the backend since the store was opened: the
 * overlay's cache is tested against this ("two reads, one hit"). */
uint64_t cvm_store_reads(const cvm_store *s);

/* cvm_store_errmsg (coopvm.h): why the last call on s failed; "" after a
 * call that succeeded. Borrowed from s, valid until the next call. */

/* Reads (service, key) as of height, which must be the latest height
 * (CVM_ESTATE otherwise: older heights are not kept). Replaces value's
 * contents with the stored bytes; *found says whether the key exists (an
 * absent key leaves value empty). CVM_EINPUT when the composite key is
 * longer than CVM_STATE_KEY_MAX. */
cvm_status cvm_store_read(cvm_store *s, uint64_t height, const uint8_t *service, size_t service_len,
                          const uint8_t *key, size_t key_len, cvm_buf *value, bool *found);

/* Commits block b (b->height must be the latest height + 1, else
 * CVM_ESTATE and nothing changes): the state diff (sorted, no duplicates,
 * keys within CVM_STATE_KEY_MAX; an empty value deletes), its hash (stored,
 * not recomputed: see cvm_state_diff_commit), the event records, kept in
 * order under (height, index), and the transaction index entries (hash ->
 * height, index, timestamp). CVM_EINPUT when an entry's hash is already
 * indexed or repeated in b, or the entries' indexes do not increase. All or
 * nothing: the index is written in the same atomic commit as the state. */
cvm_status cvm_store_commit(cvm_store *s, const cvm_store_block *b);

/* Looks hash up in the transaction index: *found says whether a committed
 * transaction has it, and then *out holds where (height, index) and its
 * timestamp. Every committed height's entries are kept (none are pruned). */
cvm_status cvm_store_tx_find(cvm_store *s, const uint8_t hash[CVM_SHA256_BYTES], cvm_store_tx *out, bool *found);

/* Calls fn(ud, height, index, record) for every event record committed at
 * heights from..to inclusive, in order; stops early when fn returns
 * nonzero. from > to visits nothing. */
cvm_status cvm_store_events(cvm_store *s, uint64_t from, uint64_t to, cvm_store_event_fn fn, void *ud);

/* Closes the store and frees the handle. NULL is allowed. */
void cvm_store_close(cvm_store *s);

/* ---------------------------------------------------- for backends and the overlay */

/* Whether (service, key) makes a composite key the store allows. */
bool cvm_state_key_fits(size_t service_len, size_t key_len);

/* Writes the composite key of (service, key) into ck (CVM_STATE_KEY_MAX
 * bytes) and its length into *cklen; false when it would be too long
 * (!cvm_state_key_fits). */
bool cvm_state_key_make(uint8_t ck[CVM_STATE_KEY_MAX], size_t *cklen, const uint8_t *service, size_t service_len,
                        const uint8_t *key, size_t key_len);

/* Splits a composite key made by cvm_state_key_make (pointers into ck);
 * false when ck is not one. */
bool cvm_state_key_split(const uint8_t *ck, size_t cklen, const uint8_t **service, size_t *service_len,
                         const uint8_t **key, size_t *key_len);

/* Records a failure message on s and returns st, for one-line error exits. */
cvm_status cvm_store_fail(cvm_store *s, cvm_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
