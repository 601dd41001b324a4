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

#include "coopvm.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* One subcommand: argv[0] is the subcommand's name. */
typedef int (*cli_cmd_fn)(int argc, char **argv);

int cmd_run(int argc, char **argv);
int cmd_asm(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_opcodes(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_tx(int argc, char **argv);
int cmd_process(int argc, char **argv);
int cmd_events(int argc, char **argv);

/* Prints "coopvm CMD: MESSAGE" and a hint to stderr; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True if arg is "-h" or "--help". */
bool cli_is_help(const char *arg);

/* Parses a whole decimal or 0x-hex int64 (optionally negative). */
bool cli_parse_i64(const char *s, int64_t *out);

/* Reads a whole file into a malloc'd buffer (caller frees; NUL-terminated,
 * not counted in *len). On failure prints "coopvm: PATH: reason" and
 * returns NULL. */
uint8_t *cli_read_file(const char *path, size_t *len);

/* Writes len bytes to path atomically enough for a CLI (temp file + rename);
 * prints the reason and returns false on failure. */
bool cli_write_file(const char *path, const void *data, size_t len);

/* Loads a module from path: binary if it starts with the module magic or
 * its name ends in .cvm, else assembly (diagnostics printed as
 * FILE:LINE:COL: error: MESSAGE). Returns NULL after printing what went
 * wrong. The caller frees the module. */
cvm_module *cli_load_module(const char *path);

#endif
