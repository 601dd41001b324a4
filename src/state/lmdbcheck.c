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
 *
 * Then every page reachable from either meta page is read (pread) and checked
 * the way LMDB will use it, because LMDB trusts them: a node offset or key
 * size in a page is followed without a bound, and a value's size is handed
 * to the reader as it is, so one damaged byte near the end of the file is a
 * read past it (SIGBUS) inside LMDB or in the reader (found by
 * fuzz/fuzz_store.c). The walk covers the free and main databases and each
 * named database a main-database node records (F_SUBDATA): branch pages
 * above the database's depth and leaf pages at it, each page's own number
 * in its header, bounds within the page, every node and its key and value
 * inside the page, child and overflow page numbers within the last page,
 * overflow runs within the file, no page reached twice (no cycles, no
 * sharing), and the free database's page lists as long as their counts say.
 * No coopvm database is MDB_DUPSORT, so a node with duplicates (F_DUPDATA)
 * is refused: a database that becomes one needs its sub-pages walked here.
 * A node (MDB_node) is two 16-bit halves of the value size, or of a child
 * page number with the flags as its third part, in the machine's order,
 * then the flags and the key size.
 */
#include "state/lmdbcheck.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

#define LMDB_P_BRANCH 0x01u
#define LMDB_P_LEAF 0x02u
#define LMDB_P_OVERFLOW 0x04u
#define LMDB_P_LEAF2 0x20u
#define LMDB_P_SUBP 0x40u
#define LMDB_P_KIND (LMDB_P_BRANCH | LMDB_P_LEAF | LMDB_P_OVERFLOW | LMDB_P_META | LMDB_P_LEAF2 | LMDB_P_SUBP)
#define LMDB_F_BIGDATA 0x01u
#define LMDB_F_SUBDATA 0x02u
#define LMDB_F_DUPDATA 0x04u
#define LMDB_P_INVALID (~(size_t)0)
#define LMDB_CURSOR_STACK 32 /* the deepest tree LMDB's cursors descend */

typedef struct lmdb_node { /* MDB_node up to its key: NODESIZE */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    uint16_t hi, lo;
#else
    uint16_t lo, hi;
#endif
    uint16_t flags, ksize;
} lmdb_node;

/* Which tree a page belongs to: what its leaves hold. */
typedef enum tree_kind { TREE_FREE, TREE_MAIN, TREE_NAMED } tree_kind;

typedef struct walk {
    int fd;
    const char *name;   /* borrowed: the file's name in messages */
    uint64_t psize;
    size_t last_pg;
    uint8_t *seen;      /* owned: a bit per page reached */
    char *err;          /* borrowed */
    size_t errcap;
    bool nomem;
} walk;

static bool walk_fail(walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool walk_fail(walk *w, const char *fmt, ...)
{
    int n = snprintf(w->err, w->errcap, "%s: ", w->name);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < w->errcap)
        vsnprintf(w->err + n, w->errcap - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

/* Marks pages pgno..pgno+n-1 reached; false when one was already (or is
 * past the last page). */
static bool mark(walk *w, const char *db, size_t pgno, size_t n)
{
    if (pgno > w->last_pg || n > w->last_pg - pgno + 1)
        return walk_fail(w, "database %s: page %zu%s is past the last page %zu", db, pgno,
                         n > 1 ? " and the pages after it" : "", w->last_pg);
    for (size_t p = pgno; p < pgno + n; p++) {
        if (w->seen[p / 8] & (1u << (p % 8)))
            return walk_fail(w, "database %s: page %zu is reached twice", db, p);
        w->seen[p / 8] |= (uint8_t)(1u << (p % 8));
    }
    return true;
}

static bool read_at(walk *w, uint64_t off, void *buf, size_t n)
{
    ssize_t got = pread(w->fd, buf, n, (off_t)off);
    if (got != (ssize_t)n) {
        snprintf(w->err, w->errcap, "%s: cannot read %zu bytes at offset %llu: %s", w->name, n,
                 (unsigned long long)off, got < 0 ? strerror(errno) : "short read");
        return false;
    }
    return true;
}

/* The overflow run at pgno holding a value of dsize bytes; first8 (may be
 * NULL) receives the value's first 8 bytes. */
static bool check_overflow(walk *w, const char *db, size_t pgno, uint64_t dsize, uint8_t first8[8])
{
    uint8_t hdr[PAGE_HDR + 8];
    if (pgno < 2 || pgno > w->last_pg)
        return walk_fail(w, "database %s: overflow page %zu is outside pages 2..%zu", db, pgno, w->last_pg);
    if (!read_at(w, (uint64_t)pgno * w->psize, hdr, sizeof hdr))
        return false;
    lmdb_page p;
    memcpy(&p, hdr, PAGE_HDR);
    uint32_t pages = (uint32_t)p.lower | (uint32_t)p.upper << 16; /* mp_pages: the union with the bounds */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    pages = (uint32_t)p.upper | (uint32_t)p.lower << 16;
#endif
    if (p.pgno != pgno || (p.flags & LMDB_P_KIND) != LMDB_P_OVERFLOW || pages == 0)
        return walk_fail(w, "database %s: page %zu is not the overflow page a value names", db, pgno);
    if (dsize > (uint64_t)pages * w->psize - PAGE_HDR)
        return walk_fail(w, "database %s: a value of %llu bytes overflows its %u pages from page %zu", db,
                         (unsigned long long)dsize, (unsigned)pages, pgno);
    if (!mark(w, db, pgno, pages))
        return false;
    if (first8)
        memcpy(first8, hdr + PAGE_HDR, 8);
    return true;
}

static bool walk_tree(walk *w, const char *db, const lmdb_db *rec, tree_kind kind);

/* The free database's values are page lists: a count, then that many page
 * numbers (MDB_IDL), which a writer copies whole. */
static bool check_page_list(walk *w, size_t pgno, uint64_t dsize, const uint8_t first8[8])
{
    size_t count;
    memcpy(&count, first8, sizeof count);
    if (dsize < sizeof count || dsize % sizeof count || count != dsize / sizeof count - 1)
        return walk_fail(w, "database free: page %zu holds a page list of %llu bytes that counts %zu pages", pgno,
                         (unsigned long long)dsize, count);
    return true;
}

/* One page of a tree at level (1 = the root) of depth levels. */
static bool walk_page(walk *w, const char *db, size_t pgno, unsigned level, unsigned depth, tree_kind kind)
{
    if (pgno < 2 || !mark(w, db, pgno, 1))
        return pgno < 2 ? walk_fail(w, "database %s: page %zu is a meta page", db, pgno) : false;
    uint8_t *buf = malloc(w->psize);
    if (!buf) {
        w->nomem = true;
        snprintf(w->err, w->errcap, "%s: out of memory checking its pages", w->name);
        return false;
    }
    bool ok = false;
    if (!read_at(w, (uint64_t)pgno * w->psize, buf, w->psize))
        goto done;
    lmdb_page p;
    memcpy(&p, buf, PAGE_HDR);
    unsigned want = level < depth ? LMDB_P_BRANCH : LMDB_P_LEAF;
    if (p.pgno != pgno || (p.flags & LMDB_P_KIND) != want) {
        walk_fail(w, "database %s: page %zu (level %u of %u) is not a %s page (its header: page %zu, flags %#x)",
                  db, pgno, level, depth, want == LMDB_P_BRANCH ? "branch" : "leaf", p.pgno, (unsigned)p.flags);
        goto done;
    }
    if (p.lower < PAGE_HDR || p.lower > p.upper || p.upper > w->psize || (p.lower - PAGE_HDR) % 2 ||
        (want == LMDB_P_BRANCH && p.lower == PAGE_HDR)) {
        walk_fail(w, "database %s: page %zu has bounds %u..%u", db, pgno, (unsigned)p.lower, (unsigned)p.upper);
        goto done;
    }
    size_t nkeys = (p.lower - PAGE_HDR) / 2;
    for (size_t i = 0; i < nkeys; i++) {
        uint16_t off;
        memcpy(&off, buf + PAGE_HDR + 2 * i, 2);
        lmdb_node n;
        if (off < p.upper || off + sizeof n > w->psize) {
            walk_fail(w, "database %s: page %zu: node %zu at offset %u is outside the page", db, pgno, i,
                      (unsigned)off);
            goto done;
        }
        memcpy(&n, buf + off, sizeof n);
        size_t at = off + sizeof n + n.ksize; /* where the node's value starts */
        if (at > w->psize) {
            walk_fail(w, "database %s: page %zu: the key of node %zu (%u bytes) runs past the page", db, pgno, i,
                      (unsigned)n.ksize);
            goto done;
        }
        if (want == LMDB_P_BRANCH) {
            size_t child = (size_t)n.lo | (size_t)n.hi << 16;
            if (sizeof(size_t) > 4)
                child |= (size_t)n.flags << 16 << 16;
            if (!walk_page(w, db, child, level + 1, depth, kind))
                goto done;
            continue;
        }
        uint64_t dsize = (uint64_t)n.lo | (uint64_t)n.hi << 16;
        uint8_t first8[8] = {0};
        if (n.flags & ~(LMDB_F_BIGDATA | LMDB_F_SUBDATA) || ((n.flags & LMDB_F_SUBDATA) && kind != TREE_MAIN) ||
            (n.flags == (LMDB_F_BIGDATA | LMDB_F_SUBDATA))) {
            walk_fail(w, "database %s: page %zu: node %zu has flags %#x", db, pgno, i, (unsigned)n.flags);
            goto done;
        }
        if (n.flags & LMDB_F_BIGDATA) {
            size_t ov;
            if (at + sizeof ov > w->psize) {
                walk_fail(w, "database %s: page %zu: node %zu's overflow page number runs past the page", db, pgno,
                          i);
                goto done;
            }
            memcpy(&ov, buf + at, sizeof ov);
            if (!check_overflow(w, db, ov, dsize, kind == TREE_FREE ? first8 : NULL))
                goto done;
        } else {
            if (at + dsize > w->psize) {
                walk_fail(w, "database %s: page %zu: the value of node %zu (%llu bytes) runs past the page", db,
                          pgno, i, (unsigned long long)dsize);
                goto done;
            }
            memcpy(first8, buf + at, dsize < 8 ? (size_t)dsize : 8);
        }
        if (kind == TREE_FREE && !check_page_list(w, pgno, dsize, first8))
            goto done;
        if (n.flags & LMDB_F_SUBDATA) {
            lmdb_db rec;
            char name[64];
            if (dsize != sizeof rec) {
                walk_fail(w, "database main: page %zu: node %zu records a database in %llu bytes", pgno, i,
                          (unsigned long long)dsize);
                goto done;
            }
            memcpy(&rec, buf + at, sizeof rec);
            snprintf(name, sizeof name, "%.*s", (int)(n.ksize < 40 ? n.ksize : 40), (const char *)buf + off + sizeof n);
            if (!walk_tree(w, name, &rec, TREE_NAMED))
                goto done;
        }
    }
    ok = true;
done:
    free(buf);
    return ok;
}

static bool walk_tree(walk *w, const char *db, const lmdb_db *rec, tree_kind kind)
{
    if (rec->root == LMDB_P_INVALID)
        return true; /* an empty database */
    if (rec->depth < 1 || rec->depth > LMDB_CURSOR_STACK)
        return walk_fail(w, "database %s has depth %u", db, (unsigned)rec->depth);
    return walk_page(w, db, rec->root, 1, rec->depth, kind);
}

/* Walks the trees of meta m; CVM_OK, CVM_ESTATE, CVM_EIO or CVM_ENOMEM with
 * err filled. */
static cvm_status walk_pages(int fd, const char *name, const lmdb_meta *m, uint64_t psize, uint64_t size, char *err,
                             size_t errcap)
{
    if (m->dbs[0].pad != psize || m->last_pg < 1 || m->last_pg >= size / psize) {
        snprintf(err, errcap, "%s is damaged: a meta page gives page size %u and last page %llu for a file of %llu "
                 "bytes", name, (unsigned)m->dbs[0].pad, (unsigned long long)m->last_pg, (unsigned long long)size);
        return CVM_ESTATE;
    }
    walk w = {fd, name, psize, m->last_pg, NULL, err, errcap, false};
    w.seen = calloc(m->last_pg / 8 + 1, 1);
    if (!w.seen) {
        snprintf(err, errcap, "%s: out of memory checking its pages", name);
        return CVM_ENOMEM;
    }
    err[0] = '\0';
    bool ok = walk_tree(&w, "free", &m->dbs[0], TREE_FREE) && walk_tree(&w, "main", &m->dbs[1], TREE_MAIN);
    free(w.seen);
    if (ok)
        return CVM_OK;
    if (w.nomem)
        return CVM_ENOMEM;
    return strstr(err, "cannot read") ? CVM_EIO : CVM_ESTATE;
}

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
    /* both meta pages' trees: a read transaction takes the meta page the
     * lock file's transaction id names, not the higher id, so a damaged id
     * would send LMDB into the tree not walked (found by fuzz_store); the
     * older snapshot is intact in a sound file, as LMDB reuses its pages
     * only two commits later */
    st = walk_pages(fd, name, newest, out->page_size, out->size, err, errcap);
    if (st == CVM_OK)
        st = walk_pages(fd, name, newest == &m[0] ? &m[1] : &m[0], out->page_size, out->size, err, errcap);
done:
    close(fd);
    return st;
}
