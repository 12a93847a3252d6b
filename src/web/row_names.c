/* Rows by the codes that name them; see row_names.h. */
#include "web/row_names.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

/* One (code, row) pair: a code names the row with that id and every row of that group. */
typedef struct pair {
    uint64_t hash; /* 0: an empty slot */
    const char *code;
    size_t row;
} pair_t;

struct tc_row_names {
    pair_t *slot;     /* open addressing, at most half full */
    size_t cap;       /* a power of two */
    uint32_t *seen;   /* per row: the call that listed it last (so each is listed once) */
    size_t nrows;
    uint32_t call;
};

static uint64_t code_hash(const char *p)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h ? h : 1;
}

static void put(tc_row_names_t *t, const char *code, size_t row)
{
    uint64_t h = code_hash(code);
    size_t i = h & (t->cap - 1);
    while (t->slot[i].hash)
        i = (i + 1) & (t->cap - 1);
    t->slot[i] = (pair_t){h, code, row};
}

tc_row_names_t *tc_row_names_new(const tc_view_t *v)
{
    tc_row_names_t *t = tc_calloc(1, sizeof *t);
    t->cap = 16;
    while (t->cap < v->nrows * 4)
        t->cap *= 2;
    t->slot = tc_calloc(t->cap, sizeof *t->slot);
    t->nrows = v->nrows;
    t->seen = tc_calloc(v->nrows ? v->nrows : 1, sizeof *t->seen);
    for (size_t r = 0; r < v->nrows; r++) {
        put(t, v->rows[r].id, r);
        if (v->rows[r].group_id)
            put(t, v->rows[r].group_id, r);
    }
    return t;
}

void tc_row_names_free(tc_row_names_t *t)
{
    if (!t)
        return;
    free(t->slot);
    free(t->seen);
    free(t);
}

static void add_rows(tc_row_names_t *t, const char *code, size_t *rows, size_t *n)
{
    uint64_t h = code_hash(code);
    for (size_t i = h & (t->cap - 1); t->slot[i].hash; i = (i + 1) & (t->cap - 1)) {
        const pair_t *p = &t->slot[i];
        if (p->hash != h || t->seen[p->row] == t->call || strcmp(p->code, code) != 0)
            continue;
        t->seen[p->row] = t->call;
        rows[(*n)++] = p->row;
    }
}

size_t tc_row_names_of(tc_row_names_t *t, const tc_incident_t *i, size_t *rows)
{
    size_t n = 0;
    if (++t->call == 0) { /* after 2^32 calls: no row may look listed by this one */
        memset(t->seen, 0, sizeof *t->seen * t->nrows);
        t->call = 1;
    }
    for (size_t k = 0; k < i->ncomponents; k++)
        add_rows(t, i->component_ids[k], rows, &n);
    for (size_t u = 0; u < i->nupdates; u++)
        for (size_t a = 0; a < i->updates[u].naffected; a++)
            if (i->updates[u].affected[a].code)
                add_rows(t, i->updates[u].affected[a].code, rows, &n);
    return n;
}
