/* SQLite implementation of store.h: the only file that includes <sqlite3.h>. Migrations are
 * kept here as numbered SQL texts; each runs in its own transaction together with the row
 * that records it, so a crash mid-migration leaves the previous version intact. */
#include "store/store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/dirlock.h"
#include "core/err.h"
#include "core/log.h"

#define MODULE "store"

struct tc_store {
    sqlite3 *db; /* owned */
    int version; /* schema version after migrations */
    int depth;   /* open tx_begin() calls: only the outermost one talks to SQLite */
    int failed;  /* a nested step failed: the outermost end rolls back */
};

/* Append-only: never edit a migration that has shipped; add the next number instead. */
static const struct {
    int version;
    const char *sql;
} migrations[] = {
    {1, "CREATE TABLE component ("
        "  id TEXT PRIMARY KEY,"
        "  name TEXT NOT NULL,"
        "  description TEXT,"
        "  group_id TEXT,"
        "  position INTEGER NOT NULL,"
        "  is_group INTEGER NOT NULL DEFAULT 0,"
        "  showcase INTEGER NOT NULL DEFAULT 1,"
        "  only_show_if_degraded INTEGER NOT NULL DEFAULT 0,"
        "  status TEXT NOT NULL DEFAULT 'operational',"
        "  created_at INTEGER NOT NULL,"
        "  updated_at INTEGER NOT NULL,"
        "  retired_at INTEGER"
        ");"},
    /* Results are the bulk of the database: integer keys, integer microseconds and no
     * rowid keep a row near 19 bytes (27 KB per monitor per day at one run a minute). */
    {2, "CREATE TABLE monitor (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
        "CREATE TABLE result ("
        "  monitor INTEGER NOT NULL,"
        "  at INTEGER NOT NULL,"
        "  verdict INTEGER NOT NULL,"
        "  latency_us INTEGER,"
        "  reason TEXT,"
        "  PRIMARY KEY (monitor, at)"
        ") WITHOUT ROWID;"},
    {3, "CREATE TABLE component_status_log ("
        "  component_id TEXT NOT NULL,"
        "  at INTEGER NOT NULL,"
        "  status TEXT NOT NULL"
        ");"
        "CREATE INDEX component_status_log_id_at ON component_status_log (component_id, at);"
        "INSERT INTO component_status_log SELECT id, created_at, status FROM component;"
        /* Aggregates: one row per monitor and UTC hour (day), kept far longer than raw
         * results so storage stays bounded. Latencies in ms. */
        "CREATE TABLE result_hourly ("
        "  monitor INTEGER NOT NULL, start INTEGER NOT NULL, checks INTEGER NOT NULL,"
        "  failures INTEGER NOT NULL, degraded INTEGER NOT NULL, lat_min REAL, lat_avg REAL,"
        "  lat_max REAL, lat_p95 REAL, PRIMARY KEY (monitor, start)) WITHOUT ROWID;"
        "CREATE TABLE result_daily ("
        "  monitor INTEGER NOT NULL, start INTEGER NOT NULL, checks INTEGER NOT NULL,"
        "  failures INTEGER NOT NULL, degraded INTEGER NOT NULL, lat_min REAL, lat_avg REAL,"
        "  lat_max REAL, lat_p95 REAL, PRIMARY KEY (monitor, start)) WITHOUT ROWID;"
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"},
    /* Incidents are kept whole, as their JSON document (incident.c writes and reads it): the
     * engine holds every incident in memory and never queries inside them. */
    {4, "CREATE TABLE incident ("
        "  id TEXT PRIMARY KEY,"
        "  seq INTEGER NOT NULL UNIQUE,"
        "  doc TEXT NOT NULL,"
        "  updated_at INTEGER NOT NULL"
        ");"
        "CREATE TABLE api_key ("
        "  id TEXT PRIMARY KEY,"
        "  name TEXT NOT NULL,"
        "  hash BLOB NOT NULL UNIQUE,"
        "  created_at INTEGER NOT NULL,"
        "  revoked_at INTEGER"
        ");"
        "ALTER TABLE component ADD COLUMN manual_status TEXT;"},
    /* The notification outbox: written before any delivery is tried, so a crash or a
     * receiver that is down loses nothing. Channel URLs and secrets are not stored: they
     * come from the config when the message is sent. */
    {5, "CREATE TABLE outbox ("
        "  id TEXT PRIMARY KEY,"          /* the delivery's idempotency key */
        "  target TEXT NOT NULL,"         /* channel id, or 'subscriber:<id>' */
        "  kind TEXT NOT NULL,"           /* webhook, slack, discord, teams, pagerduty, email */
        "  url TEXT,"                     /* only for subscriber webhooks */
        "  payload TEXT NOT NULL,"
        "  created_at INTEGER NOT NULL,"
        "  next_at INTEGER NOT NULL,"
        "  expires_at INTEGER NOT NULL,"
        "  attempts INTEGER NOT NULL DEFAULT 0,"
        "  state TEXT NOT NULL DEFAULT 'pending',"  /* pending, delivered, dead */
        "  last_error TEXT"
        ");"
        "CREATE INDEX outbox_due ON outbox (state, next_at);"},
    /* Subscribers: e-mail addresses wait for their confirmation link (only its hash is
     * kept); components is a JSON array of ids, NULL for the whole page. Unsubscribed rows
     * are kept (unsubscribed_at) so the write API can show what happened. Settings hold
     * server secrets created at first start (the key that signs unsubscribe links). */
    {6, "CREATE TABLE subscriber ("
        "  id TEXT PRIMARY KEY,"
        "  kind TEXT NOT NULL,"           /* email, webhook */
        "  address TEXT NOT NULL,"
        "  components TEXT,"
        "  confirmed INTEGER NOT NULL DEFAULT 0,"
        "  created_at INTEGER NOT NULL,"
        "  confirm_token_hash TEXT,"
        "  unsubscribed_at INTEGER"
        ");"
        "CREATE INDEX subscriber_address ON subscriber (kind, address);"
        "CREATE INDEX subscriber_confirm ON subscriber (confirm_token_hash);"
        "CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"},
};

static int fail(sqlite3 *db, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
    return TC_ESTORE;
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return TC_ESTORE;
    }
    return 0;
}

/* Transactions nest so that several store calls can form one (tc_store_begin()): an event
 * and the notifications it causes are committed together or not at all. */
static int tx_begin(tc_store_t *s, char *err, size_t errlen)
{
    if (s->depth++ > 0)
        return 0;
    s->failed = 0;
    int rc = exec(s->db, "BEGIN IMMEDIATE", err, errlen);
    if (rc)
        s->depth = 0;
    return rc;
}

static int tx_commit(tc_store_t *s, char *err, size_t errlen)
{
    if (--s->depth > 0)
        return 0;
    if (s->failed) {
        char ignored[8];
        exec(s->db, "ROLLBACK", ignored, sizeof ignored);
        snprintf(err, errlen, "an earlier step of the transaction failed");
        return TC_ESTORE;
    }
    int rc = exec(s->db, "COMMIT", err, errlen);
    /* A failed COMMIT (disk full, I/O error) can leave the transaction open: end it, so
     * the next BEGIN works. */
    if (rc && !sqlite3_get_autocommit(s->db)) {
        char ignored[8];
        exec(s->db, "ROLLBACK", ignored, sizeof ignored);
    }
    return rc;
}

static void tx_rollback(tc_store_t *s)
{
    /* After a failed outermost commit the transaction is already over; callers still call
     * this on their error path, which must not push the depth below zero. */
    if (s->depth <= 0) {
        s->depth = 0;
        if (!sqlite3_get_autocommit(s->db)) {
            char ignored[8];
            exec(s->db, "ROLLBACK", ignored, sizeof ignored);
        }
        return;
    }
    if (--s->depth > 0) {
        s->failed = 1;
        return;
    }
    char ignored[8];
    exec(s->db, "ROLLBACK", ignored, sizeof ignored);
}

int tc_store_begin(tc_store_t *s, char *err, size_t errlen)
{
    return tx_begin(s, err, errlen);
}

int tc_store_commit(tc_store_t *s, char *err, size_t errlen)
{
    return tx_commit(s, err, errlen);
}

void tc_store_rollback(tc_store_t *s)
{
    tx_rollback(s);
}

static int current_version(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int v = 0;
    if (sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migration", -1,
                           &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int migrate(tc_store_t *s, char *err, size_t errlen)
{
    int rc = exec(s->db,
                  "CREATE TABLE IF NOT EXISTS schema_migration ("
                  " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
                  err, errlen);
    if (rc)
        return rc;
    s->version = current_version(s->db);
    for (size_t i = 0; i < sizeof migrations / sizeof migrations[0]; i++) {
        if (migrations[i].version <= s->version)
            continue;
        char record[160];
        snprintf(record, sizeof record,
                 "INSERT INTO schema_migration VALUES (%d, CAST(strftime('%%s','now') AS "
                 "INTEGER) * 1000)",
                 migrations[i].version);
        rc = tx_begin(s, err, errlen);
        if (!rc)
            rc = exec(s->db, migrations[i].sql, err, errlen);
        if (!rc)
            rc = exec(s->db, record, err, errlen);
        if (!rc)
            rc = tx_commit(s, err, errlen);
        if (rc) {
            tx_rollback(s);
            return rc;
        }
        s->version = migrations[i].version;
        tc_log(TC_LOG_INFO, MODULE, "applied migration %d", s->version);
    }
    return 0;
}

int tc_store_open(const char *dir, tc_store_t **out, char *err, size_t errlen)
{
    *out = NULL;
    char path[4096];
    if (tc_dir_create(dir, err, errlen) != 0)
        return TC_ESTORE;
    snprintf(path, sizeof path, "%s/tocsin.db", dir);
    tc_store_t *s = tc_calloc(1, sizeof *s);
    int rc;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        rc = fail(s->db, path, err, errlen);
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 5000);
    /* WAL lets readers (backups, `sqlite3` by hand) work beside the daemon; FULL sync makes
     * every committed transaction durable, which the write API promises before it answers. */
    rc = exec(s->db,
              "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", err,
              errlen);
    if (rc)
        goto fail;
    rc = migrate(s, err, errlen);
    if (rc)
        goto fail;
    *out = s;
    return 0;
fail:
    tc_store_close(s);
    return rc;
}

void tc_store_close(tc_store_t *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s);
}

int tc_store_schema_version(tc_store_t *s)
{
    return s->version;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

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
        bind_text(ins, 3, r->description);
        bind_text(ins, 4, r->group_id);
        sqlite3_bind_int(ins, 5, r->position);
        sqlite3_bind_int(ins, 6, r->is_group);
        sqlite3_bind_int(ins, 7, r->showcase);
        sqlite3_bind_int(ins, 8, r->only_show_if_degraded);
        sqlite3_bind_int64(ins, 9, now);
        if (sqlite3_step(ins) != SQLITE_DONE)
            return TC_ESTORE;
        /* The status log starts when the component does, so uptime has its first day. */
        char sql[200];
        snprintf(sql, sizeof sql, "INSERT INTO component_status_log VALUES (?1, %lld, "
                 "'operational')", (long long)now);
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
    bind_text(upd, 2, r->description);
    bind_text(upd, 3, r->group_id);
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
    int rc = tx_begin(s, err, errlen);
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
        rc = fail(s->db, "prepare", err, errlen);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        rc = sync_row(s->db, sel, ins, upd, &rows[i], now);
        if (rc) {
            rc = fail(s->db, rows[i].id, err, errlen);
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
            rc = fail(s->db, "retire", err, errlen);
            goto out;
        }
    }
    rc = tx_commit(s, err, errlen);
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    sqlite3_finalize(upd);
    sqlite3_finalize(retire);
    if (rc) {
        tx_rollback(s);
    }
    return rc;
}

int tc_store_set_status(tc_store_t *s, const char *id, tc_status_t status, int64_t now,
                        char *err, size_t errlen)
{
    sqlite3_stmt *upd = NULL, *log = NULL;
    int rc = tx_begin(s, err, errlen);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE component SET status = ?1, updated_at = ?2 WHERE id = ?3",
                           -1, &upd, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "INSERT INTO component_status_log VALUES (?3, ?2, ?1)", -1,
                           &log, NULL) != SQLITE_OK) {
        rc = fail(s->db, "prepare", err, errlen);
        goto out;
    }
    sqlite3_stmt *both[] = {upd, log};
    for (int i = 0; i < 2; i++) {
        sqlite3_bind_text(both[i], 1, tc_status_name(status), -1, SQLITE_STATIC);
        sqlite3_bind_int64(both[i], 2, now);
        sqlite3_bind_text(both[i], 3, id, -1, SQLITE_STATIC);
        if (sqlite3_step(both[i]) != SQLITE_DONE) {
            rc = fail(s->db, id, err, errlen);
            goto out;
        }
    }
    rc = tx_commit(s, err, errlen);
out:
    sqlite3_finalize(upd);
    sqlite3_finalize(log);
    if (rc) {
        tx_rollback(s);
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
        return fail(s->db, "prepare", err, errlen);
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
    int rc = step == SQLITE_DONE ? 0 : fail(s->db, "status log", err, errlen);
    sqlite3_finalize(st);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* Aggregate monitor @p monitor's raw results in [from, to) into @p table by periods of
 * @p period ms. The query walks only that monitor's primary-key range. The p95 is the
 * smallest latency whose rank reaches 95% of the period's checks. */
static int aggregate(sqlite3 *db, const char *table, int64_t period, int64_t from, int64_t to,
                     int64_t monitor, char *err, size_t errlen)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT OR REPLACE INTO %s"
             " SELECT ?4, p, COUNT(*), SUM(verdict = 2), SUM(verdict = 1),"
             " MIN(ms), AVG(ms), MAX(ms), MIN(CASE WHEN rn * 100 >= cnt * 95 THEN ms END)"
             " FROM (SELECT (at / ?1) * ?1 AS p, verdict, latency_us / 1000.0 AS ms,"
             "  ROW_NUMBER() OVER (PARTITION BY at / ?1 ORDER BY latency_us) AS rn,"
             "  COUNT(*) OVER (PARTITION BY at / ?1) AS cnt"
             "  FROM result WHERE monitor = ?4 AND at >= ?2 AND at < ?3)"
             " GROUP BY p",
             table);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(db, table, err, errlen);
    sqlite3_bind_int64(st, 1, period);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    sqlite3_bind_int64(st, 4, monitor);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(db, table, err, errlen);
    sqlite3_finalize(st);
    return rc;
}

/* Delete @p monitor's rows of @p table older than @p before, on the primary key. */
static int prune_monitor(sqlite3 *db, const char *table, const char *column, int64_t monitor,
                         int64_t before, char *err, size_t errlen)
{
    char sql[256];
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE monitor = ?1 AND %s < ?2", table, column);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(db, table, err, errlen);
    sqlite3_bind_int64(st, 1, monitor);
    sqlite3_bind_int64(st, 2, before);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(db, table, err, errlen);
    sqlite3_finalize(st);
    return rc;
}

static int64_t meta_get(sqlite3 *db, const char *key)
{
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return v;
}

static int meta_set(sqlite3 *db, const char *key, int64_t value, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta VALUES (?1, ?2)", -1, &st, NULL) !=
        SQLITE_OK)
        return fail(db, "meta", err, errlen);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, value);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(db, "meta", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

static int prune(sqlite3 *db, const char *sql, int64_t before, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(db, "prune", err, errlen);
    sqlite3_bind_int64(st, 1, before);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(db, "prune", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

int tc_store_rollup(tc_store_t *s, int64_t now, int64_t raw_keep_ms, int64_t agg_keep_ms,
                    int64_t *cursor, char *err, size_t errlen)
{
    static const int64_t hour = 3600000, day = 86400000;
    const int slice = 25; /* monitors per call: a call stays in the tens of milliseconds */
    int rc = tx_begin(s, err, errlen);
    if (rc)
        return rc;
    /* Only completed periods are aggregated: the meta rows remember how far the last full
     * pass got. A pass that is interrupted is simply redone (INSERT OR REPLACE). */
    int64_t hour_done = meta_get(s->db, "rollup_hour");
    int64_t hour_now = now / hour * hour;
    int64_t hour_from = hour_done ? hour_done : hour_now - raw_keep_ms / hour * hour;
    int64_t day_done = meta_get(s->db, "rollup_day");
    int64_t day_now = now / day * day;
    int64_t day_from = day_done ? day_done : day_now - raw_keep_ms / day * day;
    sqlite3_stmt *ids = NULL;
    int more = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT id FROM monitor WHERE id > ?1 ORDER BY id LIMIT ?2",
                           -1, &ids, NULL) != SQLITE_OK) {
        rc = fail(s->db, "prepare", err, errlen);
        goto out;
    }
    sqlite3_bind_int64(ids, 1, *cursor);
    sqlite3_bind_int(ids, 2, slice + 1);
    int seen = 0;
    while (!rc && sqlite3_step(ids) == SQLITE_ROW) {
        if (++seen > slice) {
            more = 1;
            break;
        }
        int64_t m = sqlite3_column_int64(ids, 0);
        if (hour_from < hour_now)
            rc = aggregate(s->db, "result_hourly", hour, hour_from, hour_now, m, err, errlen);
        if (!rc && day_from < day_now)
            rc = aggregate(s->db, "result_daily", day, day_from, day_now, m, err, errlen);
        if (!rc)
            rc = prune_monitor(s->db, "result", "at", m, now - raw_keep_ms, err, errlen);
        if (!rc)
            rc = prune_monitor(s->db, "result_hourly", "start", m, now - agg_keep_ms, err,
                               errlen);
        if (!rc)
            rc = prune_monitor(s->db, "result_daily", "start", m, now - agg_keep_ms, err,
                               errlen);
        *cursor = m;
    }
    if (!rc && !more) {
        /* The pass is complete: record it and trim the status log. */
        rc = meta_set(s->db, "rollup_hour", hour_now, err, errlen);
        if (!rc)
            rc = meta_set(s->db, "rollup_day", day_now, err, errlen);
        /* Keep each component's last change before the cutoff: it is the status at the
         * start of the kept window. */
        if (!rc)
            rc = prune(s->db,
                       "DELETE FROM component_status_log AS l WHERE at < ?1 AND EXISTS (SELECT"
                       " 1 FROM component_status_log m WHERE m.component_id = l.component_id"
                       " AND m.at > l.at AND m.at <= ?1)",
                       now - agg_keep_ms, err, errlen);
        *cursor = 0;
    }
out:
    sqlite3_finalize(ids);
    if (!rc)
        rc = tx_commit(s, err, errlen);
    else
        tx_rollback(s);
    if (!rc && more)
        return TC_EAGAIN;
    return rc;
}

int tc_store_add_results(tc_store_t *s, const tc_store_result_t *r, size_t n, char *err,
                         size_t errlen)
{
    sqlite3_stmt *key = NULL, *ins = NULL;
    int rc = tx_begin(s, err, errlen);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO monitor (name) VALUES (?1)", -1, &key,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO result VALUES ((SELECT id FROM monitor"
                           " WHERE name = ?1), ?2, ?3, ?4, ?5)",
                           -1, &ins, NULL) != SQLITE_OK) {
        rc = fail(s->db, "prepare", err, errlen);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(key);
        sqlite3_bind_text(key, 1, r[i].monitor_id, -1, SQLITE_STATIC);
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, r[i].monitor_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 2, r[i].at);
        sqlite3_bind_int(ins, 3, r[i].verdict);
        sqlite3_bind_int64(ins, 4, (sqlite3_int64)(r[i].latency_ms * 1000.0));
        bind_text(ins, 5, r[i].reason && r[i].reason[0] ? r[i].reason : NULL);
        if (sqlite3_step(key) != SQLITE_DONE || sqlite3_step(ins) != SQLITE_DONE) {
            rc = fail(s->db, "insert result", err, errlen);
            goto out;
        }
    }
    rc = tx_commit(s, err, errlen);
out:
    sqlite3_finalize(key);
    sqlite3_finalize(ins);
    if (rc) {
        tx_rollback(s);
    }
    return rc;
}

static int run_stmt(sqlite3 *db, const char *sql, const char *t1, const char *t2,
                    const void *blob, int blob_len, int64_t n1, int64_t n2, char *err,
                    size_t errlen)
{
    /* Binds by position: ?1 t1, ?2 t2, ?3 blob, ?4 n1, ?5 n2 (unused ones stay NULL). */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(db, "prepare", err, errlen);
    bind_text(st, 1, t1);
    bind_text(st, 2, t2);
    if (blob)
        sqlite3_bind_blob(st, 3, blob, blob_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, n1);
    sqlite3_bind_int64(st, 5, n2);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(db, "write", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

int tc_store_put_incident(tc_store_t *s, const char *id, uint64_t seq, const char *doc,
                          int64_t now, char *err, size_t errlen)
{
    return run_stmt(s->db, "INSERT OR REPLACE INTO incident VALUES (?1, ?4, ?2, ?5)", id, doc,
                    NULL, 0, (int64_t)seq, now, err, errlen);
}

int tc_store_delete_incident(tc_store_t *s, const char *id, char *err, size_t errlen)
{
    return run_stmt(s->db, "DELETE FROM incident WHERE id = ?1", id, NULL, NULL, 0, 0, 0, err,
                    errlen);
}

int tc_store_each_incident(tc_store_t *s, void (*fn)(void *ctx, const char *doc), void *ctx,
                           char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT doc FROM incident ORDER BY seq", -1, &st, NULL) !=
        SQLITE_OK)
        return fail(s->db, "prepare", err, errlen);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(st, 0));
    int rc = step == SQLITE_DONE ? 0 : fail(s->db, "incidents", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

int tc_store_set_manual_status(tc_store_t *s, const char *id, const tc_status_t *status,
                               char *err, size_t errlen)
{
    return run_stmt(s->db, "UPDATE component SET manual_status = ?2 WHERE id = ?1", id,
                    status ? tc_status_name(*status) : NULL, NULL, 0, 0, 0, err, errlen);
}

int tc_store_add_key(tc_store_t *s, const char *id, const char *name, const unsigned char *hash,
                     size_t hashlen, int64_t now, char *err, size_t errlen)
{
    return run_stmt(s->db, "INSERT INTO api_key VALUES (?1, ?2, ?3, ?4, NULL)", id, name, hash,
                    (int)hashlen, now, 0, err, errlen);
}

int tc_store_revoke_key(tc_store_t *s, const char *id, int64_t now, char *err, size_t errlen)
{
    int rc = run_stmt(s->db,
                      "UPDATE api_key SET revoked_at = ?4 WHERE id = ?1 AND revoked_at IS NULL",
                      id, NULL, NULL, 0, now, 0, err, errlen);
    if (!rc && sqlite3_changes(s->db) == 0) {
        snprintf(err, errlen, "no active key with id %s", id);
        return TC_ENOENT;
    }
    return rc;
}

int tc_store_each_key(tc_store_t *s,
                      void (*fn)(void *ctx, const char *id, const char *name, int64_t created,
                                 int64_t revoked),
                      void *ctx, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, name, created_at, COALESCE(revoked_at, 0) FROM api_key"
                           " ORDER BY created_at",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s->db, "prepare", err, errlen);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(st, 0),
           (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2),
           sqlite3_column_int64(st, 3));
    int rc = step == SQLITE_DONE ? 0 : fail(s->db, "keys", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

int tc_store_key_valid(tc_store_t *s, const unsigned char *hash, size_t hashlen)
{
    sqlite3_stmt *st = NULL;
    int ok = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT 1 FROM api_key WHERE hash = ?1 AND revoked_at IS NULL", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_blob(st, 1, hash, (int)hashlen, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return ok;
}

int tc_store_last_verdicts(tc_store_t *s, const char *monitor_id, size_t max, int *out,
                           size_t *n)
{
    sqlite3_stmt *st = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT verdict FROM result WHERE monitor = (SELECT id FROM monitor"
                           " WHERE name = ?1) ORDER BY at DESC LIMIT ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return TC_ESTORE;
    sqlite3_bind_text(st, 1, monitor_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    while (sqlite3_step(st) == SQLITE_ROW && *n < max)
        out[(*n)++] = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    /* Oldest first, as they happened. */
    for (size_t i = 0; i < *n / 2; i++) {
        int t = out[i];
        out[i] = out[*n - 1 - i];
        out[*n - 1 - i] = t;
    }
    return 0;
}

int tc_store_outbox_add(tc_store_t *s, const tc_outbox_t *msgs, size_t n, char *err,
                        size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = tx_begin(s, err, errlen);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO outbox (id, target, kind, url, payload,"
                           " created_at, next_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
                           " ?6, ?7) ON CONFLICT (id) DO NOTHING",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = fail(s->db, "prepare", err, errlen);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, msgs[i].id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, msgs[i].target, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, msgs[i].kind, -1, SQLITE_STATIC);
        bind_text(st, 4, msgs[i].url);
        sqlite3_bind_text(st, 5, msgs[i].payload, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, msgs[i].created_at);
        sqlite3_bind_int64(st, 7, msgs[i].expires_at);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = fail(s->db, "outbox", err, errlen);
            goto out;
        }
    }
    rc = tx_commit(s, err, errlen);
out:
    sqlite3_finalize(st);
    if (rc) {
        tx_rollback(s);
    }
    return rc;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? tc_strdup((const char *)t) : NULL;
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
    m->id = col_dup(st, 0);
    m->target = col_dup(st, 1);
    m->kind = col_dup(st, 2);
    m->url = col_dup(st, 3);
    m->payload = col_dup(st, 4);
    m->created_at = sqlite3_column_int64(st, 5);
    m->next_at = sqlite3_column_int64(st, 6);
    m->expires_at = sqlite3_column_int64(st, 7);
    m->attempts = sqlite3_column_int(st, 8);
    return m;
}

int tc_store_outbox_due(tc_store_t *s, int64_t now, const char *const *skip, size_t nskip,
                        size_t limit, tc_outbox_t **out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, target, kind, url, payload, created_at, next_at,"
                           " expires_at, attempts FROM outbox WHERE state = 'pending' AND"
                           " next_at <= ?1 ORDER BY next_at LIMIT ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s->db, "prepare", err, errlen);
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
    int rc = (step == SQLITE_DONE || step == SQLITE_ROW) ? 0 : fail(s->db, "outbox", err, errlen);
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
        return fail(s->db, "prepare", err, errlen);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, attempts);
    sqlite3_bind_int64(st, 4, next_at);
    bind_text(st, 5, error);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(s->db, "outbox", err, errlen);
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

int tc_store_outbox_dead(tc_store_t *s, tc_outbox_t **out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, target, kind, url, payload, created_at, next_at,"
                           " expires_at, attempts, last_error FROM outbox WHERE state = 'dead'"
                           " ORDER BY created_at DESC LIMIT 500",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s->db, "prepare", err, errlen);
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        tc_outbox_t *m = read_outbox_row(st, out, n, &cap);
        m->last_error = col_dup(st, 9);
    }
    sqlite3_finalize(st);
    return 0;
}

int tc_store_outbox_retry(tc_store_t *s, const char *id, int64_t now, int64_t expires_at,
                          char *err, size_t errlen)
{
    int rc = run_stmt(s->db,
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
        return fail(s->db, "prepare", err, errlen);
    sqlite3_bind_int64(st, 1, delivered_before);
    sqlite3_bind_int64(st, 2, dead_before);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(s->db, "outbox", err, errlen);
    sqlite3_finalize(st);
    if (rc)
        return rc;
    size_t n = (size_t)sqlite3_changes(s->db);
    if (deleted)
        *deleted = n;
    return n == limit ? TC_EAGAIN : 0;
}

void tc_store_outbox_free(tc_outbox_t *msgs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(msgs[i].id);
        free(msgs[i].target);
        free(msgs[i].kind);
        free(msgs[i].url);
        free(msgs[i].payload);
        free(msgs[i].last_error);
    }
    free(msgs);
}

void tc_store_rows_free(tc_store_row_t *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].id);
        free(rows[i].name);
        free(rows[i].description);
        free(rows[i].group_id);
    }
    free(rows);
}

/* ---- subscribers and settings ---- */

static void read_subscriber(sqlite3_stmt *st, tc_subscriber_t *sub)
{
    /* Columns: id, kind, address, components, confirmed, created_at, unsubscribed_at. */
    memset(sub, 0, sizeof *sub);
    sub->id = col_dup(st, 0);
    sub->kind = col_dup(st, 1);
    sub->address = col_dup(st, 2);
    sub->components = col_dup(st, 3);
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
        return fail(s->db, "prepare", err, errlen);
    sqlite3_bind_text(st, 1, sub->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, sub->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, sub->address, -1, SQLITE_STATIC);
    bind_text(st, 4, sub->components);
    sqlite3_bind_int(st, 5, sub->confirmed);
    sqlite3_bind_int64(st, 6, sub->created_at);
    bind_text(st, 7, confirm_hash);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(s->db, "subscriber", err, errlen);
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
        return fail(s->db, "prepare", err, errlen);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    bind_text(st, 2, components);
    bind_text(st, 3, confirm_hash);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(s->db, "subscriber", err, errlen);
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
    bind_text(st, 1, a);
    bind_text(st, 2, b);
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
    rc = run_stmt(s->db,
                  "UPDATE subscriber SET confirmed = 1, confirm_token_hash = NULL WHERE id = ?1",
                  out->id, NULL, NULL, 0, 0, 0, err, sizeof err);
    out->confirmed = true;
    return rc;
}

int tc_store_subscriber_unsubscribe(tc_store_t *s, const char *id, int64_t now, char *err,
                                    size_t errlen)
{
    int rc = tx_begin(s, err, errlen);
    if (rc)
        return rc;
    rc = run_stmt(s->db,
                  "UPDATE subscriber SET unsubscribed_at = ?4, confirm_token_hash = NULL"
                  " WHERE id = ?1 AND unsubscribed_at IS NULL",
                  id, NULL, NULL, 0, now, 0, err, errlen);
    int changed = !rc && sqlite3_changes(s->db) > 0;
    /* What was queued for them and not sent yet is dropped with the subscription. */
    if (!rc) {
        char target[128];
        snprintf(target, sizeof target, "subscriber:%s", id);
        rc = run_stmt(s->db, "DELETE FROM outbox WHERE target = ?1 AND state <> 'delivered'",
                      target, NULL, NULL, 0, 0, 0, err, errlen);
    }
    if (!rc)
        rc = tx_commit(s, err, errlen);
    else
        tx_rollback(s);
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
        return fail(s->db, "prepare", err, errlen);
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = tc_realloc(*out, cap * sizeof **out);
        }
        read_subscriber(st, &(*out)[(*n)++]);
    }
    int rc = step == SQLITE_DONE ? 0 : fail(s->db, "subscribers", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

void tc_store_subscriber_clear(tc_subscriber_t *sub)
{
    free(sub->id);
    free(sub->kind);
    free(sub->address);
    free(sub->components);
    memset(sub, 0, sizeof *sub);
}

void tc_store_subscribers_free(tc_subscriber_t *subs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tc_store_subscriber_clear(&subs[i]);
    free(subs);
}

int tc_store_setting(tc_store_t *s, const char *key, const char *fresh, char **value, char *err,
                     size_t errlen)
{
    *value = NULL;
    int rc = run_stmt(s->db, "INSERT OR IGNORE INTO setting VALUES (?1, ?2)", key, fresh, NULL, 0,
                      0, 0, err, errlen);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM setting WHERE key = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return fail(s->db, "prepare", err, errlen);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        *value = col_dup(st, 0);
    else
        rc = fail(s->db, "setting", err, errlen);
    sqlite3_finalize(st);
    return rc;
}
