/*
 * request.c — the request target, parameter values, media type and body text
 * of an HTTP request, decoded before a handler acts (request.h).
 *
 * Percent-decoding is libmicrohttpd's own (MHD_http_unescape): the server's
 * HTTP parsing stays in the library; what is ours is only the shape of this
 * API's targets and the limits on them.
 */
#include "node/request.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "codec/utf8.h"

/* Writes a message into err (may be NULL) and returns CVM_EINPUT. */
__attribute__((format(printf, 3, 4))) static cvm_status refuse(char *err, size_t errcap, const char *fmt, ...)
{
    if (err && errcap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errcap, fmt, ap);
        va_end(ap);
    }
    return CVM_EINPUT;
}

/* Percent-decodes s in place ('+' as a space first when plus_space);
 * refuses a NUL byte or text that is not UTF-8. what names the part. */
static cvm_status decode_part(char *s, bool plus_space, const char *what, char *err, size_t errcap)
{
    if (plus_space)
        for (char *p = s; *p; p++)
            if (*p == '+')
                *p = ' ';
    size_t n = MHD_http_unescape(s);
    if (strlen(s) != n)
        return refuse(err, errcap, "%s: %%00 (a NUL byte) is not allowed", what);
    size_t bad = 0;
    if (!cvm_utf8_valid((const uint8_t *)s, n, &bad))
        return refuse(err, errcap, "%s: not UTF-8 once percent-decoded (byte %zu)", what, bad);
    return CVM_OK;
}

cvm_status cvm_http_target_parse(const char *raw, cvm_http_target *out, char *err, size_t errcap)
{
    memset(out, 0, sizeof *out);
    if (!raw || !raw[0])
        return refuse(err, errcap, "request target: empty");
    size_t len = strnlen(raw, CVM_HTTP_MAX_TARGET + 1);
    if (len > CVM_HTTP_MAX_TARGET)
        return refuse(err, errcap, "request target: longer than %d bytes", CVM_HTTP_MAX_TARGET);
    if (raw[0] != '/')
        return refuse(err, errcap, "request target: must start with '/' (origin form)");
    char *buf = malloc(len + 1);
    if (!buf)
        return CVM_ENOMEM;
    memcpy(buf, raw, len + 1);
    char *query = strchr(buf, '?');
    if (query)
        *query++ = '\0';
    /* a fragment is never sent by a client; one that arrives is not ours to
     * interpret, so it is part of whatever it follows and fails there */
    cvm_status st = decode_part(buf, false, "path", err, errcap);
    if (st != CVM_OK)
        goto fail;
    out->buf = buf;
    out->path = buf;
    if (!query || !query[0])
        return CVM_OK;
    for (char *item = query; item;) {
        char *next = strchr(item, '&');
        if (next)
            *next++ = '\0';
        if (!item[0]) { /* "a=1&&b=2" or a trailing '&': nothing to read */
            item = next;
            continue;
        }
        if (out->nparams == CVM_HTTP_MAX_PARAMS) {
            st = refuse(err, errcap, "query: more than %d parameters", CVM_HTTP_MAX_PARAMS);
            goto fail;
        }
        char *eq = strchr(item, '=');
        char *value = eq ? eq + 1 : item + strlen(item);
        if (eq)
            *eq = '\0';
        if ((st = decode_part(item, true, "query: a parameter name", err, errcap)) != CVM_OK)
            goto fail;
        if (!item[0]) {
            st = refuse(err, errcap, "query: a parameter without a name");
            goto fail;
        }
        char what[96];
        snprintf(what, sizeof what, "query: parameter '%.64s'", item);
        if ((st = decode_part(value, true, what, err, errcap)) != CVM_OK)
            goto fail;
        if (cvm_http_param_get(out, item)) {
            st = refuse(err, errcap, "query: parameter '%.64s' given twice", item);
            goto fail;
        }
        out->params[out->nparams++] = (cvm_http_param){item, value};
        item = next;
    }
    return CVM_OK;
fail:
    free(buf);
    memset(out, 0, sizeof *out);
    return st;
}

void cvm_http_target_free(cvm_http_target *t)
{
    if (!t)
        return;
    free(t->buf);
    memset(t, 0, sizeof *t);
}

const char *cvm_http_param_get(const cvm_http_target *t, const char *name)
{
    for (size_t i = 0; i < t->nparams; i++)
        if (strcmp(t->params[i].name, name) == 0)
            return t->params[i].value;
    return NULL;
}

cvm_status cvm_http_params_only(const cvm_http_target *t, const char *const *allowed, char *err, size_t errcap)
{
    for (size_t i = 0; i < t->nparams; i++) {
        bool known = false;
        for (const char *const *a = allowed; *a && !known; a++)
            known = strcmp(*a, t->params[i].name) == 0;
        if (known)
            continue;
        char list[160] = "";
        size_t used = 0;
        for (const char *const *a = allowed; *a; a++) {
            int w = snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", *a);
            if (w < 0 || (size_t)w >= sizeof list - used)
                break;
            used += (size_t)w;
        }
        return refuse(err, errcap, "query: unknown parameter '%.64s' (%s%s)", t->params[i].name,
                      used ? "known: " : "this path takes none", list);
    }
    return CVM_OK;
}

cvm_status cvm_http_parse_uint(const char *text, const char *what, uint64_t min, uint64_t max, uint64_t *out,
                               char *err, size_t errcap)
{
    uint64_t v = 0;
    const char *p = text;
    if (!*p)
        goto bad;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            goto bad;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            goto bad;
        v = v * 10 + d;
    }
    if (v < min || v > max)
        goto bad;
    *out = v;
    return CVM_OK;
bad:
    return refuse(err, errcap, "%s: expected an integer from %llu to %llu, got '%.40s'", what,
                  (unsigned long long)min, (unsigned long long)max, text);
}

cvm_status cvm_http_param_uint(const cvm_http_target *t, const char *name, uint64_t def, uint64_t min,
                               uint64_t max, uint64_t *out, char *err, size_t errcap)
{
    const char *v = cvm_http_param_get(t, name);
    if (!v) {
        *out = def;
        return CVM_OK;
    }
    char what[80];
    snprintf(what, sizeof what, "query: parameter '%s'", name);
    return cvm_http_parse_uint(v, what, min, max, out, err, errcap);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

cvm_status cvm_http_parse_hash(const char *text, uint8_t out[CVM_HASH_BYTES], char *err, size_t errcap)
{
    const char *p = text;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    size_t n = strlen(p);
    if (n != 2 * CVM_HASH_BYTES)
        return refuse(err, errcap, "transaction hash: expected %d hex digits, got %zu", 2 * CVM_HASH_BYTES, n);
    for (size_t i = 0; i < CVM_HASH_BYTES; i++) {
        int hi = hexval(p[2 * i]), lo = hexval(p[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return refuse(err, errcap, "transaction hash: '%c' at %zu is not a hex digit", hi < 0 ? p[2 * i] : p[2 * i + 1],
                          (size_t)(p - text) + 2 * i + (hi < 0 ? 0 : 1));
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return CVM_OK;
}

/* The next token of a media type (letters, digits and !#$&-^_.+), case kept. */
static size_t token_len(const char *p)
{
    size_t n = 0;
    while (p[n] && (isalnum((unsigned char)p[n]) || strchr("!#$&-^_.+", p[n])))
        n++;
    return n;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

cvm_http_media cvm_http_media_type(const char *ct)
{
    if (!ct)
        return CVM_MEDIA_JSON;
    const char *p = skip_ws(ct);
    size_t tn = token_len(p);
    if (!tn || p[tn] != '/')
        return CVM_MEDIA_OTHER;
    const char *sub = p + tn + 1;
    size_t sn = token_len(sub);
    cvm_http_media m;
    if (tn == 11 && strncasecmp(p, "application", 11) == 0 && sn == 4 && strncasecmp(sub, "json", 4) == 0)
        m = CVM_MEDIA_JSON;
    else if (tn == 11 && strncasecmp(p, "application", 11) == 0 && sn == 12 &&
             strncasecmp(sub, "octet-stream", 12) == 0)
        m = CVM_MEDIA_BINARY;
    else
        return CVM_MEDIA_OTHER;
    /* parameters: ";name=value" (value a token or a quoted string); only
     * the charset matters, and JSON is UTF-8 (RFC 8259) */
    p = skip_ws(sub + sn);
    while (*p == ';') {
        p = skip_ws(p + 1);
        size_t nn = token_len(p);
        if (!nn || p[nn] != '=')
            return CVM_MEDIA_OTHER;
        const char *v = p + nn + 1;
        size_t vn;
        bool quoted = *v == '"';
        if (quoted) {
            const char *close = strchr(v + 1, '"');
            if (!close)
                return CVM_MEDIA_OTHER;
            vn = (size_t)(close - v - 1);
            v++;
        } else {
            vn = token_len(v);
        }
        if (nn == 7 && strncasecmp(p, "charset", 7) == 0 &&
            !((vn == 5 && strncasecmp(v, "utf-8", 5) == 0) || (vn == 4 && strncasecmp(v, "utf8", 4) == 0)))
            return CVM_MEDIA_OTHER;
        p = skip_ws(v + vn + (quoted ? 1 : 0));
    }
    return *p ? CVM_MEDIA_OTHER : m;
}

cvm_status cvm_http_text_body(const uint8_t *body, size_t len, const char *what, char *err, size_t errcap)
{
    if (len == 0)
        return refuse(err, errcap, "%s: the body is empty (expected JSON)", what);
    size_t bad = 0;
    if (!cvm_utf8_valid(body, len, &bad))
        return refuse(err, errcap, "%s: the body is not UTF-8 (byte %zu)", what, bad);
    return CVM_OK;
}
