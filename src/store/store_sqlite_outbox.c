/* SQLite store, notifications: the outbox (queued in the event's transaction, read and marked
 * by the delivery worker through the engine, pruned with the rollups) and the subscribers
 * whose messages it carries. Unsubscribing drops a subscriber's undelivered rows, which is why
 * both live here. */
#include "store/store_sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"

/* ---- the outbox ---- */

int tc_store_outbox_add(tc_store_t *s, const tc_outbox_t *msgs, size_t n, char *err,
                        size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = tc_store_begin(s, err, errlen);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO outbox (id, target, kind, url, payload,"
                           " created_at, next_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
                           " ?6, ?7) ON CONFLICT (id) DO NOTHING",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = tc_sqlite__fail(s->db, "prepare", err, errlen);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, msgs[i].id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, msgs[i].target, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, msgs[i].kind, -1, SQLITE_STATIC);
        tc_sqlite__bind_text(st, 4, msgs[i].url);
        sqlite3_bind_text(st, 5, msgs[i].payload, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, msgs[i].created_at);
        sqlite3_bind_int64(st, 7, msgs[i].expires_at);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = tc_sqlite__fail(s->db, "outbox", err, errlen);
            goto out;
        }
    }
    rc = tc_store_commit(s, err, errlen);
out:
    sqlite3_finalize(st);
    if (rc) {
        tc_store_rollback(s);
    }
    return rc;
}

/* Append the current row (columns id, target, kind, url, payload, created_at, next_at,
 * expires_at, attempts) to the growing array *out. */
static tc_outbox_t *read_outbox_row(sqlite3_stmt *st, tc_outbox_t **out, size_t *n, size_t *cap)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *out = tc_realloc(*out, *cap * sizeof **out);
    }
    tc_outbox_t *m = &(*out)[(*n)++];
    memset(m, 0, sizeof *m);
    m->id = tc_sqlite__col_dup(st, 0);
    m->target = tc_sqlite__col_dup(st, 1);
    m->kind = tc_sqlite__col_dup(st, 2);
    m->url = tc_sqlite__col_dup(st, 3);
    m->payload = tc_sqlite__col_dup(st, 4);
    m->created_at = sqlite3_column_int64(st, 5);
    m->next_at = sqlite3_column_int64(st, 6);
    m->expires_at = sqlite3_column_int64(st, 7);
    m->attempts = sqlite3_column_int(st, 8);
    return m;
}

int tc_store_outbox_due(tc_store_t *s, int64_t now, const char *claimer,
                        const char *const *skip, size_t nskip, size_t limit, tc_outbox_t **out,
                        size_t *n, char *err, size_t errlen)
{
    (void)claimer; /* one node delivers from a SQLite store: @p skip is all it needs */
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, target, kind, url, payload, created_at, next_at,"
                           " expires_at, attempts FROM outbox WHERE state = 'pending' AND"
                           " next_at <= ?1 ORDER BY next_at LIMIT ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return tc_sqlite__fail(s->db, "prepare", err, errlen);
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)(limit + nskip));
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW && *n < limit) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        int busy = 0;
        for (size_t k = 0; k < nskip && !busy; k++)
            busy = strcmp(skip[k], id) == 0;
        if (busy)
            continue;
        read_outbox_row(st, out, n, &cap);
    }
    int rc = (step == SQLITE_DONE || step == SQLITE_ROW)
                 ? 0
                 : tc_sqlite__fail(s->db, "outbox", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

int tc_store_outbox_mark(tc_store_t *s, const char *id, const char *state, int attempts,
                         int64_t next_at, const char *error, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE outbox SET state = ?2, attempts = ?3, next_at = ?4,"
                           " last_error = ?5 WHERE id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return tc_sqlite__fail(s->db, "prepare", err, errlen);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, attempts);
    sqlite3_bind_int64(st, 4, next_at);
    tc_sqlite__bind_text(st, 5, error);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : tc_sqlite__fail(s->db, "outbox", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

int tc_store_outbox_counts(tc_store_t *s, long counts[3], long *retried)
{
    static const char *const states[] = {"pending", "delivered", "dead"};
    sqlite3_stmt *st = NULL;
    counts[0] = counts[1] = counts[2] = 0;
    *retried = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT state, COUNT(*), SUM(attempts > 1) FROM outbox GROUP BY state",
                           -1, &st, NULL) != SQLITE_OK)
        return TC_ESTORE;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *state = (const char *)sqlite3_column_text(st, 0);
        for (int i = 0; i < 3; i++)
            if (state && strcmp(state, states[i]) == 0)
                counts[i] = (long)sqlite3_column_int64(st, 1);
        *retried += (long)sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    return 0;
}

/* The messages @p sql selects (the columns read_outbox_row() reads, then last_error). */
static int list_state(tc_store_t *s, const char *sql, tc_outbox_t **out, size_t *n, char *err,
                      size_t errlen)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return tc_sqlite__fail(s->db, "prepare", err, errlen);
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        tc_outbox_t *m = read_outbox_row(st, out, n, &cap);
        m->last_error = tc_sqlite__col_dup(st, 9);
    }
    sqlite3_finalize(st);
    return 0;
}

int tc_store_outbox_dead(tc_store_t *s, tc_outbox_t **out, size_t *n, char *err, size_t errlen)
{
    return list_state(s,
                      "SELECT id, target, kind, url, payload, created_at, next_at,"
                      " expires_at, attempts, last_error FROM outbox WHERE state = 'dead'"
                      " ORDER BY created_at DESC LIMIT 500",
                      out, n, err, errlen);
}

int tc_store_outbox_pending(tc_store_t *s, tc_outbox_t **out, size_t *n, char *err,
                            size_t errlen)
{
    return list_state(s,
                      "SELECT id, target, kind, url, payload, created_at, next_at,"
                      " expires_at, attempts, last_error FROM outbox WHERE state = 'pending'"
                      " ORDER BY next_at LIMIT 500",
                      out, n, err, errlen);
}

int tc_store_outbox_retry(tc_store_t *s, const char *id, int64_t now, int64_t expires_at,
                          char *err, size_t errlen)
{
    int rc = tc_sqlite__run(s->db,
                            "UPDATE outbox SET state = 'pending', next_at = ?4, expires_at = ?5,"
                            " attempts = 0 WHERE state = 'dead' AND (id = ?1 OR ?1 = '*')",
                            id, NULL, NULL, 0, now, expires_at, err, errlen);
    if (!rc && sqlite3_changes(s->db) == 0) {
        snprintf(err, errlen, "no dead notification %s", id);
        return TC_ENOENT;
    }
    return rc;
}

int tc_store_outbox_prune(tc_store_t *s, int64_t delivered_before, int64_t dead_before,
                          size_t limit, size_t *deleted, char *err, size_t errlen)
{
    /* Both halves walk the (state, next_at) index; the limit bounds how long one call holds
     * the engine loop when a large backlog is first pruned. */
    sqlite3_stmt *st = NULL;
    if (deleted)
        *deleted = 0;
    if (sqlite3_prepare_v2(s->db,
                           "DELETE FROM outbox WHERE rowid IN ("
                           " SELECT rowid FROM outbox WHERE state = 'delivered' AND next_at < ?1"
                           " UNION ALL"
                           " SELECT rowid FROM outbox WHERE state = 'dead' AND next_at < ?2"
                           " LIMIT ?3)",
                           -1, &st, NULL) != SQLITE_OK)
        return tc_sqlite__fail(s->db, "prepare", err, errlen);
    sqlite3_bind_int64(st, 1, delivered_before);
    sqlite3_bind_int64(st, 2, dead_before);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : tc_sqlite__fail(s->db, "outbox", err, errlen);
    sqlite3_finalize(st);
    if (rc)
        return rc;
    size_t n = (size_t)sqlite3_changes(s->db);
    if (deleted)
        *deleted = n;
    return n == limit ? TC_EAGAIN : 0;
}

/* ---- subscribers ---- */

static void read_subscriber(sqlite3_stmt *st, tc_subscriber_t *sub)
{
    /* Columns: id, kind, address, components, confirmed, created_at, unsubscribed_at. */
    memset(sub, 0, sizeof *sub);
    sub->id = tc_sqlite__col_dup(st, 0);
    sub->kind = tc_sqlite__col_dup(st, 1);
    sub->address = tc_sqlite__col_dup(st, 2);
    sub->components = tc_sqlite__col_dup(st, 3);
    sub->confirmed = sqlite3_column_int(st, 4) != 0;
    sub->created_at = sqlite3_column_int64(st, 5);
    sub->unsubscribed_at = sqlite3_column_int64(st, 6);
}

#define SUB_COLS "id, kind, address, components, confirmed, created_at, " \
                 "COALESCE(unsubscribed_at, 0)"

int tc_store_subscriber_add(tc_store_t *s, const tc_subscriber_t *sub, const char *confirm_hash,
                            char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO subscriber (id, kind, address, components, confirmed,"
                           " created_at, confirm_token_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           -1, &st, NULL) != SQLITE_OK)
        return tc_sqlite__fail(s->db, "prepare", err, errlen);
    sqlite3_bind_text(st, 1, sub->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, sub->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, sub->address, -1, SQLITE_STATIC);
    tc_sqlite__bind_text(st, 4, sub->components);
    sqlite3_bind_int(st, 5, sub->confirmed);
    sqlite3_bind_int64(st, 6, sub->created_at);
    tc_sqlite__bind_text(st, 7, confirm_hash);
    int rc =
        sqlite3_step(st) == SQLITE_DONE ? 0 : tc_sqlite__fail(s->db, "subscriber", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

int tc_store_subscriber_update(tc_store_t *s, const char *id, const char *components,
                               const char *confirm_hash, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE subscriber SET components = ?2,"
                           " confirm_token_hash = COALESCE(?3, confirm_token_hash) WHERE id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return tc_sqlite__fail(s->db, "prepare", err, errlen);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    tc_sqlite__bind_text(st, 2, components);
    tc_sqlite__bind_text(st, 3, confirm_hash);
    int rc =
        sqlite3_step(st) == SQLITE_DONE ? 0 : tc_sqlite__fail(s->db, "subscriber", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

/* One subscriber by a WHERE clause with up to two text parameters. */
static int find_subscriber(tc_store_t *s, const char *where, const char *a, const char *b,
                           tc_subscriber_t *out)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT " SUB_COLS " FROM subscriber WHERE %s", where);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return TC_ESTORE;
    tc_sqlite__bind_text(st, 1, a);
    tc_sqlite__bind_text(st, 2, b);
    int step = sqlite3_step(st);
    int rc = step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? TC_ENOENT : TC_ESTORE;
    if (step == SQLITE_ROW)
        read_subscriber(st, out);
    sqlite3_finalize(st);
    return rc;
}

int tc_store_subscriber_get(tc_store_t *s, const char *id, tc_subscriber_t *out)
{
    return find_subscriber(s, "id = ?1", id, NULL, out);
}

int tc_store_subscriber_find(tc_store_t *s, const char *kind, const char *address,
                             tc_subscriber_t *out)
{
    return find_subscriber(s, "kind = ?1 AND address = ?2 AND unsubscribed_at IS NULL", kind,
                           address, out);
}

int tc_store_subscriber_confirm(tc_store_t *s, const char *confirm_hash, tc_subscriber_t *out)
{
    int rc = find_subscriber(s, "confirm_token_hash = ?1 AND unsubscribed_at IS NULL",
                             confirm_hash, NULL, out);
    if (rc)
        return rc;
    char err[64];
    /* The token is spent: a second use finds nothing, which the page reports kindly. */
    rc = tc_sqlite__run(
        s->db, "UPDATE subscriber SET confirmed = 1, confirm_token_hash = NULL WHERE id = ?1",
        out->id, NULL, NULL, 0, 0, 0, err, sizeof err);
    out->confirmed = true;
    return rc;
}

int tc_store_subscriber_unsubscribe(tc_store_t *s, const char *id, int64_t now, char *err,
                                    size_t errlen)
{
    int rc = tc_store_begin(s, err, errlen);
    if (rc)
        return rc;
    rc = tc_sqlite__run(s->db,
                        "UPDATE subscriber SET unsubscribed_at = ?4, confirm_token_hash = NULL"
                        " WHERE id = ?1 AND unsubscribed_at IS NULL",
                        id, NULL, NULL, 0, now, 0, err, errlen);
    int changed = !rc && sqlite3_changes(s->db) > 0;
    /* What was queued for them and not sent yet is dropped with the subscription. */
    if (!rc) {
        char target[128];
        snprintf(target, sizeof target, "subscriber:%s", id);
        rc = tc_sqlite__run(s->db, "DELETE FROM outbox WHERE target = ?1 AND state <> 'delivered'",
                            target, NULL, NULL, 0, 0, 0, err, errlen);
    }
    if (!rc)
        rc = tc_store_commit(s, err, errlen);
    else
        tc_store_rollback(s);
    if (!rc && !changed) {
        snprintf(err, errlen, "no active subscriber %s", id);
        return TC_ENOENT;
    }
    return rc;
}

int tc_store_subscribers(tc_store_t *s, bool deliverable, tc_subscriber_t **out, size_t *n,
                         char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    const char *sql = deliverable
                          ? "SELECT " SUB_COLS " FROM subscriber WHERE confirmed = 1 AND"
                            " unsubscribed_at IS NULL ORDER BY created_at"
                          : "SELECT " SUB_COLS " FROM subscriber WHERE unsubscribed_at IS NULL"
                            " ORDER BY created_at";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return tc_sqlite__fail(s->db, "prepare", err, errlen);
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = tc_realloc(*out, cap * sizeof **out);
        }
        read_subscriber(st, &(*out)[(*n)++]);
    }
    int rc = step == SQLITE_DONE ? 0 : tc_sqlite__fail(s->db, "subscribers", err, errlen);
    sqlite3_finalize(st);
    return rc;
}
