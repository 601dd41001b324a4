/*
 * cli.h — what the `coopvm` subcommands share: exit statuses, strict number
 * parsing, file reading, loading a module from assembly or binary, and the
 * usage-error convention.
 *
 * Exit statuses: 0 success, 1 the contract failed or the input is bad,
 * 2 a usage error (unknown flag, missing or malformed argument).
 */
#ifndef CVM_CLI_CLI_H
#define CVM_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "coopvm.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* One subcommand: argv[0] is the subcommand's name. */
typedef int (*cli_cmd_fn)(int argc, char **argv);

int cmd_run(int argc, char **argv);
int cmd_asm(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_opcodes(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_tx(int argc, char **argv);
int cmd_process(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_node(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_receipt(int argc, char **argv);
int cmd_call(int argc, char **argv);
int cmd_block(int argc, char **argv);
int cmd_deploy(int argc, char **argv);

/* Prints "coopvm CMD: MESSAGE" and a hint to stderr; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True if arg is "-h" or "--help". */
bool cli_is_help(const char *arg);

/* Parses a whole decimal or 0x-hex int64 (optionally negative). */
bool cli_parse_i64(const char *s, int64_t *out);

/* The most bytes the CLI reads from each kind of file, checked while
 * reading (README "The command line" has the table). A contract file is
 * read whole, even one too large to deploy (a deployment carries at most
 * CVM_ARG_BYTES_MAX bytes of module), so that `coopvm asm` and `disasm`
 * round-trip what they write and the deployment's own limit is the one
 * reported; a transaction may carry 64 arguments of 65,536 bytes written
 * as hex (about 8.4 MB of JSON). */
typedef enum cli_file { CLI_FILE_CONTRACT, CLI_FILE_SCENARIO, CLI_FILE_TX, CLI_FILE_KEY } cli_file;
#define CLI_LIMIT_CONTRACT ((size_t)4 << 20) /* 4 MiB: .asm or .cvm */
#define CLI_LIMIT_SCENARIO ((size_t)64 << 20) /* 64 MiB */
#define CLI_LIMIT_TX ((size_t)16 << 20)      /* 16 MiB: transaction JSON */
#define CLI_LIMIT_KEY ((size_t)4 << 10)      /* 4 KiB: key file JSON */

/* The cap for kind, in bytes. */
size_t cli_file_limit(cli_file kind);

/* Reads a whole file of at most cli_file_limit(kind) bytes into a malloc'd
 * buffer (caller frees; NUL-terminated, not counted in *len). Reading stops
 * at the cap plus one byte, so a device, a FIFO or a huge sparse file ends
 * with "PATH: the file is larger than N bytes, the limit for a scenario".
 * On failure writes "PATH: reason" to err and returns NULL. */
uint8_t *cli_read_file_err(const char *path, cli_file kind, size_t *len, char *err, size_t errcap);

/* cli_read_file_err that prints "coopvm: PATH: reason" on failure. */
uint8_t *cli_read_file(const char *path, cli_file kind, size_t *len);

/* Writes len bytes to path atomically enough for a CLI (temp file + rename);
 * prints the reason and returns false on failure. */
bool cli_write_file(const char *path, const void *data, size_t len);

/* True when a binary module of len bytes fits the code argument of a
 * deployment; else writes why in the user's terms ("the module is 463,528
 * bytes; a deployment carries at most 65,536") and returns false. */
bool cli_module_fits_deployment(size_t len, char *why, size_t cap);

/* Reads (at most kind's cap) and parses a JSON file; prints "coopvm CMD:
 * PATH: reason" (with line and column for malformed JSON) and returns NULL
 * on failure. The caller owns the value. */
json_t *cli_load_json(const char *cmd, const char *path, cli_file kind);

/* Reads a key file as `coopvm keygen --json` writes it into (pk, sk);
 * prints "coopvm CMD: PATH: why" and returns false when it cannot. */
bool cli_load_key(const char *cmd, const char *path, uint8_t pk[CVM_PUBKEY_BYTES], uint8_t sk[CVM_SECRETKEY_BYTES]);

/* The wall clock in ns since the Unix epoch (a transaction's timestamp). */
uint64_t cli_now_ns(void);

/* Loads a module from path: binary if it starts with the module magic or
 * its name ends in .cvm, else assembly (diagnostics printed as
 * FILE:LINE:COL: error: MESSAGE). Returns NULL after printing what went
 * wrong. The caller frees the module. */
cvm_module *cli_load_module(const char *path);

#endif
