/*
 * cmd_events.c — `coopvm events`: the event history of a data directory,
 * filtered by service, event name and heights (cvm_store_events_query: a
 * filter reads the history's index), as one line per event or as a JSON
 * array written one event at a time (constant memory); or, with --node URL,
 * the same from a running node's API (GET /v1/events, paged through its
 * cursor, each page printed as it comes, so memory holds one page however
 * long the history).
 *
 * The directory is opened read-only (cvm_lmdbstore_open_readonly): a query
 * never creates a store, and a typo in --data is an error naming it.
 *
 * --scenario FILE names accounts in the text as `coopvm process` does: an
 * address that is the development key's address of one of the scenario's
 * accounts (or of process's deployer) prints as that name. Only the
 * scenario's "accounts" are read, so it needs none of its contract files.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/hex.h"
#include "cli.h"
#include "client.h"
#include "names.h"
#include "codec/json.h"
#include "play.h"
#include "value_text.h"

static const char help[] =
    "usage: coopvm events (--data DIR | --node URL) [--service S] [--name N]\n"
    "                     [--from H] [--to H] [--scenario FILE] [--page-size N] [--json]\n\n"
    "Prints the events of the transactions committed in the data directory DIR\n"
    "(what `coopvm process --data DIR` wrote), or on the node at URL, in commit\n"
    "order. Events of failed transactions are not in the history.\n\n"
    "  --data DIR     the state directory (must exist; nothing is created or written)\n"
    "  --node URL     a running node instead (`coopvm node`): http://127.0.0.1:7070;\n"
    "                 its GET /v1/events is read page after page (1000 events a\n"
    "                 page, through the cursor) and each page printed as it comes\n"
    "  --page-size N  with --node: N events a request (1 to 1000; default 1000)\n"
    "  --service S    only events of service S (exact name, e.g. _Cooperatives)\n"
    "  --name N       only events named N (e.g. ProposalPassed)\n"
    "  --from H       only from height H (inclusive; default: the first)\n"
    "  --to H         only up to height H (inclusive; default: the latest)\n"
    "  --scenario FILE  in the text, print the address of each of FILE's accounts\n"
    "                 (and of process's deployer) as its name, as `coopvm process`\n"
    "                 does: bob, not 0x2e12...; only FILE's \"accounts\" are read\n"
    "  --json         a JSON array of {\"height\", \"tx_index\", \"service\", \"name\",\n"
    "                 \"fields\": {name: value}} instead of text\n\n"
    "Text: one line per event and nothing else:\n"
    "  height 3 tx 0 _Cooperatives.CooperativeJoined cooperative_id=\"housing\" member=0x1a2b...\n"
    "Integers and booleans print as such, strings as JSON strings, bytes as 0x + hex;\n"
    "a name that is not [A-Za-z0-9_]+ prints as a JSON string.\n\n"
    "With --node the text is the same, but for a string value that looks like\n"
    "bytes (\"0x\" and hex): the API's JSON cannot tell them apart, so it prints\n"
    "bare.\n\n"
    "Exit status: 0 success (also when no event matches), 1 the directory cannot be\n"
    "read or its history is damaged, or the node refused or could not be reached\n"
    "(the URL and the reason are printed), 2 usage error.\n";

typedef struct opts {
    const char *data;
    const char *node; /* borrowed from argv; --node: the API instead of --data */
    const char *scenario; /* borrowed from argv; NULL: addresses print as hex */
    cvm_event_query q;
    bool json;
    uint64_t page; /* --page-size: events a request with --node */
    bool none; /* --to 0: no height is 0, so nothing can match (the query's to 0 means "latest") */
} opts;

/* A height: a whole non-negative number. */
static bool parse_height(const char *s, uint64_t *out)
{
    int64_t v;
    if (!cli_parse_i64(s, &v) || v < 0 || s[0] == '-' || s[0] == '+')
        return false;
    *out = (uint64_t)v;
    return true;
}

/* Returns -1 to go on, else the exit status. */
static int parse(int argc, char **argv, opts *o)
{
    bool have_from = false, have_to = false, have_page = false;
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(help, stdout);
            return CLI_OK;
        }
        if (strcmp(a, "--json") == 0) {
            if (o->json)
                return cli_usage_error("events", "--json given twice");
            o->json = true;
            continue;
        }
        const char **slot = NULL;
        bool *seen = NULL;
        if (strcmp(a, "--data") == 0)
            slot = &o->data;
        else if (strcmp(a, "--node") == 0)
            slot = &o->node;
        else if (strcmp(a, "--scenario") == 0)
            slot = &o->scenario;
        else if (strcmp(a, "--service") == 0)
            slot = &o->q.service;
        else if (strcmp(a, "--name") == 0)
            slot = &o->q.name;
        else if (strcmp(a, "--from") == 0)
            seen = &have_from;
        else if (strcmp(a, "--to") == 0)
            seen = &have_to;
        else if (strcmp(a, "--page-size") == 0)
            seen = &have_page;
        else
            return cli_usage_error("events", a[0] == '-' ? "unknown flag '%s'" : "unexpected argument '%s'", a);
        if (i + 1 >= argc)
            return cli_usage_error("events", "%s needs a value", a);
        const char *v = argv[++i];
        if (slot) {
            if (*slot)
                return cli_usage_error("events", "%s given twice", a);
            *slot = v;
            continue;
        }
        if (*seen)
            return cli_usage_error("events", "%s given twice", a);
        *seen = true;
        if (seen == &have_page) {
            if (!parse_height(v, &o->page) || o->page < 1 || o->page > 1000)
                return cli_usage_error("events", "--page-size: '%s' is not a number from 1 to 1000", v);
            continue;
        }
        if (!parse_height(v, seen == &have_from ? &o->q.from : &o->q.to))
            return cli_usage_error("events", "%s: '%s' is not a height (a whole number, 0 or more)", a, v);
    }
    if (!o->data && !o->node)
        return cli_usage_error("events", "--data DIR or --node URL is required");
    if (o->data && o->node)
        return cli_usage_error("events", "--data and --node exclude each other");
    if (have_page && !o->node)
        return cli_usage_error("events", "--page-size goes with --node");
    if (!have_page)
        o->page = 1000;
    if (have_from && have_to && o->q.from > o->q.to)
        return cli_usage_error("events", "--from %" PRIu64 " is after --to %" PRIu64, o->q.from, o->q.to);
    o->none = have_to && o->q.to == 0;
    return -1;
}

/* ------------------------------------------------------------------ text */

/* A name as is when it is [A-Za-z0-9_]+, else as a JSON string (which
 * shows a non-UTF-8 name as "0x..."), so that a line stays one line. */
static void print_name(const char *s)
{
    size_t n = strlen(s), i = 0;
    while (i < n && (s[i] == '_' || (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
                     (s[i] >= 'A' && s[i] <= 'Z')))
        i++;
    if (n && i == n) {
        fputs(s, stdout);
        return;
    }
    json_t *j = cvm_json_name((const uint8_t *)s, n);
    if (j)
        json_dumpf(j, stdout, JSON_ENCODE_ANY);
    json_decref(j);
}

static int print_line(void *ud, uint64_t height, uint64_t tx_index, const cvm_event *ev)
{
    const cli_names *names = ud; /* NULL without --scenario */
    printf("height %" PRIu64 " tx %" PRIu64 " ", height, tx_index);
    print_name(ev->service);
    putchar('.');
    print_name(ev->name);
    for (size_t i = 0; i < ev->nfields; i++) {
        putchar(' ');
        print_name(ev->fields[i].name);
        putchar('=');
        cli_print_value(&ev->fields[i].value, cli_names_of_arg(names, &ev->fields[i].value), false);
    }
    putchar('\n');
    return 0;
}

/* ------------------------------------------------------------------ JSON */

/* The array is written one event at a time, with the bytes jansson would
 * write for the whole array with JSON_INDENT(1) — "[", then each element
 * indented by one space after ",\n" — so that memory stays constant
 * however long the history (an array of 10^6 events took 1.2 GB). */
typedef struct json_walk {
    size_t n;   /* elements written */
    bool nomem; /* an element could not be built or written */
} json_walk;

/* jansson's text of an element, each line break followed by one space (a
 * line break inside a JSON string is escaped, so every one is jansson's). */
static int indented(const char *buf, size_t size, void *ud)
{
    (void)ud;
    for (const char *p = buf, *end = buf + size; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl + 1 - p) : (size_t)(end - p);
        if (fwrite(p, 1, n, stdout) != n || (nl && putchar(' ') == EOF))
            return -1;
        p += n;
    }
    return 0;
}

static int add_record(void *ud, uint64_t height, uint64_t tx_index, const cvm_event *ev)
{
    json_walk *w = ud;
    cvm_event_record r = {height, tx_index, *ev};
    json_t *j = cvm_event_record_to_json(&r);
    fputs(w->n++ ? ",\n " : "[\n ", stdout);
    if (!j || json_dump_callback(j, indented, NULL, JSON_INDENT(1) | JSON_PRESERVE_ORDER) != 0) {
        json_decref(j);
        w->nomem = true;
        return 1;
    }
    json_decref(j);
    return 0;
}

/* ------------------------------------------------------------ --node */

/* An event of the API's JSON as print_line prints one from the store. */
static void print_json_line(const cli_names *names, const json_t *ev)
{
    printf("height %" JSON_INTEGER_FORMAT " tx %" JSON_INTEGER_FORMAT " ",
           json_integer_value(json_object_get(ev, "height")), json_integer_value(json_object_get(ev, "tx_index")));
    const char *service = json_string_value(json_object_get(ev, "service"));
    const char *name = json_string_value(json_object_get(ev, "name"));
    print_name(service ? service : "?");
    putchar('.');
    print_name(name ? name : "?");
    const char *k;
    const json_t *v;
    json_object_foreach(json_object_get(ev, "fields"), k, v)
    {
        putchar(' ');
        print_name(k);
        putchar('=');
        client_print_value(names, v, false); /* a named account prints as its name */
    }
    putchar('\n');
}

/* The events of the node at o->node, page after page. */
static int events_from_node(const opts *o, const cli_names *names)
{
    client c;
    int rc = client_open(&c, "events", o->node);
    if (rc != CLI_OK)
        return rc;
    c.raw = o->json;
    if (o->none) { /* nothing can match; the node must still answer */
        json_t *st;
        rc = client_call(&c, "GET", "/v1/status", NULL, NULL, 0, CLIENT_TIMEOUT_S, &st, NULL, NULL);
        json_decref(st);
        if (rc == CLI_OK && o->json)
            printf("[]\n");
        client_close(&c);
        return rc;
    }
    char *cursor = NULL; /* owned: the next page's, NULL for the first */
    size_t printed = 0;
    for (;;) {
        char path0[48], num[32];
        snprintf(path0, sizeof path0, "/v1/events?limit=%" PRIu64, o->page);
        char *path = strdup(path0);
        bool ok = path != NULL;
        if (ok && o->q.service)
            ok = client_add_param(&c, &path, "service", o->q.service);
        if (ok && o->q.name)
            ok = client_add_param(&c, &path, "name", o->q.name);
        if (ok && o->q.from) {
            snprintf(num, sizeof num, "%" PRIu64, o->q.from);
            ok = client_add_param(&c, &path, "from", num);
        }
        if (ok && o->q.to) {
            snprintf(num, sizeof num, "%" PRIu64, o->q.to);
            ok = client_add_param(&c, &path, "to", num);
        }
        if (ok && cursor)
            ok = client_add_param(&c, &path, "cursor", cursor);
        json_t *page = NULL;
        if (!ok) {
            fprintf(stderr, "coopvm events: out of memory\n");
            rc = CLI_FAIL;
        } else {
            rc = client_call(&c, "GET", path, NULL, NULL, 0, CLIENT_TIMEOUT_S, &page, NULL, NULL);
        }
        free(path);
        if (rc != CLI_OK)
            break;
        const json_t *evs = json_object_get(page, "events"), *next = json_object_get(page, "next_cursor");
        if (!json_is_array(evs) || (next && !json_is_string(next))) {
            fprintf(stderr, "coopvm events: %s/v1/events: the answer has no \"events\" array\n", c.base);
            json_decref(page);
            rc = CLI_FAIL;
            break;
        }
        size_t i;
        const json_t *ev;
        json_array_foreach(evs, i, ev)
        {
            if (o->json) { /* as --data writes it, byte for byte */
                fputs(printed ? ",\n " : "[\n ", stdout);
                json_dump_callback(ev, indented, NULL, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
            } else {
                print_json_line(names, ev);
            }
            printed++;
        }
        fflush(stdout);
        free(cursor);
        cursor = next && json_array_size(evs) ? strdup(json_string_value(next)) : NULL;
        json_decref(page);
        if (!cursor)
            break;
    }
    free(cursor);
    /* the array is closed even after a failure, so what was printed parses */
    if (o->json && (printed || rc == CLI_OK))
        fputs(printed ? "\n]\n" : "[]\n", stdout);
    client_close(&c);
    return rc;
}

int cmd_events(int argc, char **argv)
{
    opts o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    cli_names names = {0};
    if (o.scenario && !cli_names_load("events", o.scenario, &names))
        return CLI_FAIL;
    if (o.node) {
        rc = events_from_node(&o, o.scenario ? &names : NULL);
        cli_names_free(&names);
        return rc;
    }
    cvm_errmsg err;
    cvm_store *s = NULL;
    if (cvm_lmdbstore_open_readonly(NULL, o.data, &s, &err) != CVM_OK) {
        fprintf(stderr, "coopvm events: %s\n", err.text);
        cli_names_free(&names);
        return CLI_FAIL;
    }
    json_walk w = {0, false};
    /* with --to 0 the directory must still be a store; then nothing matches */
    cvm_status st = o.none ? CVM_OK
                         : cvm_store_events_query(s, &o.q, o.json ? add_record : print_line,
                                                  o.json ? (void *)&w : o.scenario ? (void *)&names : NULL);
    if (st != CVM_OK)
        snprintf(err.text, sizeof err.text, "%s", cvm_store_errmsg(s));
    cvm_store_close(s);
    cli_names_free(&names);
    if (st == CVM_OK && w.nomem) {
        st = CVM_ENOMEM;
        snprintf(err.text, sizeof err.text, "out of memory writing the JSON output");
    }
    if (st != CVM_OK) {
        /* the JSON written so far is cut short: the exit status says so */
        if (o.json && w.n)
            putchar('\n');
        fflush(stdout);
        fprintf(stderr, "coopvm events: %s\n", err.text);
        return CLI_FAIL;
    }
    if (o.json)
        fputs(w.n ? "\n]\n" : "[]\n", stdout);
    return CLI_OK;
}
