/*
 * value_text.h — how a typed value prints in the text outputs of `coopvm
 * process`, `run` and `events`: one rule for all of them, so that an event
 * reads the same in each (the JSON outputs are the codec's, unchanged).
 */
#ifndef CVM_CLI_VALUE_TEXT_H
#define CVM_CLI_VALUE_TEXT_H

#include <stdbool.h>

#include "coopvm.h"

/* Bytes longer than this show, where the output shortens them, as their
 * first 8 bytes and their length. */
#define CLI_TEXT_BYTES_MAX 16

/* Prints v to stdout: `name` (borrowed, may be NULL) when the caller knows
 * v as an account's address; else an integer or a bool as such, a string
 * as a JSON string ("housing"), bytes bare as 0x and hex (0x, 0x00ff) —
 * with shorten, bytes longer than CLI_TEXT_BYTES_MAX as
 * 0x2e12ed3f1c22859b...(20 bytes). */
void cli_print_value(const cvm_arg *v, const char *name, bool shorten);

#endif
