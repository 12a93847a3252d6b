/* PostgreSQL store, what several nodes share (store_cluster.h): each location's state of each
 * monitor, the leader's decisions and the fence that keeps a deposed leader from writing
 * them. The tables are migration 11's (store_pg.c). The link's thread is store_pg_link.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "store/store_cluster.h"
#include "store/store_pg_int.h"

/* The other nodes LISTEN on this channel for location states (store_pg_link.c). */
#define LOCATIONS_CHANNEL "tocsin_locations"

static int postgres_only(tc_store_t *s, char *err, size_t errlen)
{
    if (strcmp(tc_store_kind(s), "postgresql") == 0)
        return 0;
    snprintf(err, errlen, "several nodes need a PostgreSQL store (storage.postgres)");
    return TC_EINVAL;
}

static const char *state_name(tc_monitor_state_t st)
{
    return tc_monitor_state_name(st);
}

/* The state named @p name, as tc_monitor_state_name() writes it; pending for anything else
 * (a newer node's state this one does not know is no vote). */
static tc_monitor_state_t state_of(const char *name)
{
    for (int st = TC_MONITOR_UNKNOWN; st <= TC_MONITOR_REGIONAL; st++)
        if (strcmp(tc_monitor_state_name((tc_monitor_state_t)st), name) == 0)
            return (tc_monitor_state_t)st;
    return TC_MONITOR_UNKNOWN;
}

int tc_store_put_locations(tc_store_t *s, const tc_location_state_t *rows, size_t n, char *err,
                           size_t errlen)
{
    int rc = postgres_only(s, err, errlen);
    if (rc || n == 0)
        return rc;
    enum { NCOL = 10 };
    tc_buf_t col[NCOL];
    for (int k = 0; k < NCOL; k++) {
        tc_buf_init(&col[k], 0);
        tc_buf_puts(&col[k], "{");
    }
    for (size_t i = 0; i < n; i++) {
        const tc_location_state_t *r = &rows[i];
        char since[24], code[16], ms[40];
        snprintf(since, sizeof since, "%lld", (long long)r->since);
        snprintf(code, sizeof code, "%d", r->status_code);
        snprintf(ms, sizeof ms, "%.17g", r->response_ms);
        const char *values[NCOL] = {r->monitor, r->location, r->node, state_name(r->state),
                                    since, r->reason ? r->reason : "",
                                    r->problem ? r->problem : "", r->summary ? r->summary : "",
                                    code, ms};
        for (int k = 0; k < NCOL; k++)
            tc_pg__array_add(&col[k], values[k]);
    }
    tc_pg_args_t a = {0};
    for (int k = 0; k < NCOL; k++) {
        tc_buf_puts(&col[k], "}");
        tc_pg__text(&a, col[k].data);
    }
    /* The last row of a monitor and location wins (a batch may hold two changes of one). The
     * NOTIFY is queued by the same statement and sent when the transaction commits. */
    rc = tc_pg__run(s,
                    "WITH v AS (SELECT DISTINCT ON (monitor, location) * FROM unnest($1::text[],"
                    " $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[],"
                    " $8::text[], $9::int[], $10::float8[]) WITH ORDINALITY AS v(monitor,"
                    " location, node, state, since, reason, problem, summary, status_code,"
                    " response_ms, ord) ORDER BY monitor, location, ord DESC),"
                    " up AS (INSERT INTO location_state (monitor, location, node, state, since,"
                    " reason, problem, summary, status_code, response_ms) SELECT monitor,"
                    " location, node, state, since, reason, problem, summary, status_code,"
                    " response_ms FROM v ON CONFLICT (monitor, location) DO UPDATE SET"
                    " node = excluded.node, state = excluded.state, since = excluded.since,"
                    " reason = excluded.reason, problem = excluded.problem,"
                    " summary = excluded.summary, status_code = excluded.status_code,"
                    " response_ms = excluded.response_ms, txid = pg_current_xact_id()"
                    " RETURNING 1)"
                    " SELECT pg_notify('" LOCATIONS_CHANNEL "', '') WHERE EXISTS"
                    " (SELECT 1 FROM up)",
                    &a, NULL, err, errlen);
    for (int k = 0; k < NCOL; k++)
        tc_buf_free(&col[k]);
    return rc;
}

static void read_location(const PGresult *r, int i, void *elem)
{
    tc_location_state_t *l = elem;
    l->monitor = tc_pg__dup(r, i, 1);
    l->location = tc_pg__dup(r, i, 2);
    l->node = tc_pg__dup(r, i, 3);
    l->state = state_of(PQgetvalue(r, i, 4));
    l->since = tc_pg__i64(r, i, 5);
    l->reason = tc_pg__dup(r, i, 6);
    l->problem = tc_pg__dup(r, i, 7);
    l->summary = tc_pg__dup(r, i, 8);
    l->status_code = (int)tc_pg__i64(r, i, 9);
    l->response_ms = strtod(PQgetvalue(r, i, 10), NULL);
}

int tc_store_locations_since(tc_store_t *s, int64_t *cursor, tc_location_state_t **out,
                             size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    int rc = postgres_only(s, err, errlen);
    if (rc)
        return rc;
    tc_pg_args_t a = {0};
    tc_pg__int(&a, *cursor);
    /* The first column is the oldest transaction this statement's snapshot cannot see (the
     * same for every row; one more row carries it when no state changed): every state written
     * by a transaction before it is in this answer, every later one has a txid at least as
     * large, so reading from it next time misses nothing. */
    PGresult *r = tc_pg__query(s,
                               "WITH snap AS (SELECT pg_snapshot_xmin(pg_current_snapshot())"
                               " AS xmin) SELECT snap.xmin::text::bigint, l.monitor,"
                               " l.location, l.node, l.state, l.since, l.reason, l.problem,"
                               " l.summary, l.status_code, l.response_ms FROM snap LEFT JOIN"
                               " location_state l ON l.txid >= $1::text::xid8 ORDER BY"
                               " l.txid",
                               &a, err, errlen);
    if (!r)
        return TC_ESTORE;
    int rows = PQntuples(r);
    if (rows > 0)
        *cursor = tc_pg__i64(r, 0, 0);
    if (rows > 0 && !PQgetisnull(r, 0, 1)) {
        *out = tc_calloc((size_t)rows, sizeof **out);
        for (int i = 0; i < rows; i++)
            read_location(r, i, &(*out)[i]);
        *n = (size_t)rows;
    }
    PQclear(r);
    return 0;
}

void tc_store_locations_free(tc_location_state_t *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].monitor);
        free(rows[i].location);
        free(rows[i].node);
        free(rows[i].reason);
        free(rows[i].problem);
        free(rows[i].summary);
    }
    free(rows);
}

int tc_store_put_decisions(tc_store_t *s, const tc_monitor_decision_t *rows, size_t n,
                           int64_t term, char *err, size_t errlen)
{
    int rc = postgres_only(s, err, errlen);
    if (rc || n == 0)
        return rc;
    enum { NCOL = 5 };
    tc_buf_t col[NCOL];
    for (int k = 0; k < NCOL; k++) {
        tc_buf_init(&col[k], 0);
        tc_buf_puts(&col[k], "{");
    }
    for (size_t i = 0; i < n; i++) {
        char since[24];
        snprintf(since, sizeof since, "%lld", (long long)rows[i].since);
        const char *values[NCOL] = {rows[i].monitor, state_name(rows[i].state), since,
                                    rows[i].failing ? rows[i].failing : "",
                                    rows[i].reason ? rows[i].reason : ""};
        for (int k = 0; k < NCOL; k++)
            tc_pg__array_add(&col[k], values[k]);
    }
    tc_pg_args_t a = {0};
    for (int k = 0; k < NCOL; k++) {
        tc_buf_puts(&col[k], "}");
        tc_pg__text(&a, col[k].data);
    }
    tc_pg__int(&a, term);
    /* The last decision of a monitor in the batch wins; an older term's never does. */
    rc = tc_pg__run(s,
                    "INSERT INTO monitor_state (monitor, state, since, failing, reason, term)"
                    " SELECT DISTINCT ON (monitor) monitor, state, since, failing, reason, $6"
                    " FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[])"
                    " WITH ORDINALITY AS v(monitor, state, since, failing, reason, ord)"
                    " ORDER BY monitor, ord DESC"
                    " ON CONFLICT (monitor) DO UPDATE SET state = excluded.state,"
                    " since = excluded.since, failing = excluded.failing,"
                    " reason = excluded.reason, term = excluded.term,"
                    " txid = pg_current_xact_id() WHERE monitor_state.term <= excluded.term",
                    &a, NULL, err, errlen);
    for (int k = 0; k < NCOL; k++)
        tc_buf_free(&col[k]);
    return rc;
}

static void read_decision(const PGresult *r, int i, tc_monitor_decision_t *d)
{
    d->monitor = tc_pg__dup(r, i, 1);
    d->state = state_of(PQgetvalue(r, i, 2));
    d->since = tc_pg__i64(r, i, 3);
    d->failing = tc_pg__dup(r, i, 4);
    d->reason = tc_pg__dup(r, i, 5);
}

int tc_store_decisions_since(tc_store_t *s, int64_t *cursor, tc_monitor_decision_t **out,
                             size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    int rc = postgres_only(s, err, errlen);
    if (rc)
        return rc;
    tc_pg_args_t a = {0};
    tc_pg__int(&a, *cursor);
    /* The same cursor as tc_store_locations_since()'s. */
    PGresult *r = tc_pg__query(s,
                               "WITH snap AS (SELECT pg_snapshot_xmin(pg_current_snapshot())"
                               " AS xmin) SELECT snap.xmin::text::bigint, m.monitor, m.state,"
                               " m.since, m.failing, m.reason FROM snap LEFT JOIN monitor_state"
                               " m ON m.txid >= $1::text::xid8 ORDER BY m.txid",
                               &a, err, errlen);
    if (!r)
        return TC_ESTORE;
    int rows = PQntuples(r);
    if (rows > 0)
        *cursor = tc_pg__i64(r, 0, 0);
    if (rows > 0 && !PQgetisnull(r, 0, 1)) {
        *out = tc_calloc((size_t)rows, sizeof **out);
        for (int i = 0; i < rows; i++)
            read_decision(r, i, &(*out)[i]);
        *n = (size_t)rows;
    }
    PQclear(r);
    return 0;
}

void tc_store_decisions_free(tc_monitor_decision_t *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].monitor);
        free(rows[i].failing);
        free(rows[i].reason);
    }
    free(rows);
}

int tc_store_fence(tc_store_t *s, int64_t term, char *err, size_t errlen)
{
    int rc = postgres_only(s, err, errlen);
    if (rc)
        return rc;
    tc_pg_args_t a = {0};
    tc_pg__int(&a, term);
    /* FOR SHARE: the next leader's UPDATE of the term waits until this transaction ends, so
     * no decision of this term commits after the term moved on. */
    PGresult *r = tc_pg__query(s, "SELECT 1 FROM leader WHERE id = 1 AND term = $1 FOR SHARE",
                               &a, err, errlen);
    if (!r)
        return TC_ESTORE;
    int held = PQntuples(r) == 1;
    PQclear(r);
    if (held)
        return 0;
    if (s->depth > 0)
        s->failed = 1; /* the transaction must not commit (store_pg.c) */
    snprintf(err, errlen, "another node leads now (term %lld is over)", (long long)term);
    return TC_ECANCELED;
}
