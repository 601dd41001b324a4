/*
 * cmd_inspect.c — `coopvm inspect`: a module's interface, for people and
 * tools: the contract's metadata, its methods with their signatures, its
 * declared events and its imports.
 *
 * A tool (or a node decoding receipts) reads --json: its keys are stable
 * and documented in docs/assembly.md ("Inspecting a module"). The text form
 * shows the same facts, one per line.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "base/hex.h"
#include "bytecode/module.h"
#include "cli.h"
#include "codec/json.h"
#include "crypto/hash.h"

static const char help[] =
    "usage: coopvm inspect FILE [--json]\n\n"
    "Prints the interface of a contract, given as assembly (.asm) or as a binary\n"
    "module (.cvm): its name, required reputation, cooperative metadata and\n"
    "initial state; each method with its parameters (names and types), results\n"
    "and read-only flag; the events it declares with their fields; the service\n"
    "methods it imports. Also the module's format version, size and code hash\n"
    "(SHA-256 of its bytes, as deployed).\n\n"
    "  --json  one JSON object with stable keys (docs/assembly.md, \"Inspecting\n"
    "          a module\"): contract, format_version, size, code_hash,\n"
    "          required_reputation, cooperative, state, methods, events, imports\n\n"
    "A file that does not assemble or load prints its errors; the exit status is\n"
    "then 1. FILE is at most 4 MiB.\n";

/* ---------------------------------------------------------------- text */

/* Bytes as a double-quoted string, non-printable bytes as \xHH. */
static void put_quoted(const uint8_t *p, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"' || p[i] == '\\')
            printf("\\%c", p[i]);
        else if (p[i] >= 0x20 && p[i] < 0x7f)
            putchar(p[i]);
        else
            printf("\\x%02x", p[i]);
    }
    putchar('"');
}

static void put_quoted_str(const char *s) { put_quoted((const uint8_t *)(s ? s : ""), s ? strlen(s) : 0); }

static const char *type_name(cvm_vtype t)
{
    const char *n = cvm_vtype_name(t);
    return n ? n : "?";
}

/* "(to: bytes, amount: int)" or "(int, int)" */
static void put_params(char *const *names, const cvm_vtype *types, size_t n, bool untyped)
{
    putchar('(');
    for (size_t k = 0; k < n; k++) {
        if (k)
            fputs(", ", stdout);
        if (untyped)
            fputs("int", stdout);
        else if (names)
            printf("%s: %s", names[k], type_name(types ? types[k] : 0));
        else
            fputs(type_name(types ? types[k] : 0), stdout);
    }
    putchar(')');
}

/* " -> int, string" (nothing for no results) */
static void put_results(const cvm_vtype *types, size_t n)
{
    for (size_t k = 0; k < n; k++)
        printf("%s%s", k ? ", " : " -> ", type_name(types ? types[k] : 0));
}

static void text(const cvm_module *m, size_t size, const char *hash)
{
    printf("contract %s\n", m->name);
    printf("  format version %u, %zu bytes, code hash %s\n", cvm_module_format_version(m), size, hash);
    printf("  required reputation %lld\n", (long long)m->required_reputation);
    const cvm_coop_meta *c = &m->coop;
    if (c->present) {
        printf("  cooperative %s: purpose ", c->id);
        put_quoted_str(c->purpose);
        printf(", federation ");
        put_quoted_str(c->federation);
        printf(", cpu %u, memory %u, network %u, storage %u, bandwidth %u\n", c->cpu, c->memory, c->network,
               c->storage, c->bandwidth);
    } else {
        printf("  no cooperative\n");
    }
    for (size_t i = 0; i < m->nstate; i++) {
        printf("  state ");
        put_quoted(m->state[i].key, m->state[i].keylen);
        printf(" = %lld\n", (long long)m->state[i].value);
    }
    printf("methods (%zu):\n", m->nmethods);
    for (size_t i = 0; i < m->nmethods; i++) {
        const cvm_method *me = &m->methods[i];
        printf("  %s", me->name);
        put_params(me->pnames, me->ptypes, me->params, !me->typed);
        if (me->typed)
            put_results(me->rtypes, me->nresults);
        else
            fputs(" -> int", stdout);
        if (me->flags & CVM_METHOD_READONLY)
            fputs("  readonly", stdout);
        if (!me->typed)
            fputs("  untyped", stdout);
        putchar('\n');
    }
    printf("events (%zu):\n", m->nevents);
    for (size_t i = 0; i < m->nevents; i++) {
        const cvm_event_decl *ev = &m->events[i];
        printf("  %s", ev->name);
        put_params(ev->fnames, ev->ftypes, ev->nfields, false);
        putchar('\n');
    }
    printf("imports (%zu):\n", m->nimports);
    for (size_t i = 0; i < m->nimports; i++) {
        const cvm_import *im = &m->imports[i];
        printf("  %s", im->target);
        put_params(NULL, im->ptypes, im->nparams, false);
        put_results(im->rtypes, im->nresults);
        putchar('\n');
    }
}

/* ---------------------------------------------------------------- JSON */

static json_t *name_json(const char *s) { return cvm_json_name((const uint8_t *)(s ? s : ""), s ? strlen(s) : 0); }

/* [{"name": ..., "type": ...}]; names NULL: each name is null. */
static json_t *named_json(char *const *names, const cvm_vtype *types, size_t n, bool untyped)
{
    json_t *a = json_array();
    for (size_t k = 0; a && k < n; k++)
        json_array_append_new(a, json_pack("{s:o, s:s}", "name", names ? json_string(names[k]) : json_null(),
                                           "type", untyped ? "int" : type_name(types ? types[k] : 0)));
    return a;
}

/* ["int", "bytes"] */
static json_t *types_json(const cvm_vtype *types, size_t n)
{
    json_t *a = json_array();
    for (size_t k = 0; a && k < n; k++)
        json_array_append_new(a, json_string(type_name(types ? types[k] : 0)));
    return a;
}

static json_t *coop_json(const cvm_coop_meta *c)
{
    if (!c->present)
        return json_null();
    return json_pack("{s:s, s:o, s:o, s:{s:i, s:i, s:i, s:i, s:i}}", "id", c->id, "purpose", name_json(c->purpose),
                     "federation", name_json(c->federation), "impacts", "cpu", c->cpu, "memory", c->memory,
                     "network", c->network, "storage", c->storage, "bandwidth", c->bandwidth);
}

static json_t *interface_json(const cvm_module *m, size_t size, const char *hash)
{
    json_t *state = json_array(), *methods = json_array(), *events = json_array(), *imports = json_array();
    for (size_t i = 0; state && i < m->nstate; i++)
        json_array_append_new(state, json_pack("{s:o, s:I}", "key", cvm_json_name(m->state[i].key, m->state[i].keylen),
                                               "value", (json_int_t)m->state[i].value));
    for (size_t i = 0; methods && i < m->nmethods; i++) {
        const cvm_method *me = &m->methods[i];
        static const cvm_vtype one_int[] = {CVM_ARG_INT64};
        json_array_append_new(methods,
                              json_pack("{s:s, s:b, s:b, s:o, s:o}", "name", me->name, "readonly",
                                        (me->flags & CVM_METHOD_READONLY) != 0, "typed", me->typed, "params",
                                        named_json(me->pnames, me->ptypes, me->params, !me->typed), "results",
                                        me->typed ? types_json(me->rtypes, me->nresults) : types_json(one_int, 1)));
    }
    for (size_t i = 0; events && i < m->nevents; i++) {
        const cvm_event_decl *ev = &m->events[i];
        json_array_append_new(events, json_pack("{s:s, s:o}", "name", ev->name, "fields",
                                                named_json(ev->fnames, ev->ftypes, ev->nfields, false)));
    }
    for (size_t i = 0; imports && i < m->nimports; i++) {
        const cvm_import *im = &m->imports[i];
        const char *dot = strchr(im->target, '.');
        size_t sl = dot ? (size_t)(dot - im->target) : strlen(im->target);
        json_array_append_new(imports, json_pack("{s:s, s:s%, s:s, s:o, s:o}", "target", im->target, "service",
                                                 im->target, sl, "method", dot ? dot + 1 : "", "params",
                                                 types_json(im->ptypes, im->nparams), "results",
                                                 types_json(im->rtypes, im->nresults)));
    }
    return json_pack("{s:s, s:i, s:I, s:s, s:I, s:o, s:o*, s:o*, s:o*, s:o*}", "contract", m->name, "format_version",
                     (int)cvm_module_format_version(m), "size", (json_int_t)size, "code_hash", hash,
                     "required_reputation", (json_int_t)m->required_reputation, "cooperative", coop_json(&m->coop),
                     "state", state, "methods", methods, "events", events, "imports", imports);
}

/* ---------------------------------------------------------------- command */

int cmd_inspect(int argc, char **argv)
{
    const char *in = NULL;
    bool as_json = false;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(help, stdout);
            return CLI_OK;
        }
        if (strcmp(argv[i], "--json") == 0)
            as_json = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("inspect", "unknown flag '%s'", argv[i]);
        else if (in)
            return cli_usage_error("inspect", "one input file only ('%s' and '%s')", in, argv[i]);
        else
            in = argv[i];
    }
    if (!in)
        return cli_usage_error("inspect", "missing input file");

    cvm_module *m = cli_load_module(in); /* owned; NULL after printing why */
    if (!m)
        return CLI_FAIL;
    uint8_t *bytes = NULL; /* owned: the module as deployed (canonical: a .cvm's own bytes) */
    size_t len = 0;
    int rc = CLI_FAIL;
    if (cvm_module_encode(m, &bytes, &len) != CVM_OK) {
        fprintf(stderr, "coopvm: out of memory\n");
    } else {
        uint8_t h[CVM_SHA256_BYTES];
        char hash[2 * CVM_SHA256_BYTES + 1];
        cvm_sha256(bytes, len, h);
        cvm_hex_write(hash, h, sizeof h);
        if (as_json) {
            json_t *j = interface_json(m, len, hash);
            if (j && json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0) {
                putchar('\n');
                rc = CLI_OK;
            } else {
                fprintf(stderr, "coopvm: out of memory\n");
            }
            json_decref(j);
        } else {
            text(m, len, hash);
            rc = CLI_OK;
        }
    }
    cvm_free(NULL, bytes);
    cvm_module_free(m);
    return rc;
}
