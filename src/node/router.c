/*
 * router.c — the route table of the node's HTTP API (router.h). A pattern is
 * a literal path, or a literal prefix followed by one non-empty segment
 * without '/' (written "*"), which the handler receives as its argument.
 * Literal patterns are listed before the wildcard that would also match them
 * ("/v1/blocks/latest" before "/v1/blocks/ *").
 */
#include "node/router.h"

#include <string.h>

typedef struct route_row {
    const char *pattern;
    const char *method; /* "GET" (which also takes HEAD) or "POST" */
    cvm_route route;
    const char *name;
} route_row;

static const route_row ROUTES[] = {
    {"/v1/transactions", "POST", CVM_ROUTE_TX_SUBMIT, "transactions"},
    {"/v1/transactions/*", "GET", CVM_ROUTE_TX_GET, "transactions"},
    {"/v1/query", "POST", CVM_ROUTE_QUERY, "query"},
    {"/v1/blocks", "GET", CVM_ROUTE_BLOCKS, "blocks"},
    {"/v1/blocks/latest", "GET", CVM_ROUTE_BLOCK_LATEST, "blocks"},
    {"/v1/blocks/*", "GET", CVM_ROUTE_BLOCK, "blocks"},
    {"/v1/events", "GET", CVM_ROUTE_EVENTS, "events"},
    {"/v1/events/stream", "GET", CVM_ROUTE_EVENTS_STREAM, "events/stream"},
    {"/v1/status", "GET", CVM_ROUTE_STATUS, "status"},
    {"/metrics", "GET", CVM_ROUTE_METRICS, "metrics"},
    {"/", "GET", CVM_ROUTE_INDEX, "explorer"},
    {"/explorer/*", "GET", CVM_ROUTE_STATIC, "explorer"},
};

/* Whether path matches pattern; *arg and *arglen get the wildcard segment. */
static int matches(const char *pattern, const char *path, const char **arg, size_t *arglen)
{
    const char *star = strchr(pattern, '*');
    if (!star)
        return strcmp(pattern, path) == 0;
    size_t pre = (size_t)(star - pattern);
    if (strncmp(pattern, path, pre) != 0)
        return 0;
    const char *seg = path + pre;
    if (!seg[0] || strchr(seg, '/'))
        return 0;
    *arg = seg;
    *arglen = strlen(seg);
    return 1;
}

void cvm_http_route(const char *method, const char *path, cvm_route_match *out)
{
    memset(out, 0, sizeof *out);
    out->status = 404;
    for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++) {
        const route_row *r = &ROUTES[i];
        const char *arg = NULL;
        size_t arglen = 0;
        if (!matches(r->pattern, path, &arg, &arglen))
            continue;
        int get = strcmp(r->method, "GET") == 0;
        out->allow = get ? "GET, HEAD" : "POST";
        if (strcmp(method, r->method) != 0 && !(get && strcmp(method, "HEAD") == 0)) {
            out->status = 405;
            return;
        }
        out->route = r->route;
        out->status = 0;
        out->arg = arg;
        out->arglen = arglen;
        out->has_body = !get;
        return;
    }
}

const char *cvm_route_name(cvm_route r)
{
    for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++)
        if (ROUTES[i].route == r)
            return ROUTES[i].name;
    return "none";
}
