/*
 * mempool.c — the durable mempool and its group-commit writer (see
 * mempool.h for the layout and the reasons).
 *
 * In memory: the pending entries as a list in admission order, and a map
 * from transaction hash to its state (reserved by an admission under way,
 * or pending), so that a duplicate is refused before it costs a write.
 * The writer thread owns the LMDB write path of admissions: it takes the
 * whole queue at once and writes it in one transaction.
 */
#include "node/mempool.h"

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/map.h"
#include "state/lmdbcheck.h"

/* The mempool's map: 1 GiB of address space (the file grows only with
 * what is written). At the default limit of 100,000 transactions this
 * leaves about 10 KiB a transaction; a full map answers MP_FAILED. */
#define MEMPOOL_MAP_SIZE (1ull << 30)

/* One admission waiting for the writer; on the admitting thread's stack. */
typedef struct mp_req {
    const uint8_t *hash;     /* borrowed */
    cvm_tx_owned *tx;        /* borrowed until written, then the mempool's */
    const uint8_t *bytes;    /* borrowed */
    size_t len;
    bool done;
    mp_result result;
    char *reason;            /* borrowed: the caller's buffer */
    size_t cap;
    struct mp_req *next;
} mp_req;

struct mempool {
    MDB_env *env;                /* owned */
    MDB_dbi pending, rejected, by_height;
    pthread_mutex_t mu;
    pthread_cond_t cv_writer;    /* the writer waits here for admissions */
    pthread_cond_t cv_done;      /* admissions wait here for their write; mempool_wait for entries */
    cvm_map byhash;              /* hash -> ival 1 reserved, 2 pending (pval: the entry) */
    mp_entry *head, *tail;       /* owned: pending entries in admission order */
    size_t count;                /* pending entries */
    size_t reserved;             /* admissions under way */
    size_t bytes, reserved_bytes; /* the pending entries' encodings, and those under way */
    size_t limit, bytes_limit;
    uint64_t next_seq;
    mp_req *queue, *queue_tail;  /* borrowed: admissions waiting for the writer */
    bool stopping;
    pthread_t writer;
    bool writer_started;
    mp_stats stats;
};

uint64_t node_mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

uint64_t node_real_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static MDB_val val_of(const void *p, size_t n)
{
    MDB_val v;
    v.mv_size = n;
    v.mv_data = (void *)p; /* LMDB only reads what it is given */
    return v;
}

/* Appends e to the pending list and marks its hash pending. Under mu. */
static bool append(mempool *m, mp_entry *e)
{
    bool created = false;
    cvm_map_entry *me = cvm_map_put(&m->byhash, e->hash, CVM_HASH_BYTES, &created);
    if (!me)
        return false;
    me->ival = 2;
    me->pval = e;
    e->next = NULL;
    if (m->tail)
        m->tail->next = e;
    else
        m->head = e;
    m->tail = e;
    m->count++;
    m->bytes += e->len;
    return true;
}

static void entry_free(mp_entry *e)
{
    if (e) {
        cvm_tx_owned_free(e->tx);
        free(e);
    }
}

/* Writes the admissions of q in one LMDB transaction; sets each result. */
static void write_batch(mempool *m, mp_req *q, uint64_t first_seq)
{
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(m->env, NULL, 0, &txn);
    uint64_t seq = first_seq;
    for (mp_req *r = q; rc == 0 && r; r = r->next, seq++) {
        uint8_t k[8];
        put_be64(k, seq);
        MDB_val key = val_of(k, 8), v = val_of(r->bytes, r->len);
        rc = mdb_put(txn, m->pending, &key, &v, 0);
    }
    if (rc == 0)
        rc = mdb_txn_commit(txn); /* the one fsync of the batch */
    else if (txn)
        mdb_txn_abort(txn);
    for (mp_req *r = q; r; r = r->next) {
        r->result = rc == 0 ? MP_ADDED : MP_FAILED;
        if (rc != 0)
            snprintf(r->reason, r->cap, "writing the mempool: %s", mdb_strerror(rc));
    }
}

static void *writer_main(void *arg)
{
    mempool *m = arg;
    pthread_mutex_lock(&m->mu);
    for (;;) {
        while (!m->queue && !m->stopping)
            pthread_cond_wait(&m->cv_writer, &m->mu);
        if (!m->queue)
            break; /* stopping, and nothing left to write */
        mp_req *q = m->queue;
        m->queue = m->queue_tail = NULL;
        uint64_t first = m->next_seq, n = 0;
        for (mp_req *r = q; r; r = r->next)
            n++;
        m->next_seq += n;
        pthread_mutex_unlock(&m->mu);
        write_batch(m, q, first); /* without the lock: admissions keep queueing meanwhile */
        pthread_mutex_lock(&m->mu);
        m->stats.batches++;
        m->stats.admissions += n;
        if (n > m->stats.max_batch)
            m->stats.max_batch = n;
        uint64_t seq = first;
        for (mp_req *r = q; r; r = r->next, seq++) {
            m->reserved--;
            m->reserved_bytes -= r->len;
            mp_entry *e = r->result == MP_ADDED ? calloc(1, sizeof *e) : NULL;
            if (e) {
                e->seq = seq;
                e->len = r->len;
                memcpy(e->hash, r->hash, CVM_HASH_BYTES);
                e->tx = r->tx;
                e->verified = true;
            }
            if (!e || !append(m, e)) {
                /* durable but not in memory: it is loaded again at the next open;
                 * answering FAILED is honest (the client may resubmit: a
                 * duplicate then costs nothing, the block runs it once) */
                if (r->result == MP_ADDED)
                    snprintf(r->reason, r->cap, "out of memory keeping the transaction");
                if (e)
                    e->tx = NULL;
                free(e);
                r->result = MP_FAILED;
                cvm_map_del(&m->byhash, r->hash, CVM_HASH_BYTES);
            }
            r->done = true;
        }
        pthread_cond_broadcast(&m->cv_done);
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

/* Loads the pending entries, in key (admission) order. */
static cvm_status load(mempool *m, char *err, size_t errcap)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn);
    if (rc == 0 && (rc = mdb_cursor_open(txn, m->pending, &cur)) != 0)
        mdb_txn_abort(txn);
    if (rc) {
        snprintf(err, errcap, "reading the mempool: %s", mdb_strerror(rc));
        return CVM_EIO;
    }
    MDB_val k, v;
    cvm_status st = CVM_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && st == CVM_OK;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 8) {
            snprintf(err, errcap, "the mempool holds a key of %zu bytes (8 expected)", k.mv_size);
            st = CVM_ESTATE;
            break;
        }
        uint64_t seq = get_be64(k.mv_data);
        cvm_errmsg why;
        mp_entry *e = calloc(1, sizeof *e);
        if (!e) {
            st = CVM_ENOMEM;
            snprintf(err, errcap, "out of memory loading the mempool");
            break;
        }
        e->seq = seq;
        e->len = v.mv_size;
        e->verified = true; /* verified before it was written: the mempool is the node's own file */
        st = cvm_tx_from_bytes(NULL, v.mv_data, v.mv_size, 1, &e->tx, &why);
        if (st == CVM_OK)
            st = cvm_tx_hash(NULL, &e->tx->tx, e->hash, &why);
        if (st == CVM_OK && cvm_map_get(&m->byhash, e->hash, CVM_HASH_BYTES)) {
            entry_free(e); /* cannot happen unless the file was edited: keep the first */
            continue;
        }
        if (st == CVM_OK && !append(m, e))
            st = CVM_ENOMEM;
        if (st != CVM_OK) {
            snprintf(err, errcap, "the mempool's entry %llu is damaged: %s", (unsigned long long)seq, why.text);
            entry_free(e);
            break;
        }
        m->next_seq = seq + 1;
    }
    if (st == CVM_OK && rc != MDB_NOTFOUND) {
        snprintf(err, errcap, "reading the mempool: %s", mdb_strerror(rc));
        st = CVM_EIO;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return st;
}

cvm_status mempool_open(const char *dir, size_t limit, size_t bytes_limit, mempool **out, char *err, size_t errcap)
{
    *out = NULL;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errcap, "mempool directory %s: %s", dir, strerror(errno));
        return CVM_EIO;
    }
    char path[4096];
    int pn = snprintf(path, sizeof path, "%s/data.mdb", dir);
    if (pn < 0 || (size_t)pn >= sizeof path) {
        snprintf(err, errcap, "mempool directory %s: the path is too long", dir);
        return CVM_EIO;
    }
    cvm_lmdb_file file;
    char why[300] = "";
    cvm_status st = cvm_lmdb_file_check(path, "data.mdb", &file, why, sizeof why);
    if (st != CVM_OK) {
        snprintf(err, errcap, "mempool directory %s is damaged: %s", dir, why);
        return st;
    }
    mempool *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv_writer, NULL);
    pthread_cond_init(&m->cv_done, NULL);
    cvm_map_init(&m->byhash, NULL);
    m->limit = limit;
    m->bytes_limit = bytes_limit;
    m->next_seq = 1;
    MDB_txn *txn = NULL;
    int rc = mdb_env_create(&m->env);
    if (rc)
        m->env = NULL;
    if (!rc)
        rc = mdb_env_set_maxdbs(m->env, 3);
    if (!rc)
        rc = mdb_env_set_mapsize(m->env, file.map_size > MEMPOOL_MAP_SIZE ? (size_t)file.map_size : MEMPOOL_MAP_SIZE);
    if (!rc)
        rc = mdb_env_open(m->env, dir, MDB_NOTLS, 0644);
    int dead = 0;
    if (!rc) /* reader slots of a process that died (SIGKILL) are freed, not kept */
        rc = mdb_reader_check(m->env, &dead);
    if (!rc)
        rc = mdb_txn_begin(m->env, NULL, 0, &txn);
    if (!rc && !(rc = mdb_dbi_open(txn, "pending", MDB_CREATE, &m->pending)))
        rc = mdb_dbi_open(txn, "rejected", MDB_CREATE, &m->rejected);
    if (!rc)
        rc = mdb_dbi_open(txn, "rejected_by_height", MDB_CREATE, &m->by_height);
    if (txn)
        rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
    if (rc) {
        snprintf(err, errcap, "mempool directory %s: %s", dir, mdb_strerror(rc));
        mempool_close(m);
        return CVM_EIO;
    }
    if ((st = load(m, err, errcap)) != CVM_OK) {
        mempool_close(m);
        return st;
    }
    if (pthread_create(&m->writer, NULL, writer_main, m) != 0) {
        snprintf(err, errcap, "cannot start the mempool's writer thread");
        mempool_close(m);
        return CVM_ENOMEM;
    }
    m->writer_started = true;
    *out = m;
    return CVM_OK;
}

void mempool_stop(mempool *m)
{
    pthread_mutex_lock(&m->mu);
    m->stopping = true;
    pthread_cond_broadcast(&m->cv_writer);
    pthread_cond_broadcast(&m->cv_done);
    pthread_mutex_unlock(&m->mu);
}

void mempool_close(mempool *m)
{
    if (!m)
        return;
    if (m->writer_started) {
        mempool_stop(m);
        pthread_join(m->writer, NULL); /* it writes what was queued before it ends */
    }
    for (mp_entry *e = m->head, *next; e; e = next) {
        next = e->next;
        entry_free(e);
    }
    if (m->env)
        mdb_env_close(m->env);
    cvm_map_free(&m->byhash);
    pthread_cond_destroy(&m->cv_writer);
    pthread_cond_destroy(&m->cv_done);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

mp_result mempool_reserve(mempool *m, const uint8_t hash[CVM_HASH_BYTES], size_t len)
{
    pthread_mutex_lock(&m->mu);
    mp_result r = MP_ADDED;
    bool created = false;
    cvm_map_entry *e;
    if (m->stopping)
        r = MP_STOPPING;
    else if (cvm_map_get(&m->byhash, hash, CVM_HASH_BYTES))
        r = MP_DUPLICATE;
    else if (m->count + m->reserved >= m->limit || m->bytes + m->reserved_bytes + len > m->bytes_limit)
        r = MP_FULL;
    else if (!(e = cvm_map_put(&m->byhash, hash, CVM_HASH_BYTES, &created)))
        r = MP_FAILED;
    else {
        e->ival = 1;
        e->pval = NULL;
        m->reserved++;
        m->reserved_bytes += len;
    }
    pthread_mutex_unlock(&m->mu);
    return r;
}

void mempool_unreserve(mempool *m, const uint8_t hash[CVM_HASH_BYTES], size_t len)
{
    pthread_mutex_lock(&m->mu);
    cvm_map_entry *e = cvm_map_get(&m->byhash, hash, CVM_HASH_BYTES);
    if (e && e->ival == 1) {
        cvm_map_del(&m->byhash, hash, CVM_HASH_BYTES);
        m->reserved--;
        m->reserved_bytes -= len;
    }
    pthread_mutex_unlock(&m->mu);
}

mp_result mempool_commit_reserved(mempool *m, const uint8_t hash[CVM_HASH_BYTES], cvm_tx_owned *tx,
                                  const uint8_t *bytes, size_t len, char *reason, size_t cap)
{
    mp_req r;
    memset(&r, 0, sizeof r);
    r.hash = hash;
    r.tx = tx;
    r.bytes = bytes;
    r.len = len;
    r.reason = reason;
    r.cap = cap;
    pthread_mutex_lock(&m->mu);
    if (m->stopping) {
        pthread_mutex_unlock(&m->mu);
        mempool_unreserve(m, hash, len);
        return MP_STOPPING;
    }
    if (m->queue_tail)
        m->queue_tail->next = &r;
    else
        m->queue = &r;
    m->queue_tail = &r;
    pthread_cond_signal(&m->cv_writer);
    /* the writer answers every queued admission, stopping or not: it
     * drains the queue before it ends */
    while (!r.done)
        pthread_cond_wait(&m->cv_done, &m->mu);
    pthread_mutex_unlock(&m->mu);
    return r.result;
}

bool mempool_has(mempool *m, const uint8_t hash[CVM_HASH_BYTES])
{
    pthread_mutex_lock(&m->mu);
    /* only a durable entry (ival 2): a reserved one (ival 1) is not written
     * yet and may still fail or die with the process, so GET must not call
     * it PENDING before its POST is answered 202 */
    const cvm_map_entry *e = cvm_map_get(&m->byhash, hash, CVM_HASH_BYTES);
    bool has = e && e->ival == 2;
    pthread_mutex_unlock(&m->mu);
    return has;
}

void mempool_usage(mempool *m, size_t *count, size_t *bytes)
{
    pthread_mutex_lock(&m->mu);
    *count = m->count + m->reserved;
    *bytes = m->bytes + m->reserved_bytes;
    pthread_mutex_unlock(&m->mu);
}

size_t mempool_count(mempool *m)
{
    pthread_mutex_lock(&m->mu);
    size_t n = m->count;
    pthread_mutex_unlock(&m->mu);
    return n;
}

size_t mempool_peek(mempool *m, size_t max, mp_entry **out)
{
    pthread_mutex_lock(&m->mu);
    size_t n = 0;
    for (mp_entry *e = m->head; e && n < max; e = e->next)
        out[n++] = e;
    pthread_mutex_unlock(&m->mu);
    return n;
}

size_t mempool_wait(mempool *m, size_t want, uint64_t deadline)
{
    pthread_mutex_lock(&m->mu);
    while (m->count < want && !m->stopping) {
        uint64_t now = node_mono_ns();
        if (now >= deadline)
            break;
        /* cv_done is a CLOCK_REALTIME condition: wait at most the time left, then look again */
        uint64_t left = deadline - now, wake = node_real_ns() + left;
        struct timespec ts = {(time_t)(wake / 1000000000ull), (long)(wake % 1000000000ull)};
        pthread_cond_timedwait(&m->cv_done, &m->mu, &ts);
    }
    size_t n = m->count;
    pthread_mutex_unlock(&m->mu);
    return n;
}

cvm_status mempool_remove(mempool *m, const uint8_t (*hashes)[CVM_HASH_BYTES], size_t n, const mp_rejection *rej,
                          size_t nrej, uint64_t height, char *err, size_t errcap)
{
    /* the entries to remove: only the producer removes, so they stay put
     * between this look-up and the unlinking below */
    mp_entry **done = calloc(n ? n : 1, sizeof *done);
    if (!done) {
        snprintf(err, errcap, "out of memory removing a block's transactions from the mempool");
        return CVM_ENOMEM;
    }
    size_t nd = 0;
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < n; i++) {
        cvm_map_entry *me = cvm_map_get(&m->byhash, hashes[i], CVM_HASH_BYTES);
        if (me && me->ival == 2 && me->pval)
            done[nd++] = me->pval;
    }
    pthread_mutex_unlock(&m->mu);
    MDB_txn *txn;
    int rc = mdb_txn_begin(m->env, NULL, 0, &txn);
    for (size_t i = 0; rc == 0 && i < nd; i++) {
        uint8_t k[8];
        put_be64(k, done[i]->seq);
        MDB_val key = val_of(k, 8);
        rc = mdb_del(txn, m->pending, &key, NULL);
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    for (size_t i = 0; rc == 0 && i < nrej; i++) {
        size_t rl = rej[i].reason ? strlen(rej[i].reason) : 0;
        uint8_t *buf = malloc(9 + rl);
        if (!buf) {
            rc = ENOMEM;
            break;
        }
        put_be64(buf, height);
        buf[8] = (uint8_t)rej[i].status;
        if (rl)
            memcpy(buf + 9, rej[i].reason, rl);
        MDB_val key = val_of(rej[i].hash, CVM_HASH_BYTES), v = val_of(buf, 9 + rl);
        rc = mdb_put(txn, m->rejected, &key, &v, 0);
        /* and under the block: height || i -> hash || status || reason */
        uint8_t hk[16], *hv = rc ? NULL : malloc(CVM_HASH_BYTES + 1 + rl);
        if (!rc && !hv)
            rc = ENOMEM;
        if (!rc) {
            put_be64(hk, height);
            put_be64(hk + 8, i);
            memcpy(hv, rej[i].hash, CVM_HASH_BYTES);
            hv[CVM_HASH_BYTES] = (uint8_t)rej[i].status;
            if (rl)
                memcpy(hv + CVM_HASH_BYTES + 1, rej[i].reason, rl);
            MDB_val k2 = val_of(hk, 16), v2 = val_of(hv, CVM_HASH_BYTES + 1 + rl);
            rc = mdb_put(txn, m->by_height, &k2, &v2, 0);
        }
        free(hv);
        free(buf);
    }
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else
        mdb_txn_abort(txn);
    if (rc) {
        free(done);
        snprintf(err, errcap, "removing a block's transactions from the mempool: %s", mdb_strerror(rc));
        return CVM_EIO;
    }
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < nd; i++) {
        mp_entry *e = done[i];
        cvm_map_del(&m->byhash, e->hash, CVM_HASH_BYTES);
        /* unlink: a block's entries are at the front, so this is short */
        mp_entry **pp = &m->head, *prev = NULL;
        while (*pp && *pp != e) {
            prev = *pp;
            pp = &(*pp)->next;
        }
        if (*pp) {
            *pp = e->next;
            if (m->tail == e)
                m->tail = prev;
            m->count--;
            m->bytes -= e->len;
        }
        entry_free(e);
    }
    pthread_cond_broadcast(&m->cv_done);
    pthread_mutex_unlock(&m->mu);
    free(done);
    return CVM_OK;
}

cvm_status mempool_rejected(mempool *m, const uint8_t hash[CVM_HASH_BYTES], bool *found, uint64_t *height,
                            cvm_preorder_status *status, char *reason, size_t cap, char *err, size_t errcap)
{
    *found = false;
    MDB_txn *txn;
    int rc = mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn);
    if (rc) {
        snprintf(err, errcap, "reading the mempool: %s", mdb_strerror(rc));
        return CVM_EIO;
    }
    MDB_val k = val_of(hash, CVM_HASH_BYTES), v;
    rc = mdb_get(txn, m->rejected, &k, &v);
    cvm_status st = CVM_OK;
    if (rc == 0 && v.mv_size >= 9) {
        const uint8_t *p = v.mv_data;
        *found = true;
        *height = get_be64(p);
        *status = (cvm_preorder_status)p[8];
        size_t rl = v.mv_size - 9 < cap - 1 ? v.mv_size - 9 : cap - 1;
        memcpy(reason, p + 9, rl);
        reason[rl] = '\0';
    } else if (rc == 0) {
        snprintf(err, errcap, "the mempool's rejection record is damaged (%zu bytes)", v.mv_size);
        st = CVM_ESTATE;
    } else if (rc != MDB_NOTFOUND) {
        snprintf(err, errcap, "reading the mempool: %s", mdb_strerror(rc));
        st = CVM_EIO;
    }
    mdb_txn_abort(txn);
    return st;
}

cvm_status mempool_rejected_at(mempool *m, uint64_t height, mp_rejected_fn fn, void *ud, char *err, size_t errcap)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn);
    if (rc == 0 && (rc = mdb_cursor_open(txn, m->by_height, &cur)) != 0)
        mdb_txn_abort(txn);
    if (rc) {
        snprintf(err, errcap, "reading the mempool: %s", mdb_strerror(rc));
        return CVM_EIO;
    }
    uint8_t first[16];
    put_be64(first, height);
    memset(first + 8, 0, 8);
    MDB_val k = val_of(first, 16), v;
    cvm_status st = CVM_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 16 || get_be64(k.mv_data) != height)
            break;
        if (v.mv_size < CVM_HASH_BYTES + 1) {
            snprintf(err, errcap, "the mempool's rejection record at height %llu is damaged",
                     (unsigned long long)height);
            st = CVM_ESTATE;
            break;
        }
        const uint8_t *p = v.mv_data;
        if (fn(ud, p, (cvm_preorder_status)p[CVM_HASH_BYTES], (const char *)p + CVM_HASH_BYTES + 1,
               v.mv_size - CVM_HASH_BYTES - 1))
            break;
    }
    if (st == CVM_OK && rc != 0 && rc != MDB_NOTFOUND) {
        snprintf(err, errcap, "reading the mempool: %s", mdb_strerror(rc));
        st = CVM_EIO;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return st;
}

void mempool_stats(mempool *m, mp_stats *out)
{
    pthread_mutex_lock(&m->mu);
    *out = m->stats;
    pthread_mutex_unlock(&m->mu);
}
