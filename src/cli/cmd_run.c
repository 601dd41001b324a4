/*
 * cmd_run.c — `coopvm run`: one method of one contract on a fresh in-memory
 * chain, with its receipt printed as text or JSON and, on request, a trace
 * of every executed instruction.
 *
 * The chain: the module's initial .state and the --state values are
 * committed at deploy (height 1); the method then runs as one transaction
 * in a read-write overlay, and the receipt's state_diff is what it changed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/hex.h"
#include "cli.h"
#include "run_host.h"
#include "state/value.h"

static const char help[] =
    "usage: coopvm run FILE(.asm|.cvm) [--method NAME] [--arg INT]... [--reputation INT]\n"
    "                  [--gas INT] [--state KEY=INT]... [--trace] [--json]\n"
    "                  [--dispatch auto|switch|goto]\n\n"
    "Runs one method (default main) of a contract in a fresh in-memory state that\n"
    "holds the module's initial state and the --state values, as a signer with the\n"
    "given reputation (default 0) and gas limit (default 1000000). Arguments are\n"
    "pushed in order, the first deepest.\n\n"
    "  --json      print the receipt as one JSON object\n"
    "  --trace     write one JSON object per executed instruction to stderr\n"
    "  --dispatch  choose the interpreter's dispatch (tests use both)\n\n"
    "Exit status: 0 the method succeeded, 1 it failed or the input is bad, 2 usage.\n";

#define MAX_ARGS 64
#define MAX_STATE 256

typedef struct run_opts {
    const char *file;
    const char *method;
    int64_t args[MAX_ARGS];
    size_t nargs;
    run_state_kv state[MAX_STATE];
    size_t nstate;
    int64_t reputation;
    cvm_exec_options exec;
    bool trace, json;
} run_opts;

static int parse_int_flag(const char *flag, const char *value, int64_t *out)
{
    if (!value)
        return cli_usage_error("run", "%s needs a value", flag);
    if (!cli_parse_i64(value, out))
        return cli_usage_error("run", "%s: '%s' is not a 64-bit integer", flag, value);
    return -1;
}

/* Returns -1 when the options are complete, else the exit status. */
static int parse(int argc, char **argv, run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->method = "main";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int rc;
        if (cli_is_help(a)) {
            fputs(help, stdout);
            return CLI_OK;
        } else if (strcmp(a, "--method") == 0) {
            if (!v)
                return cli_usage_error("run", "--method needs a name");
            o->method = v;
            i++;
        } else if (strcmp(a, "--arg") == 0) {
            if (o->nargs == MAX_ARGS)
                return cli_usage_error("run", "at most %d --arg values", MAX_ARGS);
            if ((rc = parse_int_flag(a, v, &o->args[o->nargs++])) >= 0)
                return rc;
            i++;
        } else if (strcmp(a, "--reputation") == 0) {
            if ((rc = parse_int_flag(a, v, &o->reputation)) >= 0)
                return rc;
            i++;
        } else if (strcmp(a, "--gas") == 0) {
            if ((rc = parse_int_flag(a, v, &o->exec.gas_limit)) >= 0)
                return rc;
            if (o->exec.gas_limit <= 0)
                return cli_usage_error("run", "--gas must be positive, not %s", v);
            i++;
        } else if (strcmp(a, "--state") == 0) {
            const char *eq = v ? strchr(v, '=') : NULL;
            if (!eq || eq == v)
                return cli_usage_error("run", "--state needs KEY=INT, not '%s'", v ? v : "");
            if (o->nstate == MAX_STATE)
                return cli_usage_error("run", "at most %d --state values", MAX_STATE);
            run_state_kv *kv = &o->state[o->nstate++];
            kv->key = v;
            kv->keylen = (size_t)(eq - v);
            if (!cli_parse_i64(eq + 1, &kv->value))
                return cli_usage_error("run", "--state %s: '%s' is not a 64-bit integer", v, eq + 1);
            i++;
        } else if (strcmp(a, "--dispatch") == 0) {
            if (v && strcmp(v, "auto") == 0)
                o->exec.dispatch = CVM_DISPATCH_AUTO;
            else if (v && strcmp(v, "switch") == 0)
                o->exec.dispatch = CVM_DISPATCH_SWITCH;
            else if (v && strcmp(v, "goto") == 0)
                o->exec.dispatch = CVM_DISPATCH_GOTO;
            else
                return cli_usage_error("run", "--dispatch takes auto, switch or goto");
            i++;
        } else if (strcmp(a, "--trace") == 0) {
            o->trace = true;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("run", "unknown flag '%s'", a);
        } else if (o->file) {
            return cli_usage_error("run", "one contract file only ('%s' and '%s')", o->file, a);
        } else {
            o->file = a;
        }
    }
    if (!o->file)
        return cli_usage_error("run", "missing contract file");
    return -1;
}

/* --trace: one JSON object per instruction on stderr. */
static void trace_step(void *ud, const cvm_trace_step *s)
{
    (void)ud;
    json_t *o = json_object();
    json_object_set_new(o, "method", json_string(s->method));
    json_object_set_new(o, "pc", json_integer(s->pc));
    json_object_set_new(o, "op", json_string(s->op));
    if (s->has_operand)
        json_object_set_new(o, "operand", s->operand_str ? json_stringn(s->operand_str, s->operand_len)
                                                         : json_integer(s->operand));
    json_object_set_new(o, "depth", json_integer((json_int_t)s->depth));
    json_object_set_new(o, "top", json_integer(s->top));
    json_object_set_new(o, "gas_left", json_integer(s->gas_left));
    json_object_set_new(o, "call_depth", json_integer((json_int_t)s->call_depth));
    if (s->line)
        json_object_set_new(o, "line", json_integer(s->line));
    json_dumpf(o, stderr, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fputc('\n', stderr);
    json_decref(o);
}

/* A JSON string for bytes: themselves when valid UTF-8, else null. */
static json_t *bytes_string(const uint8_t *p, size_t n)
{
    json_t *s = json_stringn((const char *)p, n);
    return s ? s : json_null();
}

static json_t *receipt_json(const cvm_exec_result *res, const run_receipt *rc)
{
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string(cvm_exec_status_name(res->status)));
    json_object_set_new(o, "result", json_integer(res->result));
    json_object_set_new(o, "gas_used", json_integer(res->gas_used));
    if (res->status != CVM_SUCCESS) {
        json_t *e = json_object();
        json_object_set_new(e, "code", json_string(cvm_code_name(res->error.code)));
        json_object_set_new(e, "message", json_string(res->error.message));
        if (res->error.method[0])
            json_object_set_new(e, "method", json_string(res->error.method));
        if (res->error.pc >= 0)
            json_object_set_new(e, "pc", json_integer(res->error.pc));
        if (res->error.line > 0)
            json_object_set_new(e, "line", json_integer(res->error.line));
        json_object_set_new(o, "error", e);
    }
    json_t *events = json_array();
    for (size_t i = 0; i < rc->nevents; i++) {
        const run_event *ev = &rc->events[i];
        json_t *fields = json_object();
        json_object_set_new(fields, "value", json_integer(ev->value));
        json_array_append_new(events, json_pack("{s:o, s:o, s:o}", "service", json_string(rc->service), "name",
                                                bytes_string(ev->name, ev->namelen), "fields", fields));
    }
    json_object_set_new(o, "events", events);
    json_t *diff = json_array();
    for (size_t i = 0; i < rc->diff.count; i++) {
        const cvm_diff_entry *d = &rc->diff.entries[i];
        char *hex = cvm_hex_encode(NULL, d->value, d->value_len);
        json_t *e = json_object();
        json_object_set_new(e, "service", bytes_string(d->service, d->service_len));
        json_object_set_new(e, "key", bytes_string(d->key, d->key_len));
        json_object_set_new(e, "value", json_string(hex ? hex : ""));
        json_array_append_new(diff, e);
        cvm_free(NULL, hex);
    }
    json_object_set_new(o, "state_diff", diff);
    json_t *logs = json_array();
    for (size_t i = 0; i < rc->nlogs; i++) {
        char s[24];
        snprintf(s, sizeof s, "%" PRId64, rc->logs[i]);
        json_array_append_new(logs, json_string(s));
    }
    json_object_set_new(o, "logs", logs);
    return o;
}

static void print_text(const cvm_exec_result *res, const run_receipt *rc)
{
    printf("status    %s\n", cvm_exec_status_name(res->status));
    if (res->status == CVM_SUCCESS) {
        printf("result    %" PRId64 "\n", res->result);
    } else {
        char msg[512];
        cvm_error_format(&res->error, msg, sizeof msg);
        printf("error     %s\n", msg);
    }
    printf("gas used  %" PRId64 "\n", res->gas_used);
    for (size_t i = 0; i < rc->nevents; i++)
        printf("event     %s.%.*s value=%" PRId64 "\n", rc->service, (int)rc->events[i].namelen,
               (const char *)rc->events[i].name, rc->events[i].value);
    for (size_t i = 0; i < rc->diff.count; i++) {
        const cvm_diff_entry *d = &rc->diff.entries[i];
        int64_t v = 0;
        char why[64];
        if (d->value_len == 0)
            printf("state     %.*s %.*s deleted\n", (int)d->service_len, (const char *)d->service, (int)d->key_len,
                   (const char *)d->key);
        else if (cvm_state_i64_decode(d->value, d->value_len, &v, why, sizeof why) == CVM_OK)
            printf("state     %.*s %.*s = %" PRId64 "\n", (int)d->service_len, (const char *)d->service,
                   (int)d->key_len, (const char *)d->key, v);
    }
    for (size_t i = 0; i < rc->nlogs; i++)
        printf("log       %" PRId64 "\n", rc->logs[i]);
}

int cmd_run(int argc, char **argv)
{
    run_opts o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    cvm_module *m = cli_load_module(o.file);
    if (!m)
        return CLI_FAIL;

    run_chain chain;
    char err[256];
    if (run_chain_open(&chain, m, o.state, o.nstate, err, sizeof err) != CVM_OK) {
        fprintf(stderr, "coopvm run: %s\n", err);
        cvm_module_free(m);
        return CLI_FAIL;
    }
    cvm_exec_result res;
    run_receipt receipt;
    cvm_status st = run_chain_call(&chain, o.method, o.args, o.nargs, o.reputation, &o.exec,
                                   o.trace ? trace_step : NULL, NULL, &res, &receipt, err, sizeof err);
    if (st != CVM_OK) {
        fprintf(stderr, "coopvm run: %s\n", err);
        rc = CLI_FAIL;
    } else {
        if (o.json) {
            json_t *j = receipt_json(&res, &receipt);
            json_dumpf(j, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
            putchar('\n');
            json_decref(j);
        } else {
            print_text(&res, &receipt);
        }
        rc = res.status == CVM_SUCCESS ? CLI_OK : CLI_FAIL;
    }
    run_receipt_free(&receipt);
    run_chain_close(&chain);
    cvm_module_free(m);
    return rc;
}
