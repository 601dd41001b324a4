/*
 * history.c — the query side of the event history (cvm_store_events_query
 * in coopvm.h): walks a store's raw event records (cvm_store_events, either
 * backend), decodes each (codec/event.h) and hands the ones that match a
 * query to the caller.
 *
 * Every record is decoded, also those a filter would skip, so that a
 * damaged history is reported whatever the query: a query never silently
 * skips what it cannot read. A record is checked against its key too: the
 * height inside it must be the height it is stored under.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "codec/event.h"
#include "state/store.h"

typedef struct walk {
    const cvm_event_query *q; /* borrowed */
    cvm_history_fn fn;
    void *ud;                 /* borrowed; the caller's */
    cvm_arena arena;          /* owned; one record's decoded strings, reset per record */
    cvm_status st;            /* CVM_OK until a record fails */
    char *err;                /* borrowed; the caller's buffer, may be NULL */
    size_t errcap;
} walk;

static void walk_fail(walk *w, cvm_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void walk_fail(walk *w, cvm_status st, const char *fmt, ...)
{
    w->st = st;
    if (w->err && w->errcap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->err, w->errcap, fmt, ap);
        va_end(ap);
    }
}

/* NULL matches anything; otherwise the exact name. */
static int matches(const char *want, const char *have) { return !want || strcmp(want, have) == 0; }

static int visit(void *ud, uint64_t height, uint64_t index, const uint8_t *data, size_t len)
{
    walk *w = ud;
    char why[256];
    cvm_event_record rec;
    cvm_arena_free(&w->arena); /* the previous record's strings */
    cvm_status st = cvm_event_record_decode(data, len, &w->arena, &rec, why, sizeof why);
    if (st == CVM_ENOMEM) {
        walk_fail(w, st, "event history: out of memory decoding the record at height %llu, index %llu",
                  (unsigned long long)height, (unsigned long long)index);
        return 1;
    }
    if (st != CVM_OK) {
        walk_fail(w, CVM_ESTATE, "event history: the record at height %llu, index %llu is damaged: %s",
                  (unsigned long long)height, (unsigned long long)index, why);
        return 1;
    }
    if (rec.height != height) {
        walk_fail(w, CVM_ESTATE,
                  "event history: the record at height %llu, index %llu is damaged: it says height %llu",
                  (unsigned long long)height, (unsigned long long)index, (unsigned long long)rec.height);
        return 1;
    }
    if (!matches(w->q->service, rec.event.service) || !matches(w->q->name, rec.event.name))
        return 0;
    return w->fn(w->ud, rec.height, rec.tx_index, &rec.event) != 0;
}

cvm_status cvm_store_events_query(cvm_store *s, const cvm_event_query *q, cvm_history_fn fn, void *ud, char *err,
                                  size_t errcap)
{
    static const cvm_event_query all = {NULL, NULL, 0, 0};
    if (err && errcap)
        err[0] = '\0';
    if (!q)
        q = &all;
    uint64_t to = q->to ? q->to : cvm_store_height(s);
    if (q->to && q->from > q->to) {
        if (err && errcap)
            snprintf(err, errcap, "event query: from height %llu is after to height %llu",
                     (unsigned long long)q->from, (unsigned long long)q->to);
        return CVM_EINPUT;
    }
    if (q->from > to) /* past the latest height: nothing to visit */
        return CVM_OK;
    walk w = {q, fn, ud, {0}, CVM_OK, err, errcap};
    cvm_arena_init(&w.arena, s->al);
    cvm_status st = cvm_store_events(s, q->from, to, visit, &w);
    cvm_arena_free(&w.arena);
    if (st != CVM_OK) {
        if (err && errcap)
            snprintf(err, errcap, "%s", cvm_store_errmsg(s));
        return st;
    }
    return w.st;
}
