/*
 * sse.c — GET /v1/events/stream[?from=HEIGHT]: the committed events as
 * Server-Sent Events, one per event:
 *
 *   id: HEIGHT.TX.INDEX
 *   event: chain-event
 *   data: {"height", "tx_index", "service", "name", "fields"}
 *
 * and a ": keepalive" comment after keepalive_ms without one. A client that
 * reconnects with Last-Event-ID (what EventSource sends by itself) resumes
 * right after that event; with from=H from height H; with neither, from the
 * next block. Events are read in pages from the node's history (the same
 * reader as GET /v1/events), so the stream is exactly the history: no gap,
 * no repeat.
 *
 * The stream runs in its connection's thread (http.c): when caught up it
 * sleeps on the node's height in slices and ends when the server or node
 * stops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "node/http_internal.h"

/* Events read per page of the history. */
#define SSE_PAGE 256

typedef struct sse_stream {
    cvm_http *h;           /* borrowed */
    cvm_event_query q;     /* no filters: from only */
    char cursor[80];       /* the id of the last event sent ("" before the first) */
    bool have_last;        /* last_* hold the last event sent (or resumed from) */
    uint64_t last_h, last_t, last_i;
    cvm_buf out;           /* owned: text not yet handed to libmicrohttpd */
    size_t off;
    uint64_t quiet_since;  /* ms: when something was last sent */
} sse_stream;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Parses an event id "HEIGHT.TX.INDEX". */
static bool parse_id(const char *s, uint64_t *hgt, uint64_t *tx, uint64_t *idx)
{
    char part[3][24];
    size_t k = 0, n = 0;
    for (const char *p = s;; p++) {
        if (*p == '.' || !*p) {
            if (n == 0 || k == 3)
                return false;
            part[k++][n] = '\0';
            n = 0;
            if (!*p)
                break;
        } else if (n + 1 < sizeof part[0] && *p >= '0' && *p <= '9' && k < 3) {
            part[k][n++] = *p;
        } else {
            return false;
        }
    }
    return k == 3 && cvm_http_parse_uint(part[0], "", 0, UINT64_MAX, hgt, NULL, 0) == CVM_OK &&
           cvm_http_parse_uint(part[1], "", 0, UINT64_MAX, tx, NULL, 0) == CVM_OK &&
           cvm_http_parse_uint(part[2], "", 0, UINT64_MAX, idx, NULL, 0) == CVM_OK;
}

/* Appends the next page of events after the cursor to s->out. CVM_OK with
 * nothing appended when caught up. */
static cvm_status read_page(sse_stream *s)
{
    char err[256] = "";
    char *text = NULL;
    cvm_status st = cvm_node_events_json(s->h->node, &s->q, s->cursor[0] ? s->cursor : NULL, SSE_PAGE, &text, err,
                                         sizeof err);
    if (st != CVM_OK)
        return st;
    json_t *j = json_loads(text, 0, NULL);
    free(text);
    json_t *events = j ? json_object_get(j, "events") : NULL;
    if (!json_is_array(events)) {
        json_decref(j);
        return CVM_ESTATE;
    }
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        json_int_t hgt = json_integer_value(json_object_get(ev, "height"));
        json_int_t tx = json_integer_value(json_object_get(ev, "tx_index"));
        /* the history is read in order and unfiltered, so an event's index
         * in its transaction is one more than the last one's when both are
         * of the same transaction, else 0 */
        uint64_t idx = s->have_last && s->last_h == (uint64_t)hgt && s->last_t == (uint64_t)tx ? s->last_i + 1 : 0;
        s->have_last = true;
        s->last_h = (uint64_t)hgt;
        s->last_t = (uint64_t)tx;
        s->last_i = idx;
        snprintf(s->cursor, sizeof s->cursor, "%llu.%llu.%llu", (unsigned long long)hgt, (unsigned long long)tx,
                 (unsigned long long)idx);
        char *data = json_dumps(ev, JSON_COMPACT);
        if (!data) {
            json_decref(j);
            return CVM_ENOMEM;
        }
        cvm_buf_printf(&s->out, "id: %s\nevent: chain-event\ndata: %s\n\n", s->cursor, data);
        free(data);
    }
    /* the node's own cursor for the page must be the id of its last event:
     * if not, the ids above are wrong, and a resumption would skip or repeat */
    const char *next = json_string_value(json_object_get(j, "next_cursor"));
    bool consistent = !next || strcmp(next, s->cursor) == 0;
    json_decref(j);
    if (!consistent)
        return CVM_ESTATE;
    return cvm_buf_ok(&s->out) ? CVM_OK : CVM_ENOMEM;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    sse_stream *s = cls;
    cvm_http *h = s->h;
    while (s->off == s->out.len) {
        cvm_buf_free(&s->out);
        cvm_buf_init(&s->out, NULL);
        s->off = 0;
        if (cvm_http_should_stop(h))
            return MHD_CONTENT_READER_END_OF_STREAM;
        uint64_t height = cvm_node_height(h->node);
        /* nothing to read before the stream's first height is committed */
        if (height >= (s->q.from ? s->q.from : 1)) {
            cvm_status st = read_page(s);
            if (st != CVM_OK)
                return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (s->out.len) {
            s->quiet_since = now_ms();
            break;
        }
        uint64_t quiet = now_ms() - s->quiet_since;
        if (quiet >= h->opts.keepalive_ms) {
            cvm_buf_str(&s->out, ": keepalive\n\n");
            s->quiet_since = now_ms();
            break;
        }
        uint64_t left = h->opts.keepalive_ms - quiet;
        cvm_node_wait_height(h->node, height, left < CVM_HTTP_WAIT_SLICE_MS ? left : CVM_HTTP_WAIT_SLICE_MS);
    }
    size_t n = s->out.len - s->off;
    if (n > max)
        n = max;
    memcpy(buf, s->out.data + s->off, n);
    s->off += n;
    return (ssize_t)n;
}

static void sse_free(void *cls)
{
    sse_stream *s = cls;
    cvm_buf_free(&s->out);
    free(s);
}

enum MHD_Result cvm_api_events_stream(cvm_http *h, struct MHD_Connection *c, http_request *r)
{
    char err[256];
    uint64_t from = 0;
    if (cvm_http_params_only(&r->target, (const char *const[]){"from", NULL}, err, sizeof err) != CVM_OK ||
        cvm_http_param_uint(&r->target, "from", 0, 1, UINT64_MAX, &from, err, sizeof err) != CVM_OK)
        return cvm_http_reply_error(h, c, 400, "BAD_REQUEST", "events/stream: %s", err);
    sse_stream *s = calloc(1, sizeof *s);
    if (!s)
        return cvm_http_reply_error(h, c, 500, "INTERNAL", "events/stream: out of memory");
    s->h = h;
    cvm_buf_init(&s->out, NULL);
    const char *last = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
    if (last && last[0]) {
        if (!parse_id(last, &s->last_h, &s->last_t, &s->last_i)) {
            sse_free(s);
            return cvm_http_reply_error(h, c, 400, "BAD_REQUEST",
                                        "events/stream: Last-Event-ID '%.80s' is not HEIGHT.TX.INDEX", last);
        }
        s->have_last = true;
        snprintf(s->cursor, sizeof s->cursor, "%s", last);
    } else if (from) {
        s->q.from = from;
    } else {
        s->q.from = cvm_node_height(h->node) + 1; /* live: from the next block */
    }
    s->quiet_since = now_ms();
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, s, sse_free);
    if (!resp) {
        sse_free(s);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream; charset=utf-8");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    /* a stream is never idle in the sense of the slow-client timeout: it
     * sends at least a keepalive; a dead peer shows when one is written */
    MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
    return cvm_http_send(h, c, 200, resp);
}
