/* PostgreSQL store, the receiving end of `tocsin migrate` (store_copy.c): rows inserted many
 * per statement, a check that a table is empty, and the identity sequences moved past the
 * copied ids. */
#include "store/store_pg_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/err.h"

int tc_pg__insert_rows(tc_store_t *s, const tc_store_table_t *t, const tc_store_value_t *rows,
                       size_t n, char *err, size_t errlen)
{
    if (n == 0)
        return 0;
    size_t nparams = n * (size_t)t->ncolumns;
    const char **values = tc_malloc(nparams * sizeof *values);
    int *lengths = tc_malloc(nparams * sizeof *lengths);
    int *formats = tc_malloc(nparams * sizeof *formats);
    tc_buf_t sql;
    tc_buf_init(&sql, 0);
    tc_buf_printf(&sql, "INSERT INTO %s (%s) VALUES ", t->name, t->columns);
    for (size_t i = 0; i < n; i++) {
        tc_buf_puts(&sql, i ? ",(" : "(");
        for (int c = 0; c < t->ncolumns; c++) {
            size_t k = i * (size_t)t->ncolumns + (size_t)c;
            values[k] = rows[k].p;
            lengths[k] = (int)rows[k].len;
            formats[k] = (t->bytes & (1u << c)) ? 1 : 0;
            tc_buf_printf(&sql, c ? ",$%zu" : "$%zu", k + 1);
        }
        tc_buf_puts(&sql, ")");
    }
    PGresult *r = tc_pg__exec(s, sql.data, (int)nparams, values, lengths, formats, err, errlen);
    int rc = r ? 0 : TC_ESTORE;
    PQclear(r);
    tc_buf_free(&sql);
    free(formats);
    free(lengths);
    free(values);
    return rc;
}

int tc_pg__has_rows(tc_store_t *s, const tc_store_table_t *t, char *err, size_t errlen)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT EXISTS (SELECT 1 FROM %s)", t->name);
    PGresult *r = tc_pg__query(s, sql, NULL, err, errlen);
    if (!r)
        return TC_ESTORE;
    int has = tc_pg__bool_at(r, 0, 0);
    PQclear(r);
    return has;
}

int tc_pg__after_copy(tc_store_t *s, char *err, size_t errlen)
{
    static const char *const tables[] = {"monitor", "audit_log"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT setval(pg_get_serial_sequence('%s', 'id'),"
                 " COALESCE((SELECT MAX(id) FROM %s), 0) + 1, false)",
                 tables[i], tables[i]);
        int rc = tc_pg__run(s, sql, NULL, NULL, err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}
