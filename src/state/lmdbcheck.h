/*
 * lmdbcheck.h — a look at an LMDB data file before LMDB maps it.
 *
 * LMDB trusts its file: a data.mdb cut short is mapped as it is and the
 * first read past its end is a SIGBUS; an empty one is taken for a new
 * environment and initialised; a damaged node offset or size in a page
 * sends LMDB, or the reader of a value, past the end of the file. So the
 * store reads the file's two meta pages and every page reachable from the
 * newest one itself first (pread, nothing mapped) and refuses what LMDB
 * would crash on or silently restart.
 */
#ifndef CVM_STATE_LMDBCHECK_H
#define CVM_STATE_LMDBCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coopvm.h"

/* What the meta pages of a data file say. */
typedef struct cvm_lmdb_file {
    bool exists;        /* false: no data file (a new store); the rest is 0 */
    uint64_t size;      /* the file's size in bytes */
    uint64_t page_size; /* LMDB's page size, from the meta pages */
    uint64_t used;      /* the bytes the newest meta page's transaction uses: (last page + 1) * page size */
    uint64_t map_size;  /* the map size recorded in that meta page */
} cvm_lmdb_file;

/* Checks the LMDB data file at path (borrowed), called name (borrowed) in
 * messages. CVM_OK with out->exists
 * false when there is none. CVM_ESTATE when it is empty, shorter than its
 * meta pages say (truncated), its meta pages are not LMDB's (magic,
 * version, page size), or a page its trees reach is malformed (lmdbcheck.c
 * lists the checks); CVM_EIO when it cannot be read; CVM_ENOMEM. err (errcap bytes)
 * then says what, naming the file by name; the caller names the directory. */
cvm_status cvm_lmdb_file_check(const char *path, const char *name, cvm_lmdb_file *out, char *err, size_t errcap);

#endif
