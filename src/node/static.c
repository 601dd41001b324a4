/*
 * static.c — GET / and GET /explorer/{file}: the explorer page's files,
 * embedded at build time (explorer_files.h), with their media types. The
 * page may fetch nothing from elsewhere: its Content-Security-Policy allows
 * only this node (scripts and styles in files of their own, no inline
 * script), which is also what keeps the page free of outside code.
 */
#include <string.h>

#include "node/explorer_files.h"
#include "node/http_internal.h"

static const char CSP[] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                          "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

static const char *media_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } TYPES[] = {
        {".html", "text/html; charset=utf-8"},  {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"}, {".json", "application/json"},
        {".svg", "image/svg+xml"},              {".png", "image/png"},
        {".ico", "image/x-icon"},               {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof TYPES / sizeof TYPES[0]; i++)
        if (strcmp(dot, TYPES[i].ext) == 0)
            return TYPES[i].type;
    return "application/octet-stream";
}

enum MHD_Result cvm_api_static(cvm_http *h, struct MHD_Connection *c, http_request *r)
{
    /* the page's own links may carry a query (cache-busting): ignored */
    const char *name = r->route.route == CVM_ROUTE_INDEX ? "index.html" : r->route.arg;
    const cvm_explorer_file *f = NULL;
    for (size_t i = 0; i < cvm_explorer_nfiles && !f; i++)
        if (strcmp(cvm_explorer_files[i].name, name) == 0)
            f = &cvm_explorer_files[i];
    if (!f)
        return cvm_http_reply_error(h, c, 404, "NOT_FOUND", "explorer: no file %.100s", name);
    struct MHD_Response *resp = MHD_create_response_from_buffer(f->len, (void *)f->data, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    const char *type = media_type(f->name);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (strncmp(type, "text/html", 9) == 0)
        MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    return cvm_http_send(h, c, 200, resp);
}
