/*
 * overlay.c — the transient state of a context (overlay.h).
 *
 * One cvm_map from composite key (store.h) to a slot: what the store holds
 * (once read) and what the overlay wrote (if anything). The first write to a
 * slot under the innermost open checkpoint is journaled with the slot's
 * previous state, so a rollback pops the journal back to the checkpoint's
 * position; when the last checkpoint closes the journal is dropped. Later
 * writes to the same slot under the same checkpoint need no journal entry
 * (a rollback restores the state before the first one), and a value of the
 * same length is overwritten in place: a contract's counter loop, 8-byte
 * values under one transaction's checkpoint, allocates nothing per Store.
 * The diff walks the slots. A slot is also a handle (cvm_overlay_ref) for a
 * host that resolves a key once: slots are never removed, so it stays valid.
 */
#include "state/overlay.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/map.h"
#include "state/commitment.h"
#include "base/count.h"

typedef struct cvm_overlay_slot {
    const uint8_t *ck;  /* borrowed from the map (never deleted): this slot's composite key */
    size_t cklen;
    uint8_t *orig;      /* owned; the store's value when orig_known (NULL when absent) */
    size_t orig_len;
    bool orig_known;    /* the store has been read for this key */
    bool written;       /* cur holds the overlay's value */
    uint8_t *cur;       /* owned; NULL when cur_len is 0 (deleted) */
    size_t cur_len;
    uint64_t epoch;     /* the checkpoint whose journal holds this slot's earlier state; 0 none */
} slot;

/* One undoable write: the slot's state before it. */
typedef struct undo {
    slot *s;            /* borrowed from the map */
    bool written;
    uint8_t *cur;       /* owned by the journal until restored or dropped */
    size_t cur_len;
    uint64_t epoch;
} undo;

/* An open checkpoint. */
typedef struct mark_rec {
    size_t journal_pos;  /* the journal's length when it opened */
    uint64_t epoch;      /* its serial number, unique within the overlay */
} mark_rec;

struct cvm_overlay {
    const cvm_allocator *al; /* borrowed */
    cvm_store *store;        /* borrowed */
    uint64_t height;
    bool read_only;
    cvm_map slots;           /* composite key -> pval slot * (owned) */
    undo *journal;           /* owned; njournal used, jcap allocated */
    size_t njournal, jcap;
    mark_rec *marks;         /* owned; the open checkpoints, innermost last */
    size_t depth, mcap;
    uint64_t epochs;         /* checkpoints opened so far */
    cvm_buf scratch;         /* store reads land here before they are copied */
    slot *last;              /* borrowed: the slot used last, since a Store usually follows a Load of the same key */
    char err[300];
};

static cvm_status fail(cvm_overlay *o, cvm_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static cvm_status fail(cvm_overlay *o, cvm_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->err, sizeof o->err, fmt, ap);
    va_end(ap);
    return st;
}

cvm_status cvm_overlay_new(const cvm_allocator *al, cvm_store *store, bool read_only, cvm_overlay **out)
{
    *out = NULL;
    cvm_overlay *o = cvm_calloc(al, 1, sizeof *o);
    if (!o)
        return CVM_ENOMEM;
    o->al = al;
    o->store = store;
    o->height = cvm_store_height(store);
    o->read_only = read_only;
    cvm_map_init(&o->slots, al);
    cvm_buf_init(&o->scratch, al);
    *out = o;
    return CVM_OK;
}

static void drop_journal(cvm_overlay *o, size_t from)
{
    for (size_t i = from; i < o->njournal; i++)
        cvm_free(o->al, o->journal[i].cur);
    o->njournal = from;
}

void cvm_overlay_free(cvm_overlay *o)
{
    if (!o)
        return;
    drop_journal(o, 0);
    for (size_t i = 0; i < o->slots.count; i++) {
        slot *s = o->slots.entries[i].pval;
        if (s) {
            cvm_free(o->al, s->orig);
            cvm_free(o->al, s->cur);
            cvm_free(o->al, s);
        }
    }
    cvm_map_free(&o->slots);
    cvm_free(o->al, o->journal);
    cvm_free(o->al, o->marks);
    cvm_buf_free(&o->scratch);
    cvm_free(o->al, o);
}

bool cvm_overlay_read_only(const cvm_overlay *o) { return o->read_only; }

uint64_t cvm_overlay_height(const cvm_overlay *o) { return o->height; }

const char *cvm_overlay_errmsg(const cvm_overlay *o) { return o->err; }

size_t cvm_overlay_depth(const cvm_overlay *o) { return o->depth; }

/* A printable, bounded rendering of a service or key for messages
 * (cap >= 8): bytes outside printable ASCII as \xNN, "..." when cut. */
static const char *show(const uint8_t *p, size_t n, char *buf, size_t cap)
{
    size_t j = 0, i = 0;
    for (; i < n; i++) {
        bool plain = p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\';
        if (j + (plain ? 1 : 4) + 4 > cap) /* keep room for "..." and the NUL */
            break;
        if (plain)
            buf[j++] = (char)p[i];
        else
            j += (size_t)snprintf(buf + j, cap - j, "\\x%02x", p[i]);
    }
    if (i < n) {
        memcpy(buf + j, "...", 3);
        j += 3;
    }
    buf[j] = '\0';
    return buf;
}

/* Whether the slot used last is (service, key): its composite key (made by
 * cvm_state_key_make) is compared piece by piece, so that the common case —
 * a Store after a Load of the same key — builds no key. */
static inline bool last_is(const cvm_overlay *o, const uint8_t *service, size_t service_len, const uint8_t *key,
                           size_t key_len)
{
    const uint8_t *ck = o->last->ck;
    size_t room = o->last->cklen - 2; /* a composite key has its 2 length bytes */
    return service_len <= room && key_len == room - service_len && ck[0] == (uint8_t)(service_len >> 8) &&
           ck[1] == (uint8_t)service_len && (service_len == 0 || memcmp(ck + 2, service, service_len) == 0) &&
           (key_len == 0 || memcmp(ck + 2 + service_len, key, key_len) == 0);
}

__attribute__((cold, noinline)) static cvm_status refuse_key(cvm_overlay *o, const uint8_t *service,
                                                             size_t service_len, size_t key_len)
{
    char sb[48], n1[CVM_COUNT_BUF], n2[CVM_COUNT_BUF];
    /* The store's limit is on service and key together; say what is left for the key. */
    size_t room = service_len <= CVM_STATE_KEY_MAX - 2 ? CVM_STATE_KEY_MAX - 2 - service_len : 0;
    return fail(o, CVM_EINPUT, "state key too long in service %s: the key is %s bytes; its keys hold at most %s",
                show(service, service_len, sb, sizeof sb), cvm_count(key_len, n1), cvm_count(room, n2));
}

/* Finds or creates the slot for (service, key). NULL with a message when
 * the key is too long or memory runs out. */
static slot *get_slot(cvm_overlay *o, const uint8_t *service, size_t service_len, const uint8_t *key,
                      size_t key_len, cvm_status *st)
{
    if (o->last && last_is(o, service, service_len, key, key_len))
        return o->last;
    uint8_t ck[CVM_STATE_KEY_MAX];
    size_t cklen;
    if (!cvm_state_key_make(ck, &cklen, service, service_len, key, key_len)) {
        *st = refuse_key(o, service, service_len, key_len);
        return NULL;
    }
    cvm_map_entry *e = cvm_map_get(&o->slots, ck, cklen);
    if (!e) {
        slot *s = cvm_calloc(o->al, 1, sizeof *s);
        if (!s || !(e = cvm_map_put(&o->slots, ck, cklen, NULL))) {
            cvm_free(o->al, s);
            *st = fail(o, CVM_ENOMEM, "state: out of memory");
            return NULL;
        }
        e->pval = s;
        s->ck = e->key;
        s->cklen = e->keylen;
    }
    o->last = e->pval; /* its ck: map keys are never deleted, so the pointer stays valid */
    return e->pval;
}

/* Reads the store's value for a slot once. */
static cvm_status load_orig(cvm_overlay *o, slot *s)
{
    if (s->orig_known)
        return CVM_OK;
    const uint8_t *service, *key;
    size_t service_len, key_len;
    cvm_state_key_split(s->ck, s->cklen, &service, &service_len, &key, &key_len); /* made by cvm_state_key_make */
    bool found;
    cvm_status st = cvm_store_read(o->store, o->height, service, service_len, key, key_len, &o->scratch, &found);
    if (st != CVM_OK)
        return fail(o, st, "%s", cvm_store_errmsg(o->store));
    if (found && o->scratch.len) {
        if (!(s->orig = cvm_malloc(o->al, o->scratch.len)))
            return fail(o, CVM_ENOMEM, "state: out of memory");
        memcpy(s->orig, o->scratch.data, o->scratch.len);
        s->orig_len = o->scratch.len;
    }
    s->orig_known = true;
    return CVM_OK;
}

cvm_status cvm_overlay_ref(cvm_overlay *o, const uint8_t *service, size_t service_len, const uint8_t *key,
                           size_t key_len, cvm_overlay_slot **out)
{
    cvm_status st = CVM_OK;
    *out = get_slot(o, service, service_len, key, key_len, &st);
    if (!*out)
        return st;
    o->err[0] = '\0';
    return CVM_OK;
}

/* What a slot reads as, once its store value is known or it is written. */
static inline cvm_status read_known(cvm_overlay *o, const slot *s, const uint8_t **value, size_t *len, bool *found)
{
    *value = s->written ? s->cur : s->orig;
    *len = s->written ? s->cur_len : s->orig_len;
    if (found)
        *found = *len > 0;
    o->err[0] = '\0';
    return CVM_OK;
}

/* The first read of a slot not written yet goes to the store. */
__attribute__((noinline)) static cvm_status read_first(cvm_overlay *o, slot *s, const uint8_t **value, size_t *len,
                                                       bool *found)
{
    cvm_status st = load_orig(o, s);
    if (st != CVM_OK) {
        *value = NULL;
        *len = 0;
        if (found)
            *found = false;
        return st;
    }
    return read_known(o, s, value, len, found);
}

cvm_status cvm_overlay_read_at(cvm_overlay *o, cvm_overlay_slot *s, const uint8_t **value, size_t *len, bool *found)
{
    if (!s->written && !s->orig_known)
        return read_first(o, s, value, len, found);
    return read_known(o, s, value, len, found);
}

cvm_status cvm_overlay_read(cvm_overlay *o, const uint8_t *service, size_t service_len, const uint8_t *key,
                            size_t key_len, const uint8_t **value, size_t *len, bool *found)
{
    *value = NULL;
    *len = 0;
    if (found)
        *found = false;
    cvm_status st = CVM_OK;
    slot *s = get_slot(o, service, service_len, key, key_len, &st);
    if (!s)
        return st;
    return cvm_overlay_read_at(o, s, value, len, found);
}

/* Refuses a write to a read-only overlay, naming the slot's service and key
 * (out of line: its buffers would weigh on every write). A key too long for
 * the store is refused as such first, as cvm_overlay_ref refuses it, so that
 * a host's Store fails alike by key and by handle. */
__attribute__((cold, noinline)) static cvm_status refuse_write(cvm_overlay *o, const uint8_t *service,
                                                               size_t service_len, const uint8_t *key, size_t key_len)
{
    if (!cvm_state_key_fits(service_len, key_len))
        return refuse_key(o, service, service_len, key_len);
    char sb[48], kb[48];
    return fail(o, CVM_EINPUT, "state write refused: the context is read-only (service %s, key %s)",
                show(service, service_len, sb, sizeof sb), show(key, key_len, kb, sizeof kb));
}

__attribute__((cold, noinline)) static cvm_status refuse_write_at(cvm_overlay *o, const slot *s)
{
    const uint8_t *service, *key;
    size_t service_len, key_len;
    cvm_state_key_split(s->ck, s->cklen, &service, &service_len, &key, &key_len);
    return refuse_write(o, service, service_len, key, key_len);
}

cvm_status cvm_overlay_write(cvm_overlay *o, const uint8_t *service, size_t service_len, const uint8_t *key,
                             size_t key_len, const uint8_t *value, size_t len)
{
    if (o->read_only)
        return refuse_write(o, service, service_len, key, key_len);
    cvm_status st = CVM_OK;
    slot *s = get_slot(o, service, service_len, key, key_len, &st);
    if (!s)
        return st;
    return cvm_overlay_write_at(o, s, value, len);
}

/* A write that allocates: a new value, or the first write to the slot
 * under the innermost checkpoint, whose earlier state is journaled. */
__attribute__((noinline)) static cvm_status write_new(cvm_overlay *o, slot *s, const uint8_t *value, size_t len,
                                                      uint64_t epoch, bool journal)
{
    uint8_t *copy = NULL;
    if (len) {
        if (!(copy = cvm_malloc(o->al, len)))
            return fail(o, CVM_ENOMEM, "state: out of memory");
        memcpy(copy, value, len);
    }
    if (journal) {
        if (o->njournal == o->jcap) {
            size_t cap = o->jcap ? o->jcap * 2 : 16;
            undo *j = cvm_realloc(o->al, o->journal, cap * sizeof *j);
            if (!j) {
                cvm_free(o->al, copy);
                return fail(o, CVM_ENOMEM, "state: out of memory");
            }
            o->journal = j;
            o->jcap = cap;
        }
        o->journal[o->njournal++] = (undo){s, s->written, s->cur, s->cur_len, s->epoch};
        s->epoch = epoch;
    } else {
        cvm_free(o->al, s->cur);
    }
    s->cur = copy;
    s->cur_len = len;
    s->written = true;
    o->err[0] = '\0';
    return CVM_OK;
}

cvm_status cvm_overlay_write_at(cvm_overlay *o, cvm_overlay_slot *s, const uint8_t *value, size_t len)
{
    if (o->read_only)
        return refuse_write_at(o, s);
    uint64_t epoch = o->depth ? o->marks[o->depth - 1].epoch : 0;
    bool journal = epoch && s->epoch != epoch;
    if (journal || !s->written || !len || s->cur_len != len)
        return write_new(o, s, value, len, epoch, journal);
    /* nothing to keep for a rollback: overwrite in place (8 bytes, a
     * contract's integer, as one word rather than a call of memcpy) */
    if (len == 8)
        memcpy(s->cur, value, 8);
    else
        memcpy(s->cur, value, len);
    o->err[0] = '\0';
    return CVM_OK;
}

cvm_status cvm_overlay_checkpoint(cvm_overlay *o, size_t *mark)
{
    if (o->depth == o->mcap) {
        size_t cap = o->mcap ? o->mcap * 2 : 8;
        mark_rec *m = cvm_realloc(o->al, o->marks, cap * sizeof *m);
        if (!m)
            return fail(o, CVM_ENOMEM, "state: out of memory");
        o->marks = m;
        o->mcap = cap;
    }
    o->marks[o->depth++] = (mark_rec){o->njournal, ++o->epochs};
    *mark = o->depth;
    return CVM_OK;
}

static cvm_status check_mark(cvm_overlay *o, size_t mark, const char *op)
{
    if (o->depth == 0)
        return fail(o, CVM_EINPUT, "state %s of checkpoint %zu: no checkpoint is open", op, mark);
    if (mark != o->depth)
        return fail(o, CVM_EINPUT, "state %s of checkpoint %zu: the innermost open checkpoint is %zu", op, mark,
                    o->depth);
    return CVM_OK;
}

cvm_status cvm_overlay_rollback(cvm_overlay *o, size_t mark)
{
    cvm_status st = check_mark(o, mark, "rollback");
    if (st != CVM_OK)
        return st;
    size_t to = o->marks[--o->depth].journal_pos;
    /* newest first, so a key written twice ends at its oldest saved state */
    while (o->njournal > to) {
        undo *u = &o->journal[--o->njournal];
        cvm_free(o->al, u->s->cur);
        u->s->cur = u->cur;
        u->s->cur_len = u->cur_len;
        u->s->written = u->written;
        u->s->epoch = u->epoch;
    }
    return CVM_OK;
}

cvm_status cvm_overlay_release(cvm_overlay *o, size_t mark)
{
    cvm_status st = check_mark(o, mark, "release");
    if (st != CVM_OK)
        return st;
    o->depth--;
    /* the writes stay journaled for an enclosing checkpoint (whose next
     * write to such a slot journals it again: epochs are never reused, so a
     * slot's stale epoch matches no later checkpoint); with none left
     * nothing can undo them, so their saved states go */
    if (o->depth == 0)
        drop_journal(o, 0);
    return CVM_OK;
}

cvm_status cvm_overlay_diff(cvm_overlay *o, cvm_state_diff *out)
{
    for (size_t i = 0; i < o->slots.count; i++) {
        const cvm_map_entry *e = &o->slots.entries[i];
        slot *s = e->pval;
        if (!s->written)
            continue;
        /* a key written without being read: its original decides whether
         * the write changed anything */
        cvm_status st = load_orig(o, s);
        if (st != CVM_OK)
            return st;
        const uint8_t *sv, *k;
        size_t svn, kn;
        cvm_state_key_split(e->key, e->keylen, &sv, &svn, &k, &kn); /* made by cvm_state_key_make */
        if (s->cur_len == s->orig_len && (s->cur_len == 0 || memcmp(s->cur, s->orig, s->cur_len) == 0))
            continue;
        if (cvm_state_diff_add(out, sv, svn, k, kn, s->cur, s->cur_len) != CVM_OK)
            return fail(o, CVM_ENOMEM, "state diff: out of memory");
    }
    cvm_state_diff_sort(out);
    return CVM_OK;
}

cvm_status cvm_overlay_commitment(cvm_overlay *o, const uint8_t before[CVM_SHA256_BYTES],
                                  uint8_t out[CVM_SHA256_BYTES])
{
    uint8_t c[CVM_SHA256_BYTES];
    memcpy(c, before, sizeof c);
    for (size_t i = 0; i < o->slots.count; i++) {
        const cvm_map_entry *e = &o->slots.entries[i];
        slot *s = e->pval;
        if (!s->written)
            continue;
        cvm_status st = load_orig(o, s);
        if (st != CVM_OK)
            return st;
        const uint8_t *sv, *k;
        size_t svn, kn;
        cvm_state_key_split(e->key, e->keylen, &sv, &svn, &k, &kn); /* made by cvm_state_key_make */
        /* unchanged keys cost nothing; the order of the others does not
         * matter (the commitment is a sum) */
        if (cvm_commitment_update(c, sv, svn, k, kn, s->orig, s->orig_len, s->cur, s->cur_len) != CVM_OK)
            return fail(o, CVM_ESTATE, "the state commitment of height %llu is damaged (not a group element)",
                        (unsigned long long)o->height);
    }
    memcpy(out, c, sizeof c);
    return CVM_OK;
}
