/* PostgreSQL store, the page's rows: as store_sqlite_components.c (rows kept in step with the
 * config, retired and never deleted, their statuses, the status log, a person's status), with
 * fewer round trips: the stored rows are read in one query and compared here, new ones are
 * inserted in one statement, and a status change is one statement. */
#include "store/store_pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"

/* The columns sync_rows() reads, in this order. */
enum { C_ID, C_STATUS, C_CREATED, C_UPDATED, C_NAME, C_DESCRIPTION, C_GROUP, C_POSITION,
       C_IS_GROUP, C_SHOWCASE, C_ONLY_DEGRADED, C_RETIRED, C_MANUAL };

static int same_text(const PGresult *r, int row, int col, const char *b)
{
    if (PQgetisnull(r, row, col) || !b)
        return PQgetisnull(r, row, col) && !b;
    return strcmp(PQgetvalue(r, row, col), b) == 0;
}

/* The stored row with id @p id in @p r, whose rows are ordered by id (binary). */
static int find_row(const PGresult *r, const char *id)
{
    int lo = 0, hi = PQntuples(r) - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(PQgetvalue(r, mid, C_ID), id);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* Whether stored row @p i differs from configured row @p c (or was retired). */
static int row_changed(const PGresult *r, int i, const tc_store_row_t *c)
{
    return !same_text(r, i, C_NAME, c->name) || !same_text(r, i, C_DESCRIPTION, c->description) ||
           !same_text(r, i, C_GROUP, c->group_id) || tc_pg__i64(r, i, C_POSITION) != c->position ||
           tc_pg__bool_at(r, i, C_IS_GROUP) != c->is_group ||
           tc_pg__bool_at(r, i, C_SHOWCASE) != c->showcase ||
           tc_pg__bool_at(r, i, C_ONLY_DEGRADED) != c->only_show_if_degraded ||
           !PQgetisnull(r, i, C_RETIRED);
}

/* Insert the rows marked new in one statement, each with its first status-log line. */
static int insert_new(tc_store_t *s, const tc_store_row_t *rows, const char *fresh, size_t n,
                      int64_t now, char *err, size_t errlen)
{
    tc_buf_t col[8];
    for (int k = 0; k < 8; k++) {
        tc_buf_init(&col[k], 0);
        tc_buf_puts(&col[k], "{");
    }
    for (size_t i = 0; i < n; i++) {
        if (!fresh[i])
            continue;
        const tc_store_row_t *r = &rows[i];
        char number[16];
        snprintf(number, sizeof number, "%d", r->position);
        tc_pg__array_add(&col[0], r->id);
        tc_pg__array_add(&col[1], r->name);
        tc_pg__array_add(&col[2], r->description);
        tc_pg__array_add(&col[3], r->group_id);
        tc_pg__array_add(&col[4], number);
        tc_pg__array_add(&col[5], r->is_group ? "t" : "f");
        tc_pg__array_add(&col[6], r->showcase ? "t" : "f");
        tc_pg__array_add(&col[7], r->only_show_if_degraded ? "t" : "f");
    }
    tc_pg_args_t a = {0};
    for (int k = 0; k < 8; k++) {
        tc_buf_puts(&col[k], "}");
        tc_pg__text(&a, col[k].data);
    }
    tc_pg__int(&a, now);
    int rc = tc_pg__run(s,
                        "WITH fresh AS (INSERT INTO component (id, name, description, group_id,"
                        " position, is_group, showcase, only_show_if_degraded, created_at,"
                        " updated_at) SELECT *, $9, $9 FROM unnest($1::text[], $2::text[],"
                        " $3::text[], $4::text[], $5::int[], $6::bool[], $7::bool[], $8::bool[])"
                        " RETURNING id)"
                        /* The status log starts when the component does. */
                        " INSERT INTO component_status_log (component_id, at, status)"
                        " SELECT id, $9, 'operational'"
                        " FROM fresh",
                        &a, NULL, err, errlen);
    for (int k = 0; k < 8; k++)
        tc_buf_free(&col[k]);
    return rc;
}

static int update_row(tc_store_t *s, const tc_store_row_t *r, int64_t now, char *err,
                      size_t errlen)
{
    tc_pg_args_t a = {0};
    tc_pg__text(&a, r->id);
    tc_pg__text(&a, r->name);
    tc_pg__text(&a, r->description);
    tc_pg__text(&a, r->group_id);
    tc_pg__int(&a, r->position);
    tc_pg__bool(&a, r->is_group);
    tc_pg__bool(&a, r->showcase);
    tc_pg__bool(&a, r->only_show_if_degraded);
    tc_pg__int(&a, now);
    return tc_pg__run(s,
                      "UPDATE component SET name = $2, description = $3, group_id = $4,"
                      " position = $5, is_group = $6, showcase = $7,"
                      " only_show_if_degraded = $8, updated_at = $9, retired_at = NULL"
                      " WHERE id = $1",
                      &a, NULL, err, errlen);
}

int tc_pg_sync_rows(tc_store_t *s, tc_store_row_t *rows, size_t n, int64_t now, char *err,
                    size_t errlen)
{
    tc_buf_t ids;
    tc_buf_init(&ids, 0);
    tc_buf_puts(&ids, "{");
    for (size_t i = 0; i < n; i++)
        tc_pg__array_add(&ids, rows[i].id);
    tc_buf_puts(&ids, "}");
    char *fresh = tc_calloc(n ? n : 1, 1);
    PGresult *r = NULL;
    int rc = tc_pg_begin(s, err, errlen);
    if (rc)
        goto out;
    tc_pg_args_t a = {0};
    tc_pg__text(&a, ids.data);
    /* Ordered by id in C's byte order (COLLATE "C"), which find_row() searches. */
    r = tc_pg__query(s,
                     "SELECT id, status, created_at, updated_at, name, description, group_id,"
                     " position, is_group, showcase, only_show_if_degraded, retired_at,"
                     " manual_status FROM component WHERE id = ANY($1::text[])"
                     " ORDER BY id COLLATE \"C\"",
                     &a, err, errlen);
    if (!r) {
        rc = TC_ESTORE;
        goto out;
    }
    size_t nfresh = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        tc_store_row_t *c = &rows[i];
        int found = find_row(r, c->id);
        if (found < 0) {
            c->created_at = c->updated_at = now;
            c->status = TC_STATUS_OPERATIONAL;
            fresh[i] = 1;
            nfresh++;
            continue;
        }
        tc_status_t status = TC_STATUS_OPERATIONAL;
        tc_status_parse(PQgetvalue(r, found, C_STATUS), &status);
        c->status = status;
        c->created_at = tc_pg__i64(r, found, C_CREATED);
        c->updated_at = tc_pg__i64(r, found, C_UPDATED);
        c->has_manual = !PQgetisnull(r, found, C_MANUAL) &&
                        tc_status_parse(PQgetvalue(r, found, C_MANUAL), &c->manual_status) == 0;
        if (row_changed(r, found, c)) {
            c->updated_at = now;
            rc = update_row(s, c, now, err, errlen);
        }
    }
    if (!rc && nfresh)
        rc = insert_new(s, rows, fresh, n, now, err, errlen);
    if (!rc) {
        /* Rows no longer configured are retired (kept, with their history). */
        tc_pg_args_t b = {0};
        tc_pg__int(&b, now);
        tc_pg__text(&b, ids.data);
        rc = tc_pg__run(s,
                        "UPDATE component SET retired_at = $1 WHERE retired_at IS NULL"
                        " AND NOT (id = ANY($2::text[]))",
                        &b, NULL, err, errlen);
    }
    if (!rc)
        rc = tc_pg_commit(s, err, errlen);
    else
        tc_pg_rollback(s);
out:
    PQclear(r);
    free(fresh);
    tc_buf_free(&ids);
    return rc;
}

int tc_pg_set_status(tc_store_t *s, const char *id, tc_status_t status, int64_t now, char *err,
                     size_t errlen)
{
    tc_pg_args_t a = {0};
    tc_pg__text(&a, tc_status_name(status));
    tc_pg__int(&a, now);
    tc_pg__text(&a, id);
    /* One statement, so the status and its log line are written together. */
    return tc_pg__run(s,
                      "WITH changed AS (UPDATE component SET status = $1, updated_at = $2"
                      " WHERE id = $3) INSERT INTO component_status_log (component_id, at, status)"
                      " VALUES ($3, $2, $1)",
                      &a, NULL, err, errlen);
}

int tc_pg_status_log(tc_store_t *s, const char *id, int64_t from, tc_status_change_t **out,
                     size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    tc_pg_args_t a = {0};
    tc_pg__text(&a, id);
    tc_pg__int(&a, from);
    /* The last change before @from gives the status at @from; then every later change. */
    PGresult *r = tc_pg__query(s,
                               "SELECT at, status FROM (SELECT at, status FROM"
                               " component_status_log WHERE component_id = $1 AND at < $2"
                               " ORDER BY at DESC LIMIT 1) AS before"
                               " UNION ALL SELECT at, status FROM component_status_log"
                               " WHERE component_id = $1 AND at >= $2 ORDER BY at",
                               &a, err, errlen);
    if (!r)
        return TC_ESTORE;
    int rows = PQntuples(r);
    if (rows > 0)
        *out = tc_malloc((size_t)rows * sizeof **out);
    for (int i = 0; i < rows; i++) {
        tc_status_change_t *c = &(*out)[i];
        c->at = tc_pg__i64(r, i, 0);
        c->status = TC_STATUS_OPERATIONAL;
        tc_status_parse(PQgetvalue(r, i, 1), &c->status);
    }
    *n = (size_t)rows;
    PQclear(r);
    return 0;
}

int tc_pg_replace_import_log(tc_store_t *s, const char *source, const tc_store_log_entry_t *e,
                             size_t n, char *err, size_t errlen)
{
    tc_buf_t col[3];
    for (int k = 0; k < 3; k++) {
        tc_buf_init(&col[k], 0);
        tc_buf_puts(&col[k], "{");
    }
    for (size_t i = 0; i < n; i++) {
        char at[24];
        snprintf(at, sizeof at, "%lld", (long long)e[i].at);
        tc_pg__array_add(&col[0], e[i].component_id);
        tc_pg__array_add(&col[1], at);
        tc_pg__array_add(&col[2], tc_status_name(e[i].status));
    }
    tc_pg_args_t a = {0};
    tc_pg__text(&a, source);
    for (int k = 0; k < 3; k++) {
        tc_buf_puts(&col[k], "}");
        tc_pg__text(&a, col[k].data);
    }
    /* One statement, so the old set goes and the new one comes together; the DELETE does not
     * see the rows the INSERT adds (both read the statement's snapshot). */
    int rc = tc_pg__run(s,
                        "WITH gone AS (DELETE FROM component_status_log WHERE source = $1)"
                        " INSERT INTO component_status_log (component_id, at, status, source)"
                        " SELECT c, t, st, $1 FROM unnest($2::text[], $3::bigint[], $4::text[])"
                        " AS x(c, t, st)",
                        &a, NULL, err, errlen);
    for (int k = 0; k < 3; k++)
        tc_buf_free(&col[k]);
    return rc;
}

int tc_pg_set_manual_status(tc_store_t *s, const char *id, const tc_status_t *status, char *err,
                            size_t errlen)
{
    tc_pg_args_t a = {0};
    tc_pg__text(&a, id);
    tc_pg__text(&a, status ? tc_status_name(*status) : NULL);
    return tc_pg__run(s, "UPDATE component SET manual_status = $2 WHERE id = $1", &a, NULL, err,
                      errlen);
}
