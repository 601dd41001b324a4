/*
 * count.h — numbers as a user reads them in messages: "4,483,523", with a
 * comma between groups of three digits, so that a limit a user hits is
 * worded in their terms ("the module is 4,483,523 bytes; a deployment
 * carries at most 65,536").
 */
#ifndef CVM_BASE_COUNT_H
#define CVM_BASE_COUNT_H

#include <stdint.h>

/* Room for any uint64_t with its commas and a NUL. */
#define CVM_COUNT_BUF 32

/* Writes v into buf ("65,536") and returns buf. */
const char *cvm_count(uint64_t v, char buf[CVM_COUNT_BUF]);

#endif
