/*
 * suggest.h — "did you mean" for a name that was not found: the nearest
 * names of a set by edit distance, and the text a message appends.
 *
 * Distance is the optimal-string-alignment distance (insertions, deletions,
 * substitutions and swaps of neighbours each cost 1), with letters compared
 * without case, so that "incremnt", "Increment" and "icnrement" all find
 * "increment". A name is near when its distance is at most 1 for a name of
 * up to 4 bytes, 2 up to 8, else 3 — close enough to be a typing slip.
 * Deterministic: the same set in the same order gives the same text.
 */
#ifndef CVM_BASE_SUGGEST_H
#define CVM_BASE_SUGGEST_H

#include <stddef.h>

/* The i-th name of set (borrowed; NUL-terminated). */
typedef const char *(*cvm_name_at_fn)(const void *set, size_t i);

/* At most this many names are suggested. */
#define CVM_SUGGEST_MAX 3

/* Fills near[] with up to CVM_SUGGEST_MAX names of set (n names) nearest
 * to want[0..want_len) — only those at the smallest distance found, in set
 * order — and returns how many (0 when none is near). */
size_t cvm_suggest(const char *want, size_t want_len, const void *set, size_t n, cvm_name_at_fn at,
                   const char *near[CVM_SUGGEST_MAX]);

/* Appends to the NUL-terminated text in buf (cap bytes in all) what a
 * message says after "no method 'want'":
 *   " (did you mean 'increment'? methods: get, increment)"
 * The list (after "LABEL: ") is left out when label is NULL; "did you
 * mean" when nothing is near; everything when there is neither. A list too
 * long for buf ends in "...". */
void cvm_suggest_append(char *buf, size_t cap, const char *want, size_t want_len, const void *set, size_t n,
                        cvm_name_at_fn at, const char *label);

#endif
