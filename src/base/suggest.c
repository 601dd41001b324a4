/* suggest.c — the nearest names to one not found (see suggest.h). */
#include "base/suggest.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Longer names are never near: no one mistypes 64 bytes into another name,
 * and the rows below stay on the stack. */
#define LONGEST 64

static int lower(char c) { return tolower((unsigned char)c); }

/* Optimal string alignment distance of a and b, letters without case;
 * SIZE_MAX when either is longer than LONGEST. */
static size_t distance(const char *a, size_t na, const char *b, size_t nb)
{
    if (na > LONGEST || nb > LONGEST)
        return SIZE_MAX;
    size_t rows[3][LONGEST + 1]; /* the rows for i - 2, i - 1 and i */
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= nb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t cost = lower(a[i - 1]) != lower(b[j - 1]);
            size_t d = prev[j - 1] + cost;
            if (prev[j] + 1 < d)
                d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]) &&
                prev2[j - 2] + 1 < d)
                d = prev2[j - 2] + 1;
            cur[j] = d;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[nb];
}

size_t cvm_suggest(const char *want, size_t want_len, const void *set, size_t n, cvm_name_at_fn at,
                   const char *near[CVM_SUGGEST_MAX])
{
    size_t best = want_len <= 4 ? 1 : want_len <= 8 ? 2 : 3; /* the farthest a slip reaches */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = at(set, i);
        size_t d = distance(want, want_len, name, strlen(name));
        if (d < best) { /* nearer than all so far: only the nearest are suggested */
            best = d;
            k = 0;
        }
        if (d == best && k < CVM_SUGGEST_MAX)
            near[k++] = name;
    }
    return k;
}

/* Appends text at buf + *len when it fits in room bytes (NUL not counted). */
static bool put(char *buf, size_t room, size_t *len, const char *text)
{
    size_t n = strlen(text);
    if (*len + n > room)
        return false;
    memcpy(buf + *len, text, n + 1);
    *len += n;
    return true;
}

void cvm_suggest_append(char *buf, size_t cap, const char *want, size_t want_len, const void *set, size_t n,
                        cvm_name_at_fn at, const char *label)
{
    const char *near[CVM_SUGGEST_MAX];
    size_t k = cvm_suggest(want, want_len, set, n, at, near);
    bool list = label && n;
    size_t len = strlen(buf);
    if ((!k && !list) || cap < len + 9) /* too little room to say anything */
        return;
    /* Built in tail, each piece only when the closing text still fits
     * after it; appended to buf only when it is whole. */
    size_t room = cap - len - 1, tl = 0;
    char tail[512];
    if (room > sizeof tail - 1)
        room = sizeof tail - 1;
    tail[0] = 0;
    if (!put(tail, room - 1, &tl, " (")) /* room - 1: the closing ')' */
        return;
    if (k) {
        char text[CVM_SUGGEST_MAX * (LONGEST + 8) + 16] = "did you mean ";
        size_t n1 = strlen(text);
        for (size_t i = 0; i < k; i++)
            n1 += (size_t)snprintf(text + n1, sizeof text - n1, "%s'%s'", i == 0 ? "" : i + 1 == k ? " or " : ", ",
                                   near[i]);
        snprintf(text + n1, sizeof text - n1, "?%s", list ? " " : "");
        if (!put(tail, room - 1, &tl, text))
            return;
    }
    if (list) {
        size_t mark = tl;
        if (put(tail, room - 4, &tl, label) && put(tail, room - 4, &tl, ": ")) { /* - 4: "...)" */
            for (size_t i = 0; i < n; i++) {
                bool last = i + 1 == n;
                size_t before = tl;
                /* after a name that is not the last, ", ...)" must still fit */
                if (!(i == 0 || put(tail, room - (last ? 1 : 6), &tl, ", ")) ||
                    !put(tail, room - (last ? 1 : 6), &tl, at(set, i))) {
                    tl = before;
                    tail[tl] = 0;
                    put(tail, room, &tl, i ? ", ..." : "...");
                    break;
                }
            }
        } else {
            tl = mark;
            tail[tl] = 0;
        }
    }
    if (tl && tail[tl - 1] == ' ')
        tail[--tl] = 0;
    put(tail, room, &tl, ")");
    memcpy(buf + len, tail, tl + 1);
}
