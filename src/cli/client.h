/*
 * client.h — what the client commands (`send`, `call`, `receipt`, `block`,
 * `events --node`, `deploy`, `tx build --node`) share: HTTP requests to a
 * node's API (docs/node-api.md) over libcurl, its error shape turned into
 * one line on stderr, and the text views of its answers.
 *
 * Every failure is printed once, where it is found, as
 *   coopvm CMD: URL: reason
 * (a network error with curl's reason and a hint, an API error as
 * "STATUS CODE: message"), and the command exits 1 (CLI_FAIL).
 */
#ifndef CVM_CLI_CLIENT_H
#define CVM_CLI_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "coopvm.h"
#include "names.h"

/* The most bytes of one answer the client keeps: a block of 10,000
 * receipts is well under it; anything larger is refused, not buffered. */
#define CLIENT_REPLY_MAX ((size_t)64 << 20)

/* How long a request may take, in seconds, beyond what it asks the node to
 * wait (?wait=S): a node that accepts the connection and never answers is
 * an error, not a hang. */
#define CLIENT_TIMEOUT_S 60

typedef struct client {
    const char *cmd; /* borrowed: the command's name, for messages */
    char *base;      /* owned: the node's URL, no trailing '/' */
    void *curl;      /* owned: a CURL easy handle, reused (one connection) */
    bool raw;        /* --json: API errors also go to stdout, as answered */
    const cli_names *names; /* borrowed, may be NULL: --scenario's accounts, for the text */
} client;

/* One answer: its HTTP status and its body. */
typedef struct client_reply {
    long status;
    char *body;  /* owned, NUL-terminated */
    size_t len;
    json_t *json; /* owned: the body parsed, NULL when it is not JSON */
} client_reply;

/* Opens a client for the node at url: "http://HOST:PORT" (a trailing '/'
 * or a path prefix is kept as given), "https://...", or "HOST:PORT" taken
 * as http. Returns CLI_OK, CLI_USAGE after a usage error (empty URL,
 * another scheme) or CLI_FAIL (libcurl could not start). */
int client_open(client *c, const char *cmd, const char *url);
void client_close(client *c);
void client_reply_free(client_reply *r);

/* Sends method ("GET" or "POST") to base + path (path starts with '/'),
 * with body[0..len) of content_type for a POST, waiting at most timeout_s
 * seconds for the answer. Returns CLI_OK when an answer came, whatever its
 * status (r filled, the caller frees it), else CLI_FAIL after printing
 * "coopvm CMD: URL: reason" (no answer: the node is down, the connection
 * broke, the time ran out, the answer was over CLIENT_REPLY_MAX). */
int client_request(client *c, const char *method, const char *path, const char *content_type, const void *body,
                   size_t len, long timeout_s, client_reply *r);

/* client_request that also wants a 2xx answer holding a JSON object: on
 * success *out is that object (the caller owns it) and, when raw_out is
 * not NULL, *raw_out the body as answered (owned, free()). Otherwise prints
 * the API's error ("coopvm CMD: URL: 409 DUPLICATE: message") or what is
 * wrong with the answer, and returns CLI_FAIL. *http_status (may be NULL)
 * gets the status, 0 when no answer came. */
int client_call(client *c, const char *method, const char *path, const char *content_type, const void *body,
                size_t len, long timeout_s, json_t **out, char **raw_out, long *http_status);

/* The node's virtual chain id, from GET /v1/status. CLI_OK or CLI_FAIL
 * (printed). */
int client_chain_id(client *c, uint32_t *out);

/* path + "?" / "&" + name=value, the value percent-encoded, appended to the
 * malloc'd string *path (replaced). False when memory ran out. */
bool client_add_param(client *c, char **path, const char *name, const char *value);

/* Waits until transaction hash (64 hex digits) is no longer PENDING or
 * wait_s seconds pass (0: ask once), long-polling GET
 * /v1/transactions/{hash}?wait=. *out is the last answer (owned), *raw_out
 * its body (owned, may be NULL). CLI_OK, or CLI_FAIL printed (404
 * included). */
int client_tx_status(client *c, const char *hash, uint64_t wait_s, json_t **out, char **raw_out);

/* Prints transaction hash's status after waiting up to wait_s seconds
 * (client_tx_status): the text view, or the answer as it is when json.
 * With strict, anything but a committed SUCCESS returns CLI_FAIL. */
int client_wait_and_print(client *c, const char *hash, uint64_t wait_s, bool json, bool strict);

/* POSTs a signed transaction's JSON body[0..len) to /v1/transactions and
 * prints "HASH PENDING" (or the answer when json); with wait, waits for
 * the commit and prints the receipt (client_wait_and_print, strict). */
int client_submit(client *c, const void *body, size_t len, bool wait, bool json);

/* The JSON of a transaction calling service.method(args), signed with the
 * key of key_path (a `keygen --json` file) at virtual chain `chain`, stamped
 * now; NULL after printing why. The caller owns it. */
json_t *client_signed_tx(const char *cmd, const char *key_path, uint32_t chain, const char *service,
                         const char *method, const cvm_arg *args, size_t nargs);

/* ----------------------------------------------------------- text views */

/* The text views take names (may be NULL): an address of one of its
 * accounts prints as the account's name (names.h, --scenario FILE). */

/* A value of the JSON views (codec/json.h) as the text shows it: bytes
 * ("0x" + hex) bare, cut to 16 digits and their length when shorten and
 * long; anything else as compact JSON (strings quoted). */
void client_print_value(const cli_names *names, const json_t *v, bool shorten);

/* An event's fields object as " name=value" for each. */
void client_print_event_fields(const cli_names *names, const json_t *fields);

/* A receipt (the RECEIPT of docs/node-api.md) as `coopvm process` prints
 * one: "SIGNER -> Contract.method(args): STATUS result|outputs, gas N",
 * then an indented line per event. indent: the receipt line's prefix. */
void client_print_receipt(const cli_names *names, const json_t *receipt, const char *indent);

/* The answer of GET /v1/transactions/{hash}: "tx HASH: STATUS ..." and,
 * when committed, its receipt. */
void client_print_tx_status(const cli_names *names, const json_t *answer);

/* A block (GET /v1/blocks/...): its header, receipts and rejections. */
void client_print_block(const cli_names *names, const json_t *block);

/* True when a transaction answer's receipt succeeded (status COMMITTED
 * and receipt status SUCCESS). */
bool client_tx_succeeded(const json_t *answer);

#endif
