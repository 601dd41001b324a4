/*
 * client_text.c — the text views of a node's answers (client.h): receipts,
 * transaction statuses and blocks, in the manner of `coopvm process`'s
 * report, read from the API's JSON (docs/node-api.md) rather than from the
 * VM's structures. Anything missing from an answer prints as "?" rather
 * than failing: the text is for people, --json for programs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "names.h"
#include "report.h"

/* A name as is when it is [A-Za-z0-9_.]+, else as a JSON string, so that a
 * line stays one line (as `coopvm events` prints names). */
static void print_name(const char *s)
{
    size_t n = s ? strlen(s) : 0, i = 0;
    while (i < n && (s[i] == '_' || s[i] == '.' || (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
                     (s[i] >= 'A' && s[i] <= 'Z')))
        i++;
    if (!s) {
        fputs("?", stdout);
    } else if (n && i == n) {
        fputs(s, stdout);
    } else {
        json_t *j = json_string(s);
        if (j)
            json_dumpf(j, stdout, JSON_ENCODE_ANY);
        json_decref(j);
    }
}

/* "0x" and an even number of hex digits: bytes in the JSON views. */
static bool is_hex0x(const char *s, size_t n)
{
    if (n < 2 || s[0] != '0' || s[1] != 'x' || n % 2)
        return false;
    for (size_t i = 2; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

void client_print_value(const cli_names *names, const json_t *v, bool shorten)
{
    const char *who = cli_names_of_hex(names, json_string_value(v));
    if (who) { /* bare, as process prints it */
        fputs(who, stdout);
        return;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        if (is_hex0x(s, n)) { /* bytes, bare; a long one cut as process cuts it */
            if (shorten && n > 2 + 32)
                printf("%.18s...(%zu bytes)", s, (n - 2) / 2);
            else
                fputs(s, stdout);
            return;
        }
    }
    json_dumpf(v, stdout, JSON_ENCODE_ANY | JSON_COMPACT);
}

static void print_list(const cli_names *names, const json_t *arr)
{
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (i)
            fputs(", ", stdout);
        client_print_value(names, v, true);
    }
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "?";
}

void client_print_event_fields(const cli_names *names, const json_t *fields)
{
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)fields, k, v)
    {
        putchar(' ');
        print_name(k);
        putchar('=');
        client_print_value(names, v, false);
    }
}

void client_print_receipt(const cli_names *names, const json_t *receipt, const char *indent)
{
    const json_t *tx = json_object_get(receipt, "tx");
    const json_t *addr = json_object_get(tx, "address");
    const char *who = cli_names_of_hex(names, json_string_value(addr));
    printf("%s%s -> ", indent, who ? who : addr ? str(tx, "address") : "(unsigned)");
    print_name(str(tx, "contract"));
    putchar('.');
    print_name(str(tx, "method"));
    putchar('(');
    print_list(names, json_object_get(tx, "args"));
    printf("): %s", str(receipt, "status"));
    const json_t *result = json_object_get(receipt, "result"), *outputs = json_object_get(receipt, "outputs");
    const json_t *err = json_object_get(receipt, "error");
    if (result) {
        fputs(" result ", stdout);
        client_print_value(names, result, true);
    } else if (json_array_size(outputs)) {
        fputs(" outputs (", stdout);
        print_list(names, outputs);
        putchar(')');
    }
    if (json_is_object(err)) {
        printf(" %s: %s", str(err, "code"), str(err, "message"));
        const json_t *m = json_object_get(err, "method"), *pc = json_object_get(err, "pc"),
                     *line = json_object_get(err, "line");
        if (m || pc || line) {
            fputs(" (", stdout);
            if (m)
                printf("method %s%s", json_string_value(m), pc || line ? ", " : "");
            if (pc)
                printf("pc %" JSON_INTEGER_FORMAT "%s", json_integer_value(pc), line ? ", " : "");
            if (line)
                printf("line %" JSON_INTEGER_FORMAT, json_integer_value(line));
            putchar(')');
        }
        /* the reason after, as report_error_text prints it, when the
         * message does not show it whole */
        const json_t *msg = json_object_get(err, "message"), *reason = json_object_get(err, "reason");
        if (json_is_string(reason) &&
            !report_message_shows(json_string_value(msg) ? json_string_value(msg) : "", json_string_length(msg),
                                      json_string_value(reason), json_string_length(reason)))
            printf(" reason %s", json_string_value(reason));
    }
    const json_t *gas = json_object_get(receipt, "gas_used");
    if (gas)
        printf(", gas %" JSON_INTEGER_FORMAT, json_integer_value(gas));
    putchar('\n');
    size_t i;
    const json_t *ev;
    json_array_foreach(json_object_get(receipt, "events"), i, ev)
    {
        printf("%s    event ", indent);
        print_name(str(ev, "service"));
        putchar('.');
        print_name(str(ev, "name"));
        client_print_event_fields(names, json_object_get(ev, "fields"));
        putchar('\n');
    }
}

static json_int_t num(const json_t *o, const char *key) { return json_integer_value(json_object_get(o, key)); }

void client_print_tx_status(const cli_names *names, const json_t *answer)
{
    const char *status = str(answer, "status");
    printf("tx %s: %s", str(answer, "tx_hash"), status);
    if (strcmp(status, "COMMITTED") == 0) {
        printf(" at height %" JSON_INTEGER_FORMAT ", index %" JSON_INTEGER_FORMAT "\n", num(answer, "height"),
               num(answer, "index"));
        client_print_receipt(names, json_object_get(answer, "receipt"), "  ");
    } else if (strcmp(status, "REJECTED") == 0) {
        printf(" at height %" JSON_INTEGER_FORMAT ": %s\n", num(answer, "height"), str(answer, "reason"));
    } else {
        putchar('\n');
    }
}

bool client_tx_succeeded(const json_t *answer)
{
    const char *st = json_string_value(json_object_get(answer, "status"));
    const char *rs = json_string_value(json_object_get(json_object_get(answer, "receipt"), "status"));
    return st && rs && strcmp(st, "COMMITTED") == 0 && strcmp(rs, "SUCCESS") == 0;
}

/* ns since the epoch as "2026-12-06 08:28:28.123 UTC". */
static void print_time(json_int_t ns)
{
    time_t secs = (time_t)(ns / 1000000000);
    struct tm tm;
    char buf[64];
    if (ns >= 0 && gmtime_r(&secs, &tm) && strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm))
        printf("%s.%03d UTC", buf, (int)(ns / 1000000 % 1000));
    else
        printf("%" JSON_INTEGER_FORMAT " ns", ns);
}

void client_print_block(const cli_names *names, const json_t *block)
{
    const json_t *h = json_object_get(block, "header"), *receipts = json_object_get(block, "receipts"),
                 *rejected = json_object_get(block, "rejected");
    printf("block %" JSON_INTEGER_FORMAT "  ", num(h, "height"));
    print_time(num(h, "timestamp"));
    printf(", %zu transaction%s", json_array_size(receipts), json_array_size(receipts) == 1 ? "" : "s");
    if (json_array_size(rejected))
        printf(", %zu rejected by pre-order", json_array_size(rejected));
    printf("\n  hash %s\n  prev %s\n  state commitment %s\n", str(h, "hash"), str(h, "prev_hash"),
           str(h, "state_commitment"));
    size_t i;
    const json_t *r;
    json_array_foreach(receipts, i, r) client_print_receipt(names, r, "  ");
    json_array_foreach(rejected, i, r) printf("  REJECTED %s: %s\n", str(r, "tx_hash"), str(r, "reason"));
}
