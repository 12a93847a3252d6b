/* SQLite store, the page's rows: component and group rows kept in step with the config
 * (retired, never deleted), their statuses, the status log uptime is computed from, and the
 * status a person set. */
#include "store/store_sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"

static int same_text(const unsigned char *a, const char *b)
{
    if (!a || !b)
        return !a && !b;
    return strcmp((const char *)a, b) == 0;
}

/* Insert or refresh one row, reading back what the store keeps (status, timestamps). */
static int sync_row(sqlite3 *db, sqlite3_stmt *sel, sqlite3_stmt *ins, sqlite3_stmt *upd,
                    tc_store_row_t *r, int64_t now)
{
    sqlite3_reset(sel);
    sqlite3_bind_text(sel, 1, r->id, -1, SQLITE_STATIC);
    int step = sqlite3_step(sel);
    if (step == SQLITE_DONE) {
        r->created_at = now;
        r->updated_at = now;
        r->status = TC_STATUS_OPERATIONAL;
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, r->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, r->name, -1, SQLITE_STATIC);
        tc_sqlite__bind_text(ins, 3, r->description);
        tc_sqlite__bind_text(ins, 4, r->group_id);
        sqlite3_bind_int(ins, 5, r->position);
        sqlite3_bind_int(ins, 6, r->is_group);
        sqlite3_bind_int(ins, 7, r->showcase);
        sqlite3_bind_int(ins, 8, r->only_show_if_degraded);
        sqlite3_bind_int64(ins, 9, now);
        if (sqlite3_step(ins) != SQLITE_DONE)
            return TC_ESTORE;
        /* The status log starts when the component does, so uptime has its first day. */
        char sql[200];
        snprintf(sql, sizeof sql, "INSERT INTO component_status_log (component_id, at,"
                 " status) VALUES (?1, %lld, 'operational')", (long long)now);
        sqlite3_stmt *log = NULL;
        int rc = sqlite3_prepare_v2(db, sql, -1, &log, NULL) == SQLITE_OK ? 0 : TC_ESTORE;
        if (!rc) {
            sqlite3_bind_text(log, 1, r->id, -1, SQLITE_STATIC);
            rc = sqlite3_step(log) == SQLITE_DONE ? 0 : TC_ESTORE;
        }
        sqlite3_finalize(log);
        return rc;
    }
    if (step != SQLITE_ROW)
        return TC_ESTORE;
    tc_status_t status = TC_STATUS_OPERATIONAL;
    tc_status_parse((const char *)sqlite3_column_text(sel, 0), &status);
    r->status = status;
    r->created_at = sqlite3_column_int64(sel, 1);
    r->updated_at = sqlite3_column_int64(sel, 2);
    r->has_manual = sqlite3_column_type(sel, 11) != SQLITE_NULL &&
                    tc_status_parse((const char *)sqlite3_column_text(sel, 11),
                                    &r->manual_status) == 0;
    int changed = !same_text(sqlite3_column_text(sel, 3), r->name) ||
                  !same_text(sqlite3_column_text(sel, 4), r->description) ||
                  !same_text(sqlite3_column_text(sel, 5), r->group_id) ||
                  sqlite3_column_int(sel, 6) != r->position ||
                  sqlite3_column_int(sel, 7) != r->is_group ||
                  sqlite3_column_int(sel, 8) != r->showcase ||
                  sqlite3_column_int(sel, 9) != r->only_show_if_degraded ||
                  sqlite3_column_type(sel, 10) != SQLITE_NULL;
    if (!changed)
        return 0;
    r->updated_at = now;
    sqlite3_reset(upd);
    sqlite3_bind_text(upd, 1, r->name, -1, SQLITE_STATIC);
    tc_sqlite__bind_text(upd, 2, r->description);
    tc_sqlite__bind_text(upd, 3, r->group_id);
    sqlite3_bind_int(upd, 4, r->position);
    sqlite3_bind_int(upd, 5, r->is_group);
    sqlite3_bind_int(upd, 6, r->showcase);
    sqlite3_bind_int(upd, 7, r->only_show_if_degraded);
    sqlite3_bind_int64(upd, 8, now);
    sqlite3_bind_text(upd, 9, r->id, -1, SQLITE_STATIC);
    return sqlite3_step(upd) == SQLITE_DONE ? 0 : TC_ESTORE;
}

int tc_store_sync_rows(tc_store_t *s, tc_store_row_t *rows, size_t n, int64_t now, char *err,
                       size_t errlen)
{
    sqlite3_stmt *sel = NULL, *ins = NULL, *upd = NULL, *retire = NULL;
    int rc = tc_store_begin(s, err, errlen);
    if (rc)
        return rc;
    /* Rows that are configured again lose their retired mark in the UPDATE below; every other
     * live row is retired first, inside the same transaction. */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT status, created_at, updated_at, name, description, group_id,"
                           " position, is_group, showcase, only_show_if_degraded, retired_at,"
                           " manual_status FROM component WHERE id = ?",
                           -1, &sel, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO component (id, name, description, group_id, position,"
                           " is_group, showcase, only_show_if_degraded, created_at, updated_at)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
                           -1, &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "UPDATE component SET name = ?1, description = ?2, group_id = ?3,"
                           " position = ?4, is_group = ?5, showcase = ?6,"
                           " only_show_if_degraded = ?7, updated_at = ?8, retired_at = NULL"
                           " WHERE id = ?9",
                           -1, &upd, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "UPDATE component SET retired_at = ?1 WHERE retired_at IS NULL"
                           " AND id NOT IN (SELECT value FROM json_each(?2))",
                           -1, &retire, NULL) != SQLITE_OK) {
        rc = tc_sqlite__fail(s->db, "prepare", err, errlen);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        rc = sync_row(s->db, sel, ins, upd, &rows[i], now);
        if (rc) {
            rc = tc_sqlite__fail(s->db, rows[i].id, err, errlen);
            goto out;
        }
    }
    {
        /* The configured ids as a JSON array, so one statement retires the rest. */
        size_t cap = 3;
        for (size_t i = 0; i < n; i++)
            cap += strlen(rows[i].id) + 3;
        char *ids = tc_malloc(cap);
        size_t len = 0;
        ids[len++] = '[';
        for (size_t i = 0; i < n; i++)
            len += (size_t)snprintf(ids + len, cap - len, "%s\"%s\"", i ? "," : "", rows[i].id);
        ids[len++] = ']';
        ids[len] = '\0';
        sqlite3_bind_int64(retire, 1, now);
        sqlite3_bind_text(retire, 2, ids, -1, SQLITE_TRANSIENT);
        free(ids);
        if (sqlite3_step(retire) != SQLITE_DONE) {
            rc = tc_sqlite__fail(s->db, "retire", err, errlen);
            goto out;
        }
    }
    rc = tc_store_commit(s, err, errlen);
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    sqlite3_finalize(upd);
    sqlite3_finalize(retire);
    if (rc) {
        tc_store_rollback(s);
    }
    return rc;
}

int tc_store_set_status(tc_store_t *s, const char *id, tc_status_t status, int64_t now,
                        char *err, size_t errlen)
{
    sqlite3_stmt *upd = NULL, *log = NULL;
    int rc = tc_store_begin(s, err, errlen);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE component SET status = ?1, updated_at = ?2 WHERE id = ?3",
                           -1, &upd, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "INSERT INTO component_status_log (component_id, at, status)"
                           " VALUES (?3, ?2, ?1)", -1,
                           &log, NULL) != SQLITE_OK) {
        rc = tc_sqlite__fail(s->db, "prepare", err, errlen);
        goto out;
    }
    sqlite3_stmt *both[] = {upd, log};
    for (int i = 0; i < 2; i++) {
        sqlite3_bind_text(both[i], 1, tc_status_name(status), -1, SQLITE_STATIC);
        sqlite3_bind_int64(both[i], 2, now);
        sqlite3_bind_text(both[i], 3, id, -1, SQLITE_STATIC);
        if (sqlite3_step(both[i]) != SQLITE_DONE) {
            rc = tc_sqlite__fail(s->db, id, err, errlen);
            goto out;
        }
    }
    rc = tc_store_commit(s, err, errlen);
out:
    sqlite3_finalize(upd);
    sqlite3_finalize(log);
    if (rc) {
        tc_store_rollback(s);
    }
    return rc;
}

int tc_store_status_log(tc_store_t *s, const char *id, int64_t from,
                        tc_status_change_t **out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    /* The last change before @from gives the status at @from; then every later change. */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT at, status FROM (SELECT at, status FROM component_status_log"
                           " WHERE component_id = ?1 AND at < ?2 ORDER BY at DESC LIMIT 1)"
                           " UNION ALL SELECT at, status FROM component_status_log"
                           " WHERE component_id = ?1 AND at >= ?2 ORDER BY at",
                           -1, &st, NULL) != SQLITE_OK)
        return tc_sqlite__fail(s->db, "prepare", err, errlen);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, from);
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = tc_realloc(*out, cap * sizeof **out);
        }
        tc_status_change_t *c = &(*out)[(*n)++];
        c->at = sqlite3_column_int64(st, 0);
        c->status = TC_STATUS_OPERATIONAL;
        tc_status_parse((const char *)sqlite3_column_text(st, 1), &c->status);
    }
    int rc = step == SQLITE_DONE ? 0 : tc_sqlite__fail(s->db, "status log", err, errlen);
    sqlite3_finalize(st);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int tc_store_replace_import_log(tc_store_t *s, const char *source, const tc_store_log_entry_t *e,
                                size_t n, char *err, size_t errlen)
{
    sqlite3_stmt *del = NULL, *ins = NULL;
    int rc = tc_store_begin(s, err, errlen);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM component_status_log WHERE source = ?1", -1,
                           &del, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO component_status_log (component_id, at, status, source)"
                           " VALUES (?1, ?2, ?3, ?4)",
                           -1, &ins, NULL) != SQLITE_OK) {
        rc = tc_sqlite__fail(s->db, "prepare", err, errlen);
        goto out;
    }
    sqlite3_bind_text(del, 1, source, -1, SQLITE_STATIC);
    if (sqlite3_step(del) != SQLITE_DONE) {
        rc = tc_sqlite__fail(s->db, source, err, errlen);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, e[i].component_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 2, e[i].at);
        sqlite3_bind_text(ins, 3, tc_status_name(e[i].status), -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, source, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            rc = tc_sqlite__fail(s->db, source, err, errlen);
            goto out;
        }
    }
    rc = tc_store_commit(s, err, errlen);
out:
    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    if (rc)
        tc_store_rollback(s);
    return rc;
}

int tc_store_set_manual_status(tc_store_t *s, const char *id, const tc_status_t *status,
                               char *err, size_t errlen)
{
    return tc_sqlite__run(s->db, "UPDATE component SET manual_status = ?2 WHERE id = ?1", id,
                          status ? tc_status_name(*status) : NULL, NULL, 0, 0, 0, err, errlen);
}
