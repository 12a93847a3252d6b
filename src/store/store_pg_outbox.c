/* PostgreSQL store, notifications: the outbox and the subscribers whose messages it carries,
 * as store_sqlite_outbox.c. A message's id is its event id, so queuing one twice (two nodes,
 * or a retry of the same event) leaves one row. */
#include "store/store_pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"

/* ---- the outbox ---- */

int tc_pg_outbox_add(tc_store_t *s, const tc_outbox_t *msgs, size_t n, char *err, size_t errlen)
{
    if (n == 0)
        return 0;
    tc_buf_t col[7];
    for (int k = 0; k < 7; k++) {
        tc_buf_init(&col[k], 0);
        tc_buf_puts(&col[k], "{");
    }
    for (size_t i = 0; i < n; i++) {
        char created[24], expires[24];
        snprintf(created, sizeof created, "%lld", (long long)msgs[i].created_at);
        snprintf(expires, sizeof expires, "%lld", (long long)msgs[i].expires_at);
        tc_pg__array_add(&col[0], msgs[i].id);
        tc_pg__array_add(&col[1], msgs[i].target);
        tc_pg__array_add(&col[2], msgs[i].kind);
        tc_pg__array_add(&col[3], msgs[i].url);
        tc_pg__array_add(&col[4], msgs[i].payload);
        tc_pg__array_add(&col[5], created);
        tc_pg__array_add(&col[6], expires);
    }
    tc_pg_args_t a = {0};
    for (int k = 0; k < 7; k++) {
        tc_buf_puts(&col[k], "}");
        tc_pg__text(&a, col[k].data);
    }
    /* One statement: the batch is queued whole or not at all. */
    int rc = tc_pg__run(s,
                        "INSERT INTO outbox (id, target, kind, url, payload, created_at, next_at,"
                        " expires_at) SELECT id, target, kind, url, payload, created, created,"
                        " expires FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
                        " $5::text[], $6::bigint[], $7::bigint[])"
                        " AS v(id, target, kind, url, payload, created, expires)"
                        " ON CONFLICT (id) DO NOTHING",
                        &a, NULL, err, errlen);
    for (int k = 0; k < 7; k++)
        tc_buf_free(&col[k]);
    return rc;
}

#define OUTBOX_COLS "id, target, kind, url, payload, created_at, next_at, expires_at, attempts"

/* Row @p i of @p r (columns OUTBOX_COLS, then last_error when @p with_error) into @p m. */
static void read_outbox_row(const PGresult *r, int i, bool with_error, tc_outbox_t *m)
{
    memset(m, 0, sizeof *m);
    m->id = tc_pg__dup(r, i, 0);
    m->target = tc_pg__dup(r, i, 1);
    m->kind = tc_pg__dup(r, i, 2);
    m->url = tc_pg__dup(r, i, 3);
    m->payload = tc_pg__dup(r, i, 4);
    m->created_at = tc_pg__i64(r, i, 5);
    m->next_at = tc_pg__i64(r, i, 6);
    m->expires_at = tc_pg__i64(r, i, 7);
    m->attempts = (int)tc_pg__i64(r, i, 8);
    if (with_error)
        m->last_error = tc_pg__dup(r, i, 9);
}

/* A row of OUTBOX_COLS. */
static void read_without_error(const PGresult *r, int i, void *elem)
{
    read_outbox_row(r, i, false, elem);
}

/* Claimed in one statement: the rows are locked with SKIP LOCKED, so a second node asking
 * at the same moment takes other rows (or none), and stamped with this node's claim, which
 * keeps them from other nodes until it runs out (a node that died mid-delivery). A node's
 * own unexpired claims are its to take again (after a restart); @p skip leaves out those in
 * flight. */
int tc_pg_outbox_due(tc_store_t *s, int64_t now, const char *claimer, const char *const *skip,
                     size_t nskip, size_t limit, tc_outbox_t **out, size_t *n, char *err,
                     size_t errlen)
{
    *out = NULL;
    *n = 0;
    tc_buf_t busy;
    tc_buf_init(&busy, 0);
    tc_buf_puts(&busy, "{");
    for (size_t k = 0; k < nskip; k++)
        tc_pg__array_add(&busy, skip[k]);
    tc_buf_puts(&busy, "}");
    tc_pg_args_t a = {0};
    tc_pg__int(&a, now);
    tc_pg__int(&a, (int64_t)limit);
    tc_pg__text(&a, claimer ? claimer : "");
    tc_pg__text(&a, busy.data);
    tc_pg__int(&a, now + TC_OUTBOX_CLAIM_MS);
    void *rows = NULL;
    int rc = tc_pg__read_rows(s,
                              "WITH claimed AS (UPDATE outbox SET claimed_by = $3,"
                              " claimed_until = $5 WHERE id IN (SELECT id FROM outbox"
                              " WHERE state = 'pending' AND next_at <= $1 AND"
                              " (claimed_until IS NULL OR claimed_until <= $1 OR"
                              " claimed_by = $3) AND id <> ALL($4::text[])"
                              " ORDER BY next_at LIMIT $2 FOR UPDATE SKIP LOCKED)"
                              " RETURNING " OUTBOX_COLS ")"
                              " SELECT * FROM claimed ORDER BY next_at",
                              &a, sizeof **out, read_without_error, &rows, n, err, errlen);
    *out = rows;
    tc_buf_free(&busy);
    return rc;
}

int tc_pg_outbox_mark(tc_store_t *s, const char *id, const char *state, int attempts,
                      int64_t next_at, const char *error, char *err, size_t errlen)
{
    tc_pg_args_t a = {0};
    tc_pg__text(&a, id);
    tc_pg__text(&a, state);
    tc_pg__int(&a, attempts);
    tc_pg__int(&a, next_at);
    tc_pg__text(&a, error);
    return tc_pg__run(s,
                      "UPDATE outbox SET state = $2, attempts = $3, next_at = $4,"
                      " last_error = $5, claimed_by = NULL, claimed_until = NULL"
                      " WHERE id = $1",
                      &a, NULL, err, errlen);
}

int tc_pg_outbox_counts(tc_store_t *s, long counts[3], long *retried)
{
    static const char *const states[] = {"pending", "delivered", "dead"};
    counts[0] = counts[1] = counts[2] = 0;
    *retried = 0;
    char err[256];
    PGresult *r = tc_pg__query(s,
                               "SELECT state, COUNT(*), COUNT(*) FILTER (WHERE attempts > 1)"
                               " FROM outbox GROUP BY state",
                               NULL, err, sizeof err);
    if (!r)
        return TC_ESTORE;
    for (int i = 0; i < PQntuples(r); i++) {
        for (int k = 0; k < 3; k++)
            if (strcmp(PQgetvalue(r, i, 0), states[k]) == 0)
                counts[k] = (long)tc_pg__i64(r, i, 1);
        *retried += (long)tc_pg__i64(r, i, 2);
    }
    PQclear(r);
    return 0;
}

/* A row of OUTBOX_COLS and last_error. */
static void read_with_error(const PGresult *r, int i, void *elem)
{
    read_outbox_row(r, i, true, elem);
}

/* The messages @p sql selects (OUTBOX_COLS, then last_error). */
static int list_state(tc_store_t *s, const char *sql, tc_outbox_t **out, size_t *n, char *err,
                      size_t errlen)
{
    void *rows = NULL;
    int rc = tc_pg__read_rows(s, sql, NULL, sizeof **out, read_with_error, &rows, n, err,
                              errlen);
    *out = rows;
    return rc;
}

int tc_pg_outbox_dead(tc_store_t *s, tc_outbox_t **out, size_t *n, char *err, size_t errlen)
{
    return list_state(s,
                      "SELECT " OUTBOX_COLS ", last_error FROM outbox WHERE state = 'dead'"
                      " ORDER BY created_at DESC LIMIT 500",
                      out, n, err, errlen);
}

int tc_pg_outbox_pending(tc_store_t *s, tc_outbox_t **out, size_t *n, char *err, size_t errlen)
{
    return list_state(s,
                      "SELECT " OUTBOX_COLS ", last_error FROM outbox WHERE state = 'pending'"
                      " ORDER BY next_at LIMIT 500",
                      out, n, err, errlen);
}

int tc_pg_outbox_retry(tc_store_t *s, const char *id, int64_t now, int64_t expires_at, char *err,
                       size_t errlen)
{
    tc_pg_args_t a = {0};
    tc_pg__text(&a, id);
    tc_pg__int(&a, now);
    tc_pg__int(&a, expires_at);
    long changed = 0;
    int rc = tc_pg__run(s,
                        "UPDATE outbox SET state = 'pending', next_at = $2, expires_at = $3,"
                        " attempts = 0, claimed_by = NULL, claimed_until = NULL"
                        " WHERE state = 'dead' AND (id = $1 OR $1 = '*')",
                        &a, &changed, err, errlen);
    if (!rc && changed == 0) {
        snprintf(err, errlen, "no dead notification %s", id);
        return TC_ENOENT;
    }
    return rc;
}

int tc_pg_outbox_prune(tc_store_t *s, int64_t delivered_before, int64_t dead_before,
                       size_t limit, size_t *deleted, char *err, size_t errlen)
{
    if (deleted)
        *deleted = 0;
    tc_pg_args_t a = {0};
    tc_pg__int(&a, delivered_before);
    tc_pg__int(&a, dead_before);
    tc_pg__int(&a, (int64_t)limit);
    long changed = 0;
    /* Both halves walk the (state, next_at) index; the limit bounds one call. */
    int rc = tc_pg__run(s,
                        "DELETE FROM outbox WHERE id IN ("
                        " (SELECT id FROM outbox WHERE state = 'delivered' AND next_at < $1"
                        " UNION ALL"
                        " SELECT id FROM outbox WHERE state = 'dead' AND next_at < $2)"
                        " LIMIT $3)",
                        &a, &changed, err, errlen);
    if (rc)
        return rc;
    if (deleted)
        *deleted = (size_t)changed;
    return (size_t)changed == limit ? TC_EAGAIN : 0;
}

/* ---- subscribers ---- */

#define SUB_COLS "id, kind, address, components, confirmed, created_at, " \
                 "COALESCE(unsubscribed_at, 0)"

static void read_subscriber(const PGresult *r, int i, void *elem)
{
    tc_subscriber_t *sub = elem;
    memset(sub, 0, sizeof *sub);
    sub->id = tc_pg__dup(r, i, 0);
    sub->kind = tc_pg__dup(r, i, 1);
    sub->address = tc_pg__dup(r, i, 2);
    sub->components = tc_pg__dup(r, i, 3);
    sub->confirmed = tc_pg__bool_at(r, i, 4);
    sub->created_at = tc_pg__i64(r, i, 5);
    sub->unsubscribed_at = tc_pg__i64(r, i, 6);
}

int tc_pg_subscriber_add(tc_store_t *s, const tc_subscriber_t *sub, const char *confirm_hash,
                         char *err, size_t errlen)
{
    tc_pg_args_t a = {0};
    tc_pg__text(&a, sub->id);
    tc_pg__text(&a, sub->kind);
    tc_pg__text(&a, sub->address);
    tc_pg__text(&a, sub->components);
    tc_pg__bool(&a, sub->confirmed);
    tc_pg__int(&a, sub->created_at);
    tc_pg__text(&a, confirm_hash);
    return tc_pg__run(s,
                      "INSERT INTO subscriber (id, kind, address, components, confirmed,"
                      " created_at, confirm_token_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                      &a, NULL, err, errlen);
}

int tc_pg_subscriber_update(tc_store_t *s, const char *id, const char *components,
                            const char *confirm_hash, char *err, size_t errlen)
{
    tc_pg_args_t a = {0};
    tc_pg__text(&a, id);
    tc_pg__text(&a, components);
    tc_pg__text(&a, confirm_hash);
    return tc_pg__run(s,
                      "UPDATE subscriber SET components = $2,"
                      " confirm_token_hash = COALESCE($3, confirm_token_hash) WHERE id = $1",
                      &a, NULL, err, errlen);
}

/* The first subscriber @p sql (with parameters @p a) returns, into @p out. */
static int one_subscriber(tc_store_t *s, const char *sql, const tc_pg_args_t *a,
                          tc_subscriber_t *out)
{
    char err[256];
    PGresult *r = tc_pg__query(s, sql, a, err, sizeof err);
    if (!r)
        return TC_ESTORE;
    int rc = PQntuples(r) > 0 ? 0 : TC_ENOENT;
    if (!rc)
        read_subscriber(r, 0, out);
    PQclear(r);
    return rc;
}

int tc_pg_subscriber_get(tc_store_t *s, const char *id, tc_subscriber_t *out)
{
    tc_pg_args_t a = {0};
    tc_pg__text(&a, id);
    return one_subscriber(s, "SELECT " SUB_COLS " FROM subscriber WHERE id = $1", &a, out);
}

int tc_pg_subscriber_find(tc_store_t *s, const char *kind, const char *address,
                          tc_subscriber_t *out)
{
    tc_pg_args_t a = {0};
    tc_pg__text(&a, kind);
    tc_pg__text(&a, address);
    return one_subscriber(s,
                          "SELECT " SUB_COLS " FROM subscriber WHERE kind = $1 AND address = $2"
                          " AND unsubscribed_at IS NULL ORDER BY created_at LIMIT 1",
                          &a, out);
}

int tc_pg_subscriber_confirm(tc_store_t *s, const char *confirm_hash, tc_subscriber_t *out)
{
    tc_pg_args_t a = {0};
    tc_pg__text(&a, confirm_hash);
    /* Found and spent in one statement: of two nodes given the same link, one confirms and
     * the other finds nothing. */
    return one_subscriber(s,
                          "UPDATE subscriber SET confirmed = true, confirm_token_hash = NULL"
                          " WHERE confirm_token_hash = $1 AND unsubscribed_at IS NULL"
                          " RETURNING " SUB_COLS,
                          &a, out);
}

int tc_pg_subscriber_unsubscribe(tc_store_t *s, const char *id, int64_t now, char *err,
                                 size_t errlen)
{
    tc_pg_args_t a = {0};
    tc_pg__text(&a, id);
    tc_pg__int(&a, now);
    char target[128];
    snprintf(target, sizeof target, "subscriber:%s", id);
    tc_pg_args_t b = {0};
    tc_pg__text(&b, target);
    long changed = 0;
    int rc = tc_pg_begin(s, err, errlen);
    if (rc)
        return rc;
    rc = tc_pg__run(s,
                    "UPDATE subscriber SET unsubscribed_at = $2, confirm_token_hash = NULL"
                    " WHERE id = $1 AND unsubscribed_at IS NULL",
                    &a, &changed, err, errlen);
    /* What was queued for them and not sent yet is dropped with the subscription. */
    if (!rc)
        rc = tc_pg__run(s, "DELETE FROM outbox WHERE target = $1 AND state <> 'delivered'", &b,
                        NULL, err, errlen);
    if (!rc)
        rc = tc_pg_commit(s, err, errlen);
    else
        tc_pg_rollback(s);
    if (!rc && changed == 0) {
        snprintf(err, errlen, "no active subscriber %s", id);
        return TC_ENOENT;
    }
    return rc;
}

int tc_pg_subscribers(tc_store_t *s, bool deliverable, tc_subscriber_t **out, size_t *n,
                      char *err, size_t errlen)
{
    void *rows = NULL;
    int rc = tc_pg__read_rows(s,
                              deliverable
                                  ? "SELECT " SUB_COLS " FROM subscriber WHERE confirmed AND"
                                    " unsubscribed_at IS NULL ORDER BY created_at"
                                  : "SELECT " SUB_COLS " FROM subscriber WHERE"
                                    " unsubscribed_at IS NULL ORDER BY created_at",
                              NULL, sizeof **out, read_subscriber, &rows, n, err, errlen);
    *out = rows;
    return rc;
}
