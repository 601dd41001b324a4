/*
 * history.c — the query side of the event history (cvm_store_events_query
 * and cvm_store_events_page in coopvm.h): finds the records a query asks
 * for, decodes each (codec/event.h) and hands the ones that match to the
 * caller, with their positions, a page at a time.
 *
 * Without a filter the records are walked in commit order
 * (cvm_store_events, either backend) and every one is decoded, so that a
 * damaged history is reported, never silently skipped. With a service or
 * an event name, the backend's index by that name (store.h: events_by)
 * names the records, and only those are read: the work follows the events
 * that match, not the history (docs/events.md, bench/bench_events.c). A
 * record is checked against where it is filed: the height inside it must
 * be its key's, and, found through an index, its transaction and the
 * indexed name must be the index entry's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "codec/event.h"
#include "state/store.h"

typedef struct walk {
    const cvm_event_query *q; /* borrowed */
    cvm_event_fn fn;
    void *ud;                 /* borrowed; the caller's */
    cvm_arena arena;          /* owned; one record's decoded strings, reset per record */
    cvm_status st;            /* CVM_OK until a record fails */
    char err[256];            /* why it failed; left on the store at the end */
    const uint64_t *after;    /* the cursor (height, tx, index), or NULL */
    size_t delivered;
    bool more;                /* the limit was reached and another event matched */
    cvm_store_index idx;      /* indexed: by which name */
    bool have;                /* unfiltered: a record was seen (h, tx, te hold it) */
    uint64_t h, tx, te;       /* unfiltered: the previous record's position */
} walk;

static void walk_fail(walk *w, cvm_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void walk_fail(walk *w, cvm_status st, const char *fmt, ...)
{
    w->st = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->err, sizeof w->err, fmt, ap);
    va_end(ap);
}

/* NULL matches anything; otherwise the exact name. */
static int matches(const char *want, const char *have) { return !want || strcmp(want, have) == 0; }

/* Decodes the record at (height, index) into *rec; false (w failed) when
 * it is damaged. */
static bool decode(walk *w, uint64_t height, uint64_t index, const uint8_t *data, size_t len, cvm_event_record *rec)
{
    char why[256];
    cvm_arena_free(&w->arena); /* the previous record's strings */
    cvm_status st = cvm_event_record_decode(data, len, &w->arena, rec, why, sizeof why);
    if (st == CVM_ENOMEM) {
        walk_fail(w, st, "event history: out of memory decoding the record at height %llu, index %llu",
                  (unsigned long long)height, (unsigned long long)index);
        return false;
    }
    if (st != CVM_OK) {
        walk_fail(w, CVM_ESTATE, "event history: the record at height %llu, index %llu is damaged: %s",
                  (unsigned long long)height, (unsigned long long)index, why);
        return false;
    }
    if (rec->height != height) {
        walk_fail(w, CVM_ESTATE,
                  "event history: the record at height %llu, index %llu is damaged: it says height %llu",
                  (unsigned long long)height, (unsigned long long)index, (unsigned long long)rec->height);
        return false;
    }
    return true;
}

/* Whether pos comes after the cursor. */
static bool past_cursor(const walk *w, const cvm_event_pos *p)
{
    const uint64_t *a = w->after;
    if (!a)
        return true;
    return p->height != a[0] ? p->height > a[0] : p->tx_index != a[1] ? p->tx_index > a[1] : p->index > a[2];
}

/* Hands a matching event to the caller, or notes that there is more. */
static int deliver(walk *w, const cvm_event_pos *pos, const cvm_event *ev)
{
    if (w->q->limit && w->delivered == w->q->limit) {
        w->more = true;
        return 1;
    }
    w->delivered++;
    return w->fn(w->ud, pos, ev) != 0;
}

static int visit(void *ud, uint64_t height, uint64_t index, const uint8_t *data, size_t len)
{
    walk *w = ud;
    cvm_event_record rec;
    if (!decode(w, height, index, data, len, &rec))
        return 1;
    /* a transaction's events are consecutive: count them */
    w->te = w->have && w->h == height && w->tx == rec.tx_index ? w->te + 1 : 0;
    w->have = true;
    w->h = height;
    w->tx = rec.tx_index;
    cvm_event_pos pos = {height, rec.tx_index, w->te};
    if (!past_cursor(w, &pos) || !matches(w->q->service, rec.event.service) || !matches(w->q->name, rec.event.name))
        return 0;
    return deliver(w, &pos, &rec.event);
}

static int visit_indexed(void *ud, uint64_t height, uint64_t tx, uint64_t tx_event, uint64_t index,
                         const uint8_t *data, size_t len)
{
    walk *w = ud;
    cvm_event_record rec;
    if (!decode(w, height, index, data, len, &rec))
        return 1;
    const char *filed = w->idx == CVM_INDEX_SERVICE ? w->q->service : w->q->name;
    const char *has = w->idx == CVM_INDEX_SERVICE ? rec.event.service : rec.event.name;
    if (rec.tx_index != tx || strcmp(filed, has) != 0) {
        walk_fail(w, CVM_ESTATE,
                  "event history: the record at height %llu, index %llu is damaged: it is %s of transaction %llu, "
                  "but the %s index files it as %s of transaction %llu",
                  (unsigned long long)height, (unsigned long long)index, has, (unsigned long long)rec.tx_index,
                  w->idx == CVM_INDEX_SERVICE ? "service" : "name", filed, (unsigned long long)tx);
        return 1;
    }
    cvm_event_pos pos = {height, tx, tx_event};
    if (!matches(w->q->service, rec.event.service) || !matches(w->q->name, rec.event.name))
        return 0;
    return deliver(w, &pos, &rec.event);
}

cvm_status cvm_store_events_page(cvm_store *s, const cvm_event_query *q, cvm_event_fn fn, void *ud, int *more)
{
    static const cvm_event_query all = {0};
    s->err[0] = '\0';
    if (more)
        *more = 0;
    if (!q)
        q = &all;
    uint64_t to = q->to ? q->to : cvm_store_height(s);
    if (q->to && q->from > q->to)
        return cvm_store_fail(s, CVM_EINPUT, "event query: from height %llu is after to height %llu",
                              (unsigned long long)q->from, (unsigned long long)q->to);
    uint64_t cursor[3] = {q->after_height, q->after_tx, q->after_index};
    walk w;
    memset(&w, 0, sizeof w);
    w.q = q;
    w.fn = fn;
    w.ud = ud;
    /* a cursor before `from` is no cursor: the range starts later anyway */
    w.after = q->after_height && q->after_height >= q->from ? cursor : NULL;
    uint64_t from = w.after ? q->after_height : q->from;
    if (from > to) /* past the latest height: nothing to visit */
        return CVM_OK;
    cvm_arena_init(&w.arena, s->al);
    cvm_status st;
    if (q->service || q->name) {
        /* the name index when there is a name: names are the finer filter */
        w.idx = q->name ? CVM_INDEX_NAME : CVM_INDEX_SERVICE;
        const char *key = q->name ? q->name : q->service;
        st = s->ops->events_by(s, w.idx, (const uint8_t *)key, strlen(key), from, w.after, to, visit_indexed, &w);
    } else {
        st = cvm_store_events(s, from, to, visit, &w);
    }
    cvm_arena_free(&w.arena);
    if (st != CVM_OK)
        return st; /* its message is on s */
    if (w.st != CVM_OK)
        return cvm_store_fail(s, w.st, "%s", w.err);
    s->err[0] = '\0';
    if (more)
        *more = w.more;
    return CVM_OK;
}

/* cvm_store_events_query's callback over cvm_store_events_page's. */
typedef struct plain {
    cvm_history_fn fn;
    void *ud;
} plain;

static int plain_visit(void *ud, const cvm_event_pos *pos, const cvm_event *ev)
{
    plain *p = ud;
    return p->fn(p->ud, pos->height, pos->tx_index, ev);
}

cvm_status cvm_store_events_query(cvm_store *s, const cvm_event_query *q, cvm_history_fn fn, void *ud)
{
    plain p = {fn, ud};
    return cvm_store_events_page(s, q, plain_visit, &p, NULL);
}
