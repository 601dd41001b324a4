/*
 * lmdbcheck.c — the data file's meta pages read and checked before LMDB
 * maps the file (lmdbcheck.h).
 *
 * The layout is LMDB 0.9's (mdb.c, MDB_DATA_VERSION 1): pages 0 and 1 are
 * meta pages, each a page header (MDB_page: page number, pad, flags with
 * P_META, bounds) then an MDB_meta (magic 0xBEEFC0DE, version, address,
 * map size, the free and main databases' records, the last page number,
 * the transaction id). The structs below mirror mdb.c's declarations, so
 * the compiler that lays out liblmdb's lays out these the same way: the
 * file is in the machine's own byte order and word size, as LMDB writes it.
 * LMDB uses the meta page with the higher transaction id; its last page
 * number times the page size is the least the file must hold.
 */
#include "state/lmdbcheck.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LMDB_MAGIC 0xBEEFC0DEu
#define LMDB_DATA_VERSION 1u
#define LMDB_P_META 0x08u

typedef struct lmdb_db {      /* MDB_db */
    uint32_t pad;             /* in the free database's record: the page size */
    uint16_t flags, depth;
    size_t branch_pages, leaf_pages, overflow_pages, entries, root;
} lmdb_db;

typedef struct lmdb_meta {    /* MDB_meta */
    uint32_t magic, version;
    void *address;
    size_t map_size;
    lmdb_db dbs[2];
    size_t last_pg;
    size_t txnid;
} lmdb_meta;

typedef struct lmdb_page {    /* MDB_page up to its first pointer: PAGEHDRSZ */
    size_t pgno;
    uint16_t pad, flags;
    uint16_t lower, upper;
    uint16_t ptrs[1];
} lmdb_page;

#define PAGE_HDR offsetof(lmdb_page, ptrs)

/* Reads and checks meta page i at offset off; false with err filled. */
static bool read_meta(int fd, const char *name, int i, uint64_t off, uint64_t size, lmdb_meta *m, char *err,
                      size_t errcap)
{
    uint8_t buf[PAGE_HDR + sizeof(lmdb_meta)];
    if (off + sizeof buf > size) {
        snprintf(err, errcap, "%s holds %llu bytes, too few for LMDB meta page %d: the file was truncated", name,
                 (unsigned long long)size, i);
        return false;
    }
    ssize_t n = pread(fd, buf, sizeof buf, (off_t)off);
    if (n != (ssize_t)sizeof buf) {
        snprintf(err, errcap, "%s: cannot read meta page %d: %s", name, i, n < 0 ? strerror(errno) : "short read");
        return false;
    }
    lmdb_page hdr;
    memcpy(&hdr, buf, PAGE_HDR);
    memcpy(m, buf + PAGE_HDR, sizeof *m);
    if (!(hdr.flags & LMDB_P_META) || m->magic != LMDB_MAGIC) {
        snprintf(err, errcap, "%s is not an LMDB file, or its meta page %d is damaged (flags %#x, magic %#x)", name,
                 i, (unsigned)hdr.flags, (unsigned)m->magic);
        return false;
    }
    if (m->version != LMDB_DATA_VERSION) {
        snprintf(err, errcap, "%s: meta page %d has LMDB data version %u (%u expected)", name, i,
                 (unsigned)m->version, LMDB_DATA_VERSION);
        return false;
    }
    uint32_t ps = m->dbs[0].pad;
    if (ps < 512 || ps > 65536 || (ps & (ps - 1))) {
        snprintf(err, errcap, "%s: meta page %d gives a page size of %u bytes (a power of two from 512 to 65536 "
                 "expected)", name, i, (unsigned)ps);
        return false;
    }
    return true;
}

cvm_status cvm_lmdb_file_check(const char *path, const char *name, cvm_lmdb_file *out, char *err, size_t errcap)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return CVM_OK;
        snprintf(err, errcap, "cannot open %s: %s", name, strerror(errno));
        return CVM_EIO;
    }
    struct stat sb;
    cvm_status st = CVM_ESTATE;
    lmdb_meta m[2];
    if (fstat(fd, &sb) != 0) {
        snprintf(err, errcap, "cannot stat %s: %s", name, strerror(errno));
        st = CVM_EIO;
        goto done;
    }
    out->exists = true;
    out->size = (uint64_t)sb.st_size;
    if (!S_ISREG(sb.st_mode)) {
        snprintf(err, errcap, "%s is not a regular file", name);
        goto done;
    }
    if (out->size == 0) {
        /* LMDB would take it for a new environment: a chain would start
         * over in a directory that may have held one */
        snprintf(err, errcap,
                 "%s is empty (0 bytes), so the chain it held is lost; refusing to start a new one in its place "
                 "(remove the directory to start afresh)",
                 name);
        goto done;
    }
    if (!read_meta(fd, name, 0, 0, out->size, &m[0], err, errcap))
        goto done;
    /* as LMDB does: meta page 1 is one page (of meta 0's size) further */
    out->page_size = m[0].dbs[0].pad;
    if (!read_meta(fd, name, 1, out->page_size, out->size, &m[1], err, errcap))
        goto done;
    const lmdb_meta *newest = m[1].txnid > m[0].txnid ? &m[1] : &m[0];
    if (newest->dbs[0].pad != out->page_size || newest->last_pg < 1 ||
        newest->last_pg > (UINT64_MAX / out->page_size) - 1) {
        snprintf(err, errcap, "%s: its meta pages disagree on the page size or give last page %llu", name,
                 (unsigned long long)newest->last_pg);
        goto done;
    }
    out->used = ((uint64_t)newest->last_pg + 1) * out->page_size;
    out->map_size = newest->map_size;
    if (out->used > out->size) {
        snprintf(err, errcap,
                 "%s holds %llu bytes, but its last committed transaction uses %llu (%llu pages of %llu): the file "
                 "was truncated",
                 name, (unsigned long long)out->size, (unsigned long long)out->used,
                 (unsigned long long)newest->last_pg + 1, (unsigned long long)out->page_size);
        goto done;
    }
    st = CVM_OK;
done:
    close(fd);
    return st;
}
