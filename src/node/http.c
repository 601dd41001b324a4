/*
 * http.c — the node's HTTP server: binds the listen address, runs
 * libmicrohttpd in thread-per-connection mode with its limits, reads each
 * request (target, route, media type, body within its limit) and hands it to
 * the handler of its resource (api_*.c, sse.c, static.c); stops cleanly.
 *
 * A request's life, top to bottom: the request line arrives (on_uri keeps
 * the raw target) → the headers (begin: stopping? target parses? route?
 * media type? declared length within the limit?) → the body, chunk by chunk
 * (on_request, refused past the limit) → the handler answers → on_completed
 * frees the request.
 *
 * Why thread-per-connection: admission blocks until its group fsync, and
 * long-polls and SSE streams wait for blocks; each connection waits in its
 * own thread, so none of them holds up another, and many admissions waiting
 * at once share one fsync. MHD_OPTION_CONNECTION_LIMIT bounds the threads.
 */
#include "node/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "node/http_internal.h"

/* Largest request line plus headers a connection may send (libmicrohttpd
 * answers beyond it itself); also its buffer for reading the body. */
#define CONNECTION_MEMORY (32u * 1024u)

bool cvm_http_should_stop(cvm_http *h)
{
    return atomic_load(&h->stopping) || cvm_node_stopping(h->node);
}

/* ------------------------------------------------------------ request life */

/* The request line arrived: keep its target as sent (libmicrohttpd's own
 * copy is already decoded and split); the result is the request's pointer. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)c;
    http_request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->h = cls;
    r->raw_target = strdup(uri ? uri : "");
    if (!r->raw_target) {
        free(r);
        return NULL;
    }
    cvm_buf_init(&r->body, NULL);
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)c;
    (void)toe;
    cvm_http *h = cls;
    http_request *r = *con_cls;
    *con_cls = NULL;
    if (!r)
        return;
    if (r->started) {
        pthread_mutex_lock(&h->mu);
        if (--h->inflight == 0)
            pthread_cond_broadcast(&h->idle);
        pthread_mutex_unlock(&h->mu);
    }
    cvm_http_target_free(&r->target);
    cvm_buf_free(&r->body);
    free(r->raw_target);
    free(r);
}

/* The headers are in: everything that can be refused before the body is. */
static enum MHD_Result begin(cvm_http *h, struct MHD_Connection *c, const char *method, http_request *r)
{
    r->done = true; /* until the checks pass: every return below but the last two answers */
    if (atomic_load(&h->stopping))
        return cvm_http_reply_error(h, c, 503, "UNAVAILABLE", "the node is stopping");
    char err[512] = "";
    cvm_status st = cvm_http_target_parse(r->raw_target, &r->target, err, sizeof err);
    if (st != CVM_OK)
        return cvm_http_reply_failure(h, c, st, err);
    cvm_http_route(method, r->target.path, &r->route);
    if (r->route.status == 404)
        return cvm_http_reply_error(h, c, 404, "NOT_FOUND", "no such path: %.200s", r->target.path);
    if (r->route.status == 405)
        return cvm_http_reply_405(h, c, method, r->target.path, r->route.allow);
    if (!r->route.has_body) {
        r->done = false;
        return MHD_YES; /* a body sent with a GET is read and ignored */
    }
    const char *what = cvm_route_name(r->route.route);
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    r->media = cvm_http_media_type(ct);
    bool binary_ok = r->route.route == CVM_ROUTE_TX_SUBMIT;
    if (r->media == CVM_MEDIA_OTHER || (r->media == CVM_MEDIA_BINARY && !binary_ok))
        return cvm_http_reply_error(h, c, 415, "UNSUPPORTED_MEDIA_TYPE", "%s: Content-Type '%.100s' (expected %s)",
                                    what, ct ? ct : "", binary_ok ? "application/json or application/octet-stream"
                                                                  : "application/json");
    r->limit = binary_ok ? CVM_HTTP_TX_BODY_LIMIT : CVM_HTTP_QUERY_BODY_LIMIT;
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    uint64_t declared = 0;
    if (cl && cvm_http_parse_uint(cl, "Content-Length", 0, UINT64_MAX, &declared, NULL, 0) == CVM_OK &&
        declared > r->limit)
        return cvm_http_reply_error(h, c, 413, "TOO_LARGE", "%s: the body of %llu bytes is over the limit of %zu",
                                    what, (unsigned long long)declared, r->limit);
    r->done = false;
    return MHD_YES;
}

static enum MHD_Result dispatch(cvm_http *h, struct MHD_Connection *c, http_request *r)
{
    switch (r->route.route) {
    case CVM_ROUTE_TX_SUBMIT: return cvm_api_tx_submit(h, c, r);
    case CVM_ROUTE_TX_GET: return cvm_api_tx_get(h, c, r);
    case CVM_ROUTE_QUERY: return cvm_api_query(h, c, r);
    case CVM_ROUTE_BLOCKS: return cvm_api_blocks(h, c, r);
    case CVM_ROUTE_BLOCK_LATEST: /* fall through: the same handler reads "latest" */
    case CVM_ROUTE_BLOCK: return cvm_api_block(h, c, r);
    case CVM_ROUTE_EVENTS: return cvm_api_events(h, c, r);
    case CVM_ROUTE_EVENTS_STREAM: return cvm_api_events_stream(h, c, r);
    case CVM_ROUTE_STATUS: return cvm_api_status(h, c, r);
    case CVM_ROUTE_METRICS: return cvm_api_metrics(h, c, r);
    case CVM_ROUTE_INDEX: /* fall through */
    case CVM_ROUTE_STATIC: return cvm_api_static(h, c, r);
    case CVM_ROUTE_NONE: break;
    }
    return cvm_http_reply_error(h, c, 500, "INTERNAL", "no handler for the route");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)url;
    (void)version;
    cvm_http *h = cls;
    http_request *r = *con_cls;
    if (!r)
        return MHD_NO; /* memory ran out when the request line arrived: close */
    if (!r->started) {
        r->started = true;
        pthread_mutex_lock(&h->mu);
        h->inflight++;
        pthread_mutex_unlock(&h->mu);
        /* an answer queued here (a refusal) ends the request: its body, if
         * any, is not read, and libmicrohttpd closes the connection after */
        return begin(h, c, method, r);
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (r->done || !r->route.has_body)
            return MHD_YES;
        if (r->body.len + n > r->limit) {
            /* only a chunked body (no Content-Length) gets here: a declared
             * length over the limit was answered 413 before the body was
             * read. libmicrohttpd cannot answer in the middle of a body, so
             * the connection is closed, and memory stays bounded */
            r->done = true;
            return MHD_NO;
        }
        cvm_buf_put(&r->body, upload, n);
        if (!cvm_buf_ok(&r->body)) {
            r->done = true;
            return cvm_http_reply_error(h, c, 500, "INTERNAL", "out of memory reading the body");
        }
        return MHD_YES;
    }
    if (r->done)
        return MHD_YES;
    r->done = true;
    return dispatch(h, c, r);
}

/* libmicrohttpd's messages: the last one is kept for cvm_http_start's error
 * (the library never prints). */
static void on_log(void *cls, const char *fmt, va_list ap)
{
    cvm_http *h = cls;
    pthread_mutex_lock(&h->mu);
    vsnprintf(h->lastlog, sizeof h->lastlog, fmt, ap);
    size_t n = strlen(h->lastlog);
    while (n && (h->lastlog[n - 1] == '\n' || h->lastlog[n - 1] == '\r'))
        h->lastlog[--n] = '\0';
    pthread_mutex_unlock(&h->mu);
}

/* ------------------------------------------------------------ start, stop */

/* Parses "HOST:PORT" into a socket address. */
static cvm_status parse_listen(const char *addr, struct sockaddr_storage *ss, socklen_t *sslen, bool *v6,
                               char *err, size_t errcap)
{
    char host[128];
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr) {
        snprintf(err, errcap, "listen address '%.100s': expected HOST:PORT (127.0.0.1:7070)", addr);
        return CVM_EINPUT;
    }
    size_t hn = (size_t)(colon - addr);
    const char *hp = addr;
    if (hp[0] == '[' && hn >= 2 && hp[hn - 1] == ']') {
        hp++;
        hn -= 2;
    }
    if (hn >= sizeof host) {
        snprintf(err, errcap, "listen address '%.100s': the host is too long", addr);
        return CVM_EINPUT;
    }
    memcpy(host, hp, hn);
    host[hn] = '\0';
    uint64_t port;
    char perr[160];
    if (cvm_http_parse_uint(colon + 1, "port", 0, 65535, &port, perr, sizeof perr) != CVM_OK) {
        snprintf(err, errcap, "listen address '%.100s': %s", addr, perr);
        return CVM_EINPUT;
    }
    if (strcmp(host, "localhost") == 0)
        strcpy(host, "127.0.0.1");
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        *sslen = sizeof *in4;
        *v6 = false;
    } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *sslen = sizeof *in6;
        *v6 = true;
    } else {
        snprintf(err, errcap, "listen address '%.100s': '%s' is not an IPv4 or IPv6 address (or localhost)",
                 addr, host);
        return CVM_EINPUT;
    }
    return CVM_OK;
}

/* A listening socket on the address; -1 with err saying why. */
static int bind_listen(const char *addr, bool *v6, uint16_t *port, char *hostout, size_t hostcap, char *err,
                       size_t errcap)
{
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    if (parse_listen(addr, &ss, &sslen, v6, err, errcap) != CVM_OK)
        return -2;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errcap, "listen %s: socket: %s", addr, strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, sslen) != 0 || listen(fd, 128) != 0) {
        snprintf(err, errcap, "listen %s: %s", addr, strerror(errno));
        close(fd);
        return -1;
    }
    struct sockaddr_storage got;
    socklen_t gotlen = sizeof got;
    getsockname(fd, (struct sockaddr *)&got, &gotlen);
    if (got.ss_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&got;
        *port = ntohs(a->sin6_port);
        char text[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
        snprintf(hostout, hostcap, "[%s]", text);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&got;
        *port = ntohs(a->sin_port);
        inet_ntop(AF_INET, &a->sin_addr, hostout, (socklen_t)hostcap);
    }
    return fd;
}

cvm_status cvm_http_start(cvm_node *node, const cvm_http_options *opts, cvm_http **out, char *err, size_t errcap)
{
    *out = NULL;
    cvm_http_options o = opts ? *opts : (cvm_http_options){0};
    if (!o.listen)
        o.listen = CVM_HTTP_DEFAULT_LISTEN;
    if (!o.max_connections)
        o.max_connections = CVM_HTTP_DEFAULT_MAX_CONNECTIONS;
    if (!o.max_per_ip)
        o.max_per_ip = CVM_HTTP_DEFAULT_MAX_PER_IP;
    if (!o.timeout_s)
        o.timeout_s = CVM_HTTP_DEFAULT_TIMEOUT_S;
    if (!o.keepalive_ms)
        o.keepalive_ms = CVM_HTTP_DEFAULT_KEEPALIVE_MS;
    if (!o.drain_ms)
        o.drain_ms = CVM_HTTP_DEFAULT_DRAIN_MS;
    cvm_http *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    h->node = node;
    h->opts = o;
    h->opts.listen = NULL; /* borrowed only for this call */
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->idle, NULL);
    bool v6 = false;
    char host[INET6_ADDRSTRLEN + 2] = "";
    int fd = bind_listen(o.listen, &v6, &h->port, host, sizeof host, err, errcap);
    if (fd < 0) {
        cvm_http_stop(h);
        return fd == -2 ? CVM_EINPUT : CVM_EIO;
    }
    snprintf(h->url, sizeof h->url, "http://%s:%u", host, (unsigned)h->port);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    h->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, h, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_CONNECTION_LIMIT,
        o.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, o.max_per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
        o.timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY, MHD_OPTION_URI_LOG_CALLBACK,
        on_uri, h, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_EXTERNAL_LOGGER, on_log, h,
        MHD_OPTION_END);
    if (!h->daemon) {
        snprintf(err, errcap, "listen %s: libmicrohttpd did not start%s%s", o.listen, h->lastlog[0] ? ": " : "",
                 h->lastlog);
        close(fd);
        cvm_http_stop(h);
        return CVM_EIO;
    }
    *out = h;
    return CVM_OK;
}

uint16_t cvm_http_port(const cvm_http *h)
{
    return h->port;
}

const char *cvm_http_url(const cvm_http *h)
{
    return h->url;
}

void cvm_http_stop(cvm_http *h)
{
    if (!h)
        return;
    atomic_store(&h->stopping, true);
    if (h->daemon) {
        /* no new connections; the listening socket is ours to close */
        MHD_socket lfd = MHD_quiesce_daemon(h->daemon);
        /* requests in flight finish: waits see the flag within a slice */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += (time_t)(h->opts.drain_ms / 1000);
        until.tv_nsec += (long)(h->opts.drain_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&h->mu);
        while (h->inflight > 0)
            if (pthread_cond_timedwait(&h->idle, &h->mu, &until) == ETIMEDOUT)
                break;
        pthread_mutex_unlock(&h->mu);
        MHD_stop_daemon(h->daemon);
        if (lfd != MHD_INVALID_SOCKET)
            close(lfd);
    }
    pthread_cond_destroy(&h->idle);
    pthread_mutex_destroy(&h->mu);
    free(h);
}
