/*
 * lmdbstore.c — the LMDB backend of the state store (layout in
 * lmdbstore.h). Every failure becomes a status with mdb_strerror's words on
 * the handle; nothing is printed.
 */
#include "state/lmdbstore.h"

#include <errno.h>
#include <lmdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include "base/errmsg.h"
#include "base/alloc.h"
#include "base/hex.h"
#include "state/diff.h"
#include "state/lmdbcheck.h"

/* 2: the chain's identity in meta and a record per height (heights); 3:
 * blocks (the header in the height's record, the transactions and
 * receipts); a store of format 1 or 2 lacks them and is refused with a
 * message saying so */
#define FORMAT "coopvm-state-3"
#define FORMAT_1 "coopvm-state-1"
#define FORMAT_2 "coopvm-state-2"

typedef struct lmdbstore {
    cvm_store base;       /* first, so a cvm_store * is an lmdbstore * */
    MDB_env *env;         /* owned */
    MDB_dbi state, meta, events, txs, heights, btxs, receipts, ev_service, ev_name;
    bool has_txs;         /* false for a store opened read-only from before the transaction index */
    MDB_txn *rtxn;        /* owned; a reset read-only transaction that reads renew, or NULL */
    char *dir;            /* owned; for messages */
    bool read_only;       /* opened by cvm_lmdbstore_open_readonly: commits are refused */
    unsigned grows;       /* times the map was doubled since the open (tests) */
    unsigned scans;       /* read transactions of begin_read open now (scans): while any is, the map is not remapped */
    uint8_t txs_digest[CVM_SHA256_BYTES]; /* the latest height record's transaction index digest */
} lmdbstore;

static MDB_val val_of(const void *p, size_t n)
{
    MDB_val v;
    v.mv_size = n;
    v.mv_data = (void *)p; /* LMDB's MDB_val is not const; it only reads keys and data given to it */
    return v;
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

/* Reads meta's height and hash inside txn. A missing height is height 0. */
static int read_meta(lmdbstore *l, MDB_txn *txn, uint64_t *height, uint8_t hash[CVM_SHA256_BYTES], const char **bad)
{
    MDB_val k = val_of("height", 6), v;
    int rc = mdb_get(txn, l->meta, &k, &v);
    if (rc == MDB_NOTFOUND) {
        *height = 0;
        if (hash)
            memset(hash, 0, CVM_SHA256_BYTES);
        return 0;
    }
    if (rc)
        return rc;
    if (v.mv_size != 8) {
        *bad = "meta height is not 8 bytes";
        return 0;
    }
    *height = get_be64(v.mv_data);
    if (!hash)
        return 0;
    k = val_of("diff_hash", 9);
    rc = mdb_get(txn, l->meta, &k, &v);
    if (rc == MDB_NOTFOUND || (!rc && v.mv_size != CVM_SHA256_BYTES)) {
        *bad = "meta diff_hash is missing or not 32 bytes";
        return 0;
    }
    if (!rc)
        memcpy(hash, v.mv_data, CVM_SHA256_BYTES);
    return rc;
}

/* Begins a read-only transaction. Another process (the writer) may have
 * grown the map past this handle's: LMDB then says MDB_MAP_RESIZED, and
 * adopting the file's size (mdb_env_set_mapsize 0, allowed with no
 * transaction of ours active) lets the next try see it. */
static int begin_read(lmdbstore *l, MDB_txn **txn)
{
    int rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, txn);
    /* adopting remaps the file: never under a scan's open cursor (an event
     * walk's callback reads state; verify reads events inside a scan) —
     * such a nested begin fails cleanly with MDB_MAP_RESIZED instead */
    if (rc == MDB_MAP_RESIZED && !l->rtxn && l->scans == 0 && (rc = mdb_env_set_mapsize(l->env, 0)) == 0)
        rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, txn);
    if (rc == 0 && txn != &l->rtxn)
        l->scans++;
    return rc;
}

/* Ends a read transaction begun by begin_read for a scan. */
static void end_read(lmdbstore *l, MDB_txn *txn)
{
    mdb_txn_abort(txn);
    l->scans--;
}

static cvm_status lmdb_read(cvm_store *s, uint64_t height, const uint8_t *ck, size_t cklen, cvm_buf *value,
                            bool *found)
{
    lmdbstore *l = (lmdbstore *)s;
    /* one read-only transaction, reset between reads and renewed for the
     * next: cheaper than beginning a new one each time */
    int rc = l->rtxn ? mdb_txn_renew(l->rtxn) : begin_read(l, &l->rtxn);
    if (rc == MDB_MAP_RESIZED && l->rtxn) {
        /* drop the reused transaction so that begin_read may adopt the new size */
        mdb_txn_abort(l->rtxn);
        l->rtxn = NULL;
        rc = begin_read(l, &l->rtxn);
    }
    if (rc) {
        if (l->rtxn) {
            mdb_txn_abort(l->rtxn);
            l->rtxn = NULL;
        }
        return cvm_store_fail(s, CVM_EIO, "state read in %s: cannot begin a read transaction: %s", l->dir,
                              mdb_strerror(rc));
    }
    cvm_status st = CVM_OK;
    uint64_t h;
    const char *bad = NULL;
    rc = read_meta(l, l->rtxn, &h, NULL, &bad);
    if (rc || bad) {
        st = cvm_store_fail(s, rc ? CVM_EIO : CVM_ESTATE, "state read in %s: %s", l->dir, rc ? mdb_strerror(rc) : bad);
    } else if (h != height) {
        /* the snapshot must be the height the caller reads at */
        st = cvm_store_fail(s, CVM_ESTATE,
                            "state read at height %llu in %s: the directory is now at height %llu (another writer?)",
                            (unsigned long long)height, l->dir, (unsigned long long)h);
    } else {
        MDB_val k = val_of(ck, cklen), v;
        rc = mdb_get(l->rtxn, l->state, &k, &v);
        if (rc == MDB_NOTFOUND) {
            /* absent: found stays false */
        } else if (rc) {
            st = cvm_store_fail(s, CVM_EIO, "state read in %s: %s", l->dir, mdb_strerror(rc));
        } else {
            cvm_buf_put(value, v.mv_data, v.mv_size);
            if (!cvm_buf_ok(value))
                st = cvm_store_fail(s, CVM_ENOMEM, "state read: out of memory copying a %zu-byte value", v.mv_size);
            else
                *found = true;
        }
    }
    mdb_txn_reset(l->rtxn);
    return st;
}

/* Writes b's transaction index entries in txn (MDB_NOOVERWRITE: a hash
 * already there is a replay the caller should have refused). Returns the
 * LMDB error; on MDB_KEYEXIST *dup is the entry that was refused. */
static int put_txs(lmdbstore *l, MDB_txn *txn, const cvm_store_block *b, size_t *dup)
{
    for (size_t i = 0; i < b->ntxs; i++) {
        const cvm_store_tx *t = &b->txs[i];
        uint8_t tv[24];
        put_be64(tv, b->height);
        put_be64(tv + 8, t->index);
        put_be64(tv + 16, t->timestamp);
        MDB_val k = val_of(t->hash, CVM_SHA256_BYTES), v = val_of(tv, sizeof tv);
        int rc = mdb_put(txn, l->txs, &k, &v, MDB_NOOVERWRITE);
        if (rc) {
            *dup = i;
            return rc;
        }
    }
    return 0;
}

/* The event indexes' entries of b's records (store.h: by service, by
 * name): index key -> the record's index in its block (8 BE). */
static int put_event_index(lmdbstore *l, MDB_txn *txn, const cvm_store_block *b)
{
    if (!b->nevents)
        return 0;
    cvm_store_event_key *keys = cvm_malloc(l->base.al, b->nevents * sizeof *keys);
    if (!keys)
        return ENOMEM;
    cvm_store_event_keys(b, keys);
    int rc = 0;
    for (size_t i = 0; !rc && i < b->nevents; i++) {
        const cvm_store_event_key *e = &keys[i];
        if (!e->ok)
            continue; /* not a record: verify names it; nothing can find it by name */
        uint8_t ik[CVM_STORE_INDEX_KEY_MAX], iv[8];
        put_be64(iv, i);
        MDB_val v = val_of(iv, sizeof iv);
        size_t n = cvm_store_index_key(ik, e->service, e->service_len, b->height, e->tx_index, e->tx_event);
        MDB_val k = val_of(ik, n);
        if (n && (rc = mdb_put(txn, l->ev_service, &k, &v, 0)))
            break;
        n = cvm_store_index_key(ik, e->name, e->name_len, b->height, e->tx_index, e->tx_event);
        k = val_of(ik, n);
        if (n)
            rc = mdb_put(txn, l->ev_name, &k, &v, 0);
    }
    cvm_free(l->base.al, keys);
    return rc;
}

/* The transaction index entry v of hash: false when it is not 24 bytes. */
static bool tx_of(const MDB_val *v, const uint8_t hash[CVM_SHA256_BYTES], cvm_store_tx *out)
{
    if (v->mv_size != 24)
        return false;
    const uint8_t *p = v->mv_data;
    memcpy(out->hash, hash, CVM_SHA256_BYTES);
    out->height = get_be64(p);
    out->index = get_be64(p + 8);
    out->timestamp = get_be64(p + 16);
    return true;
}

/* Why a write may have failed, in the user's terms: LMDB passes ENOSPC
 * on, but a write cut short by a full disk reaches it as a short pwrite,
 * which it reports as EIO — so for EIO the file system is asked too. */
static const char *disk_hint(const lmdbstore *l, int rc)
{
    if (rc == ENOSPC || rc == EDQUOT)
        return " — the disk is full";
    if (rc == EFBIG)
        return " — the file would be larger than the system allows";
    struct statvfs fs;
    if (rc == EIO && statvfs(l->dir, &fs) == 0 && (uint64_t)fs.f_bavail * fs.f_frsize < ((uint64_t)1 << 20))
        return " — the disk is full (less than 1 MiB free)";
    return "";
}

/* One try at committing b in one write transaction. *full is set when
 * LMDB ran out of map (MDB_MAP_FULL): nothing was written and the caller
 * may grow the map and try again. */
static cvm_status commit_once(cvm_store *s, const cvm_store_block *b, bool *full)
{
    lmdbstore *l = (lmdbstore *)s;
    uint64_t height = b->height;
    const cvm_state_diff *d = b->diff;
    if (l->read_only)
        return cvm_store_fail(s, CVM_ESTATE, "commit of height %llu in %s refused: the store was opened read-only",
                              (unsigned long long)height, l->dir);
    MDB_txn *txn;
    const char *what = "begin the write transaction";
    int rc = mdb_txn_begin(l->env, NULL, 0, &txn);
    if (rc)
        goto fail_notxn;
    uint64_t h;
    const char *bad = NULL;
    what = "read meta";
    if ((rc = read_meta(l, txn, &h, NULL, &bad)))
        goto fail;
    if (bad) {
        mdb_txn_abort(txn);
        return cvm_store_fail(s, CVM_ESTATE, "commit of height %llu in %s refused: %s", (unsigned long long)height,
                              l->dir, bad);
    }
    if (h != height - 1) {
        mdb_txn_abort(txn);
        return cvm_store_fail(s, CVM_ESTATE,
                              "commit of height %llu in %s refused: the directory is at height %llu (another writer?)",
                              (unsigned long long)height, l->dir, (unsigned long long)h);
    }
    size_t dup = 0;
    what = "write a transaction index entry";
    if ((rc = put_txs(l, txn, b, &dup)) == MDB_KEYEXIST) {
        const cvm_store_tx *t = &b->txs[dup];
        char hex[2 * CVM_SHA256_BYTES + 1];
        cvm_hex_write(hex, t->hash, CVM_SHA256_BYTES);
        MDB_val k = val_of(t->hash, CVM_SHA256_BYTES), v;
        cvm_store_tx old;
        bool before = mdb_get(txn, l->txs, &k, &v) == 0 && tx_of(&v, t->hash, &old) && old.height != height;
        mdb_txn_abort(txn);
        if (before)
            return cvm_store_fail(s, CVM_EINPUT,
                                  "commit of height %llu refused: transaction %s (index %llu) is already committed "
                                  "at height %llu, index %llu",
                                  (unsigned long long)height, hex, (unsigned long long)t->index,
                                  (unsigned long long)old.height, (unsigned long long)old.index);
        return cvm_store_fail(s, CVM_EINPUT, "commit of height %llu refused: transaction %s appears twice in the block",
                              (unsigned long long)height, hex);
    } else if (rc) {
        goto fail;
    }
    uint8_t ck[CVM_STATE_KEY_MAX];
    size_t cklen;
    for (size_t i = 0; i < d->count; i++) {
        const cvm_diff_entry *e = &d->entries[i];
        cvm_state_key_make(ck, &cklen, e->service, e->service_len, e->key, e->key_len); /* length checked by the wrapper */
        MDB_val k = val_of(ck, cklen);
        if (e->value_len) {
            MDB_val v = val_of(e->value, e->value_len);
            what = "write a state value";
            rc = mdb_put(txn, l->state, &k, &v, 0);
        } else {
            what = "delete a state value";
            rc = mdb_del(txn, l->state, &k, NULL);
            if (rc == MDB_NOTFOUND)
                rc = 0;
        }
        if (rc)
            goto fail;
    }
    for (size_t i = 0; i < b->nevents; i++) {
        uint8_t ek[16];
        put_be64(ek, height);
        put_be64(ek + 8, i);
        MDB_val k = val_of(ek, sizeof ek), v = val_of(b->events[i].len ? b->events[i].data : ek, b->events[i].len);
        what = "write an event record";
        if ((rc = mdb_put(txn, l->events, &k, &v, 0)))
            goto fail;
    }
    what = "write the event indexes";
    if ((rc = put_event_index(l, txn, b)))
        goto fail;
    uint8_t hb[8];
    put_be64(hb, height);
    MDB_val k = val_of("height", 6), v = val_of(hb, 8);
    what = "write meta height";
    if ((rc = mdb_put(txn, l->meta, &k, &v, 0)))
        goto fail;
    k = val_of("diff_hash", 9);
    v = val_of(b->diff_hash, CVM_SHA256_BYTES);
    what = "write meta diff_hash";
    if ((rc = mdb_put(txn, l->meta, &k, &v, 0)))
        goto fail;
    cvm_store_height_record hr;
    cvm_store_height_record_of(b, &hr);
    memcpy(hr.txs_digest, l->txs_digest, CVM_SHA256_BYTES);
    for (size_t i = 0; i < b->ntxs; i++) {
        uint8_t tv[24], dg[CVM_SHA256_BYTES];
        put_be64(tv, height);
        put_be64(tv + 8, b->txs[i].index);
        put_be64(tv + 16, b->txs[i].timestamp);
        cvm_store_tx_digest(b->txs[i].hash, CVM_SHA256_BYTES, tv, sizeof tv, dg);
        for (size_t j = 0; j < CVM_SHA256_BYTES; j++)
            hr.txs_digest[j] ^= dg[j];
    }
    uint8_t hrec[CVM_STORE_HEIGHT_RECORD_BYTES];
    cvm_store_height_record_encode(&hr, hrec);
    k = val_of(hb, 8);
    v = val_of(hrec, sizeof hrec);
    what = "write the height's record";
    if ((rc = mdb_put(txn, l->heights, &k, &v, 0)))
        goto fail;
    for (size_t i = 0; b->header && i < b->header->ntxs; i++) {
        uint8_t bk[16];
        put_be64(bk, height);
        put_be64(bk + 8, i);
        k = val_of(bk, sizeof bk);
        v = val_of(b->block_txs[i].len ? b->block_txs[i].data : bk, b->block_txs[i].len);
        what = "write a transaction of the block";
        if ((rc = mdb_put(txn, l->btxs, &k, &v, 0)))
            goto fail;
        v = val_of(b->receipts[i].len ? b->receipts[i].data : bk, b->receipts[i].len);
        what = "write a receipt";
        if ((rc = mdb_put(txn, l->receipts, &k, &v, 0)))
            goto fail;
    }
    if (b->identity) {
        uint8_t idb[CVM_STORE_IDENTITY_BYTES];
        cvm_store_identity_encode(b->identity, idb);
        k = val_of("identity", 8);
        v = val_of(idb, sizeof idb);
        what = "write meta identity";
        if ((rc = mdb_put(txn, l->meta, &k, &v, 0)))
            goto fail;
    }
    what = "commit the write transaction";
    if ((rc = mdb_txn_commit(txn))) /* frees txn either way */
        goto fail_notxn;
    memcpy(l->txs_digest, hr.txs_digest, CVM_SHA256_BYTES);
    return CVM_OK;
fail:
    mdb_txn_abort(txn);
fail_notxn:
    *full = rc == MDB_MAP_FULL;
    return cvm_store_fail(s, rc == ENOMEM ? CVM_ENOMEM : CVM_EIO,
                          "commit of height %llu in %s: cannot %s: %s%s (nothing was changed)",
                          (unsigned long long)height, l->dir, what, mdb_strerror(rc), disk_hint(l, rc));
}

/* Doubles the map. LMDB allows it only with no transaction of this handle
 * active, so the reused read transaction goes first (reads begin anew). */
static int grow_map(lmdbstore *l, size_t *to)
{
    if (l->rtxn) {
        mdb_txn_abort(l->rtxn);
        l->rtxn = NULL;
    }
    MDB_envinfo info;
    int rc = mdb_env_info(l->env, &info);
    if (rc)
        return rc;
    if (info.me_mapsize > SIZE_MAX / 2)
        return ENOMEM;
    *to = info.me_mapsize * 2;
    return mdb_env_set_mapsize(l->env, *to);
}

/* The map grows with the chain: a commit that fills it is undone by LMDB,
 * the map doubled and the commit tried again, so MDB_MAP_FULL never reaches
 * the caller while the disk has room (a full disk is ENOSPC at LMDB's
 * commit: an error, with nothing committed). */
static cvm_status lmdb_commit(cvm_store *s, const cvm_store_block *b)
{
    lmdbstore *l = (lmdbstore *)s;
    for (;;) {
        bool full = false;
        cvm_status st = commit_once(s, b, &full);
        if (!full)
            return st;
        size_t to = 0;
        int rc = grow_map(l, &to);
        if (rc)
            return cvm_store_fail(s, rc == ENOMEM ? CVM_ENOMEM : CVM_EIO,
                                  "commit of height %llu in %s: the map is full and cannot grow to %zu bytes: %s "
                                  "(nothing was changed)",
                                  (unsigned long long)b->height, l->dir, to, mdb_strerror(rc));
        l->grows++;
    }
}

static cvm_status lmdb_events(cvm_store *s, uint64_t from, uint64_t to, cvm_store_event_fn fn, void *ud)
{
    lmdbstore *l = (lmdbstore *)s;
    /* its own transaction, so that fn may read state meanwhile */
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = begin_read(l, &txn);
    if (rc)
        return cvm_store_fail(s, CVM_EIO, "event history in %s: cannot begin a read transaction: %s", l->dir,
                              mdb_strerror(rc));
    if ((rc = mdb_cursor_open(txn, l->events, &cur))) {
        end_read(l, txn);
        return cvm_store_fail(s, CVM_EIO, "event history in %s: cannot open a cursor: %s", l->dir, mdb_strerror(rc));
    }
    uint8_t start[16];
    put_be64(start, from);
    put_be64(start + 8, 0);
    MDB_val k = val_of(start, sizeof start), v;
    cvm_status st = CVM_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 16) {
            st = cvm_store_fail(s, CVM_ESTATE, "event history in %s: an event key of %zu bytes (16 expected)",
                                l->dir, k.mv_size);
            break;
        }
        uint64_t h = get_be64(k.mv_data);
        if (h > to)
            break;
        if (fn(ud, h, get_be64((const uint8_t *)k.mv_data + 8), v.mv_data, v.mv_size))
            break;
    }
    if (st == CVM_OK && rc && rc != MDB_NOTFOUND)
        st = cvm_store_fail(s, CVM_EIO, "event history in %s: %s", l->dir, mdb_strerror(rc));
    mdb_cursor_close(cur);
    end_read(l, txn);
    return st;
}

static cvm_status lmdb_tx_find(cvm_store *s, const uint8_t hash[CVM_SHA256_BYTES], cvm_store_tx *out, bool *found)
{
    lmdbstore *l = (lmdbstore *)s;
    if (!l->has_txs)
        return CVM_OK; /* a read-only store from before the index: nothing indexed */
    /* the reads' reset transaction, renewed: a set looks up every one of
     * its transactions, and beginning a transaction each time cost more
     * than the lookup */
    int rc = l->rtxn ? mdb_txn_renew(l->rtxn) : mdb_txn_begin(l->env, NULL, MDB_RDONLY, &l->rtxn);
    if (rc) {
        if (l->rtxn) {
            mdb_txn_abort(l->rtxn);
            l->rtxn = NULL;
        }
        return cvm_store_fail(s, CVM_EIO, "transaction index in %s: cannot begin a read transaction: %s", l->dir,
                              mdb_strerror(rc));
    }
    cvm_status st = CVM_OK;
    MDB_val k = val_of(hash, CVM_SHA256_BYTES), v;
    rc = mdb_get(l->rtxn, l->txs, &k, &v);
    if (rc == MDB_NOTFOUND) {
        /* not committed */
    } else if (rc) {
        st = cvm_store_fail(s, CVM_EIO, "transaction index in %s: %s", l->dir, mdb_strerror(rc));
    } else if (!tx_of(&v, hash, out)) {
        st = cvm_store_fail(s, CVM_ESTATE, "transaction index in %s is damaged: an entry of %zu bytes (24 expected)",
                            l->dir, v.mv_size);
    } else {
        *found = true;
    }
    mdb_txn_reset(l->rtxn);
    return st;
}

static cvm_status lmdb_scan(cvm_store *s, cvm_store_table t, cvm_store_scan_fn fn, void *ud, bool *kept)
{
    lmdbstore *l = (lmdbstore *)s;
    MDB_dbi dbi = t == CVM_TABLE_STATE ? l->state : t == CVM_TABLE_EVENTS ? l->events
                : t == CVM_TABLE_HEIGHTS ? l->heights : t == CVM_TABLE_BLOCK_TXS ? l->btxs
                : t == CVM_TABLE_RECEIPTS ? l->receipts : t == CVM_TABLE_EV_SERVICE ? l->ev_service
                : t == CVM_TABLE_EV_NAME ? l->ev_name : l->txs;
    *kept = t != CVM_TABLE_TXS || l->has_txs;
    if (!*kept)
        return CVM_OK;
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = begin_read(l, &txn);
    if (rc)
        return cvm_store_fail(s, CVM_EIO, "scan of %s: cannot begin a read transaction: %s", l->dir, mdb_strerror(rc));
    if ((rc = mdb_cursor_open(txn, dbi, &cur))) {
        end_read(l, txn);
        return cvm_store_fail(s, CVM_EIO, "scan of %s: cannot open a cursor: %s", l->dir, mdb_strerror(rc));
    }
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        if (fn(ud, k.mv_data, k.mv_size, v.mv_data, v.mv_size))
            break;
    cvm_status st = CVM_OK;
    if (rc && rc != MDB_NOTFOUND)
        st = cvm_store_fail(s, CVM_EIO, "scan of %s: %s", l->dir, mdb_strerror(rc));
    mdb_cursor_close(cur);
    end_read(l, txn);
    return st;
}

static cvm_status lmdb_height_get(cvm_store *s, uint64_t height, cvm_store_height_record *out)
{
    lmdbstore *l = (lmdbstore *)s;
    MDB_txn *txn;
    int rc = begin_read(l, &txn);
    if (rc)
        return cvm_store_fail(s, CVM_EIO, "block %llu in %s: cannot begin a read transaction: %s",
                              (unsigned long long)height, l->dir, mdb_strerror(rc));
    uint8_t hb[8];
    put_be64(hb, height);
    MDB_val k = val_of(hb, 8), v;
    cvm_status st = CVM_OK;
    rc = mdb_get(txn, l->heights, &k, &v);
    if (rc && rc != MDB_NOTFOUND)
        st = cvm_store_fail(s, CVM_EIO, "block %llu in %s: %s", (unsigned long long)height, l->dir, mdb_strerror(rc));
    else if (rc || !cvm_store_height_record_decode(v.mv_data, v.mv_size, out))
        st = cvm_store_fail(s, CVM_ESTATE, "block %llu in %s is damaged: its height record is %s",
                            (unsigned long long)height, l->dir, rc ? "missing" : "not well formed");
    else
        out->height = height;
    end_read(l, txn);
    return st;
}

static cvm_status lmdb_block_items(cvm_store *s, cvm_store_table t, uint64_t height, uint64_t from,
                                   cvm_store_scan_fn fn, void *ud)
{
    lmdbstore *l = (lmdbstore *)s;
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = begin_read(l, &txn);
    if (rc)
        return cvm_store_fail(s, CVM_EIO, "block %llu in %s: cannot begin a read transaction: %s",
                              (unsigned long long)height, l->dir, mdb_strerror(rc));
    if ((rc = mdb_cursor_open(txn, t == CVM_TABLE_RECEIPTS ? l->receipts : l->btxs, &cur))) {
        end_read(l, txn);
        return cvm_store_fail(s, CVM_EIO, "block %llu in %s: cannot open a cursor: %s", (unsigned long long)height,
                              l->dir, mdb_strerror(rc));
    }
    uint8_t start[16];
    put_be64(start, height);
    put_be64(start + 8, from);
    MDB_val k = val_of(start, sizeof start), v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size < 8 || memcmp(k.mv_data, start, 8) != 0)
            break;
        if (fn(ud, k.mv_data, k.mv_size, v.mv_data, v.mv_size))
            break;
    }
    cvm_status st = CVM_OK;
    if (rc && rc != MDB_NOTFOUND)
        st = cvm_store_fail(s, CVM_EIO, "block %llu in %s: %s", (unsigned long long)height, l->dir, mdb_strerror(rc));
    mdb_cursor_close(cur);
    end_read(l, txn);
    return st;
}

static cvm_status lmdb_events_by(cvm_store *s, cvm_store_index idx, const uint8_t *name, size_t len, uint64_t from,
                                 const uint64_t *after, uint64_t to, cvm_store_indexed_fn fn, void *ud)
{
    lmdbstore *l = (lmdbstore *)s;
    uint8_t start[CVM_STORE_INDEX_KEY_MAX];
    size_t n = after ? cvm_store_index_key(start, name, len, after[0], after[1], after[2])
                     : cvm_store_index_key(start, name, len, from, 0, 0);
    if (!n)
        return CVM_OK; /* a name no event can have */
    size_t prefix = 2 + len;
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = begin_read(l, &txn);
    if (rc)
        return cvm_store_fail(s, CVM_EIO, "event history in %s: cannot begin a read transaction: %s", l->dir,
                              mdb_strerror(rc));
    if ((rc = mdb_cursor_open(txn, idx == CVM_INDEX_SERVICE ? l->ev_service : l->ev_name, &cur))) {
        end_read(l, txn);
        return cvm_store_fail(s, CVM_EIO, "event history in %s: cannot open a cursor: %s", l->dir, mdb_strerror(rc));
    }
    cvm_status st = CVM_OK;
    MDB_val k = val_of(start, n), v;
    uint64_t last[3] = {0, 0, 0}; /* the previous entry's position, when have_last */
    bool have_last = false;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        const uint8_t *kp = k.mv_data;
        if (k.mv_size < prefix || memcmp(kp, start, prefix) != 0)
            break; /* past the name */
        if (after && k.mv_size == n && memcmp(kp, start, n) == 0)
            continue; /* the cursor's own event */
        if (k.mv_size != prefix + 24 || v.mv_size != 8) {
            st = cvm_store_fail(s, CVM_ESTATE, "event history in %s: the %s index holds an entry of %zu + %zu bytes "
                                "(%zu + 8 expected)", l->dir, idx == CVM_INDEX_SERVICE ? "service" : "name",
                                k.mv_size, v.mv_size, prefix + 24);
            break;
        }
        uint64_t h = get_be64(kp + prefix), tx = get_be64(kp + prefix + 8), te = get_be64(kp + prefix + 16);
        /* LMDB keeps a page's keys in order; a damaged key breaks it, and would
         * deliver history out of commit order (found by fuzz/fuzz_store.c) */
        if (have_last && (h < last[0] || (h == last[0] && (tx < last[1] || (tx == last[1] && te <= last[2]))))) {
            st = cvm_store_fail(s, CVM_ESTATE, "event history in %s is damaged: the %s index is out of order at "
                                "height %llu, transaction %llu, event %llu (after height %llu)", l->dir,
                                idx == CVM_INDEX_SERVICE ? "service" : "name", (unsigned long long)h,
                                (unsigned long long)tx, (unsigned long long)te, (unsigned long long)last[0]);
            break;
        }
        have_last = true;
        last[0] = h, last[1] = tx, last[2] = te;
        if (h > to)
            break;
        uint64_t index = get_be64(v.mv_data);
        uint8_t ek[16];
        put_be64(ek, h);
        put_be64(ek + 8, index);
        MDB_val rk = val_of(ek, sizeof ek), rv;
        if ((rc = mdb_get(txn, l->events, &rk, &rv))) {
            if (rc == MDB_NOTFOUND) {
                st = cvm_store_fail(s, CVM_ESTATE, "event history in %s is damaged: the %s index names record %llu "
                                    "of height %llu, which is missing", l->dir,
                                    idx == CVM_INDEX_SERVICE ? "service" : "name", (unsigned long long)index,
                                    (unsigned long long)h);
                rc = 0;
            }
            break;
        }
        if (fn(ud, h, tx, te, index, rv.mv_data, rv.mv_size))
            break;
    }
    if (st == CVM_OK && rc && rc != MDB_NOTFOUND)
        st = cvm_store_fail(s, CVM_EIO, "event history in %s: %s", l->dir, mdb_strerror(rc));
    mdb_cursor_close(cur);
    end_read(l, txn);
    return st;
}

static void lmdb_close(cvm_store *s)
{
    lmdbstore *l = (lmdbstore *)s;
    const cvm_allocator *al = s->al;
    if (l->rtxn)
        mdb_txn_abort(l->rtxn);
    if (l->env)
        mdb_env_close(l->env);
    cvm_free(al, l->dir);
    cvm_free(al, l);
}

static const cvm_store_ops lmdb_ops = {"lmdb",          lmdb_read,       lmdb_commit,      lmdb_tx_find,
                                       lmdb_events,     lmdb_scan,       lmdb_height_get,  lmdb_block_items,
                                       lmdb_events_by,  lmdb_close};

static cvm_status open_fail(lmdbstore *l, char *err, size_t errcap, cvm_status st, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static cvm_status open_fail(lmdbstore *l, char *err, size_t errcap, cvm_status st, const char *fmt, ...)
{
    if (err && errcap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errcap, fmt, ap);
        va_end(ap);
    }
    lmdb_close(&l->base);
    return st;
}

/* Reads meta's identity (absent: none) and the latest height's record,
 * for its commitment, into the handle. */
static int read_identity(lmdbstore *l, MDB_txn *txn, const char **bad)
{
    MDB_val k = val_of("identity", 8), v;
    int rc = mdb_get(txn, l->meta, &k, &v);
    if (rc == 0 && !(l->base.has_identity = cvm_store_identity_decode(v.mv_data, v.mv_size, &l->base.identity))) {
        *bad = "meta identity is not 48 bytes";
        return 0;
    }
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    if (l->base.height == 0)
        return 0;
    uint8_t hb[8];
    put_be64(hb, l->base.height);
    k = val_of(hb, 8);
    rc = mdb_get(txn, l->heights, &k, &v);
    cvm_store_height_record r;
    if (rc == MDB_NOTFOUND || (rc == 0 && !cvm_store_height_record_decode(v.mv_data, v.mv_size, &r))) {
        *bad = "the latest height's record (its state commitment and block hash) is missing or not "
               CVM_STORE_HEIGHT_RECORD_SIZE_TEXT " bytes";
        return 0;
    }
    if (rc)
        return rc;
    memcpy(l->base.last_commitment, r.commitment, CVM_SHA256_BYTES);
    memcpy(l->txs_digest, r.txs_digest, CVM_SHA256_BYTES);
    memcpy(l->base.last_block_hash, r.block_hash, CVM_SHA256_BYTES);
    return 0;
}

/* Opens the state, meta, events and txs databases and reads meta, in one
 * transaction. Read-write: a new directory gets its databases and format.
 * Read-only: an existing store only, creating and writing nothing. */
static cvm_status open_dbs(lmdbstore *l, const char *dir, bool read_only, char *err, size_t errcap)
{
    MDB_txn *txn;
    const char *what = read_only ? "begin a read transaction" : "begin a write transaction";
    int rc = mdb_txn_begin(l->env, NULL, read_only ? MDB_RDONLY : 0, &txn);
    if (rc)
        return open_fail(l, err, errcap, CVM_EIO, "state directory %s: cannot %s: %s", dir, what, mdb_strerror(rc));
    unsigned create = read_only ? 0 : MDB_CREATE;
    what = read_only ? "open its databases" : "open the state, meta and events databases";
    if ((rc = mdb_dbi_open(txn, "state", create, &l->state)) || (rc = mdb_dbi_open(txn, "meta", create, &l->meta)) ||
        (rc = mdb_dbi_open(txn, "events", create, &l->events))) {
        if (rc != MDB_NOTFOUND)
            goto fail;
        mdb_txn_abort(txn); /* read-only: the file is some other LMDB */
        return open_fail(l, err, errcap, CVM_ESTATE,
                         "state directory %s is not a coopvm store (its LMDB file lacks the state, meta and "
                         "events databases)",
                         dir);
    }
    /* the transaction index came later: a read-only open of an older store
     * reads it as empty; a read-write one creates it */
    what = "open the txs database";
    if ((rc = mdb_dbi_open(txn, "txs", create, &l->txs)) && rc != MDB_NOTFOUND)
        goto fail;
    l->has_txs = rc == 0;
    MDB_val k = val_of("format", 6), v;
    what = "read meta format";
    rc = mdb_get(txn, l->meta, &k, &v);
    if (rc == MDB_NOTFOUND && read_only) {
        mdb_txn_abort(txn);
        return open_fail(l, err, errcap, CVM_ESTATE, "state directory %s is not a coopvm store (no format in meta)",
                         dir);
    } else if (rc == MDB_NOTFOUND) {
        /* a new directory: say what it is before anything else goes in */
        v = val_of(FORMAT, strlen(FORMAT));
        what = "write meta format";
        if ((rc = mdb_put(txn, l->meta, &k, &v, 0)))
            goto fail;
    } else if (rc) {
        goto fail;
    } else if (v.mv_size == strlen(FORMAT_1) && memcmp(v.mv_data, FORMAT_1, v.mv_size) == 0) {
        mdb_txn_abort(txn);
        return open_fail(l, err, errcap, CVM_ESTATE,
                         "state directory %s was written by an earlier coopvm (format \"%s\": no chain identity, no "
                         "state commitments); this one reads \"%s\": play its scenario again into a new directory",
                         dir, FORMAT_1, FORMAT);
    } else if (v.mv_size == strlen(FORMAT_2) && memcmp(v.mv_data, FORMAT_2, v.mv_size) == 0) {
        mdb_txn_abort(txn);
        return open_fail(l, err, errcap, CVM_ESTATE,
                         "state directory %s was written by an earlier coopvm (format \"%s\": no blocks, no block "
                         "hashes); this one reads \"%s\": play its scenario again into a new directory",
                         dir, FORMAT_2, FORMAT);
    } else if (v.mv_size != strlen(FORMAT) || memcmp(v.mv_data, FORMAT, v.mv_size) != 0) {
        mdb_txn_abort(txn);
        return open_fail(l, err, errcap, CVM_ESTATE, "state directory %s: format \"%.*s\", expected \"%s\"", dir,
                         (int)(v.mv_size > 40 ? 40 : v.mv_size), (const char *)v.mv_data, FORMAT);
    }
    const struct {
        const char *name;
        MDB_dbi *dbi;
    } more[] = {{"heights", &l->heights},
                {"blocktxs", &l->btxs},
                {"receipts", &l->receipts},
                {"ev_service", &l->ev_service},
                {"ev_name", &l->ev_name}};
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
        what = "open a database of the format";
        if ((rc = mdb_dbi_open(txn, more[i].name, create, more[i].dbi))) {
            if (rc != MDB_NOTFOUND)
                goto fail;
            mdb_txn_abort(txn);
            return open_fail(l, err, errcap, CVM_ESTATE, "state directory %s is damaged: it has no %s database", dir,
                             more[i].name);
        }
    }
    const char *bad = NULL;
    what = read_only ? "read meta" : "read meta height";
    if ((rc = read_meta(l, txn, &l->base.height, l->base.last_hash, &bad)))
        goto fail;
    if (!bad && (rc = read_identity(l, txn, &bad)))
        goto fail;
    if (bad) {
        mdb_txn_abort(txn);
        return open_fail(l, err, errcap, CVM_ESTATE, "state directory %s is damaged: %s", dir, bad);
    }
    /* committing (not aborting) keeps the database handles open, read-only too */
    what = read_only ? "end the opening transaction" : "commit the opening transaction";
    if ((rc = mdb_txn_commit(txn)))
        return open_fail(l, err, errcap, CVM_EIO, "state directory %s: cannot %s: %s", dir, what, mdb_strerror(rc));
    return CVM_OK;
fail:
    mdb_txn_abort(txn);
    return open_fail(l, err, errcap, CVM_EIO, "state directory %s: cannot %s: %s", dir, what, mdb_strerror(rc));
}

static cvm_status open_store(const cvm_allocator *al, const char *dir, bool read_only, size_t map_size,
                             cvm_store **out, char *err, size_t errcap)
{
    *out = NULL;
    if (err && errcap)
        err[0] = '\0';
    lmdbstore *l = cvm_calloc(al, 1, sizeof *l);
    if (!l) {
        if (err && errcap)
            snprintf(err, errcap, "state directory %s: out of memory", dir);
        return CVM_ENOMEM;
    }
    l->base.ops = &lmdb_ops;
    l->base.al = al;
    if (!(l->dir = cvm_strndup(al, dir, strlen(dir))))
        return open_fail(l, err, errcap, CVM_ENOMEM, "state directory %s: out of memory", dir);
    l->base.where = l->dir;
    l->read_only = read_only;
    struct stat sb;
    char path[4096];
    if (read_only) {
        /* look before LMDB does: it would create data.mdb in any directory */
        if (stat(dir, &sb) != 0)
            return errno == ENOENT ? open_fail(l, err, errcap, CVM_EIO, "state directory %s does not exist", dir)
                                   : open_fail(l, err, errcap, CVM_EIO, "state directory %s: %s", dir, strerror(errno));
        if (!S_ISDIR(sb.st_mode))
            return open_fail(l, err, errcap, CVM_EIO, "state directory %s: not a directory", dir);
    } else if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        return open_fail(l, err, errcap, CVM_EIO, "state directory %s: cannot create it: %s", dir, strerror(errno));
    }
    int n = snprintf(path, sizeof path, "%s/data.mdb", dir);
    if (n < 0 || (size_t)n >= sizeof path)
        return open_fail(l, err, errcap, CVM_EIO, "state directory %s: the path is too long", dir);
    /* LMDB would map a truncated file and die of SIGBUS at the first read
     * past its end, and take an empty one for a new chain */
    cvm_lmdb_file file;
    char why[300];
    cvm_status fst = cvm_lmdb_file_check(path, "data.mdb", &file, why, sizeof why);
    if (fst != CVM_OK)
        return open_fail(l, err, errcap, fst, "state directory %s is damaged: %s", dir, why);
    if (read_only && !file.exists)
        return open_fail(l, err, errcap, CVM_ESTATE, "state directory %s is not a coopvm store (no data.mdb)", dir);
    int rc = mdb_env_create(&l->env);
    if (rc) {
        l->env = NULL;
        return open_fail(l, err, errcap, CVM_EIO, "state directory %s: %s", dir, mdb_strerror(rc));
    }
    /* MDB_NOTLS: the reused read transaction is not tied to a thread, and a
     * read transaction may be open while the same thread commits */
    /* the map starts at the size the chain last had (LMDB records it in
     * the meta page), at least the initial one, and grows on demand */
    if (!map_size)
        map_size = CVM_LMDB_INITIAL_MAP_SIZE;
    if (file.map_size > map_size)
        map_size = (size_t)file.map_size;
    if ((rc = mdb_env_set_maxdbs(l->env, CVM_LMDB_MAX_DBS)) || (rc = mdb_env_set_mapsize(l->env, map_size)) ||
        (rc = mdb_env_open(l->env, dir, MDB_NOTLS | (read_only ? MDB_RDONLY : 0), 0644)))
        return open_fail(l, err, errcap, CVM_EIO, "state directory %s: cannot open it: %s", dir, mdb_strerror(rc));
    cvm_status st = open_dbs(l, dir, read_only, err, errcap);
    if (st != CVM_OK)
        return st;
    *out = &l->base;
    return CVM_OK;
}

cvm_status cvm_lmdbstore_open(const cvm_allocator *al, const char *dir, cvm_store **out, cvm_errmsg *err)
{
    return open_store(al, dir, false, 0, out, CVM_ERRMSG_BUF(err));
}

cvm_status cvm_lmdbstore_open_map(const cvm_allocator *al, const char *dir, size_t map_size, cvm_store **out,
                                  cvm_errmsg *err)
{
    return open_store(al, dir, false, map_size, out, CVM_ERRMSG_BUF(err));
}

cvm_status cvm_lmdbstore_open_readonly(const cvm_allocator *al, const char *dir, cvm_store **out, cvm_errmsg *err)
{
    return open_store(al, dir, true, 0, out, CVM_ERRMSG_BUF(err));
}

size_t cvm_lmdbstore_map_size(const cvm_store *s)
{
    const lmdbstore *l = (const lmdbstore *)s;
    MDB_envinfo info;
    return mdb_env_info(l->env, &info) == 0 ? info.me_mapsize : 0;
}

unsigned cvm_lmdbstore_grows(const cvm_store *s) { return ((const lmdbstore *)s)->grows; }
