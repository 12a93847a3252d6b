/* How store.c and the copy see the SQLite backend: its ops table (store_int.h), and a walk
 * over any table's rows as text and bytes, which `tocsin migrate` copies into PostgreSQL. */
#include "store/store_sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/err.h"

const tc_store_ops_t tc_store_sqlite_ops = {
    .name = "sqlite",
#define TC_SQLITE_OP(name, params, args) .name = tc_sqlite_##name,
    TC_STORE_API(TC_SQLITE_OP)
#undef TC_SQLITE_OP
    .rollback = tc_sqlite_rollback,
    .close = tc_sqlite_close,
};

int tc_sqlite__each_row(tc_store_t *s, const tc_store_table_t *t,
                        int (*fn)(void *ctx, const tc_store_value_t *row), void *ctx,
                        char *err, size_t errlen)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY 1", t->columns, t->name);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return tc_sqlite__fail(s->db, t->name, err, errlen);
    tc_store_value_t *row = tc_calloc((size_t)t->ncolumns, sizeof *row);
    /* Numbers are handed out as text; reals with all 17 digits, so none is rounded on the way
     * (SQLite's own text form keeps 15). */
    char (*numbers)[32] = tc_calloc((size_t)t->ncolumns, sizeof *numbers);
    int rc = 0, step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < t->ncolumns; i++) {
            int type = sqlite3_column_type(st, i);
            if (type == SQLITE_NULL) {
                row[i].p = NULL;
                row[i].len = 0;
            } else if (t->bytes & (1u << i)) {
                row[i].p = sqlite3_column_blob(st, i);
                row[i].len = (size_t)sqlite3_column_bytes(st, i);
                if (!row[i].p)
                    row[i].p = ""; /* an empty blob, not NULL */
            } else if (type == SQLITE_FLOAT) {
                row[i].len = (size_t)snprintf(numbers[i], sizeof numbers[i], "%.17g",
                                              sqlite3_column_double(st, i));
                row[i].p = numbers[i];
            } else {
                row[i].p = (const char *)sqlite3_column_text(st, i);
                row[i].len = (size_t)sqlite3_column_bytes(st, i);
            }
        }
        rc = fn(ctx, row);
    }
    if (!rc && step != SQLITE_DONE)
        rc = tc_sqlite__fail(s->db, t->name, err, errlen);
    free(numbers);
    free(row);
    sqlite3_finalize(st);
    return rc;
}
