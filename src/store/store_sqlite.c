/* SQLite implementation of store.h (docs/internals/STORE.md), part one: opening the database,
 * the migrations, nesting transactions, the statement helpers the other parts share
 * (store_sqlite_int.h), incidents, API keys and settings. The other parts are
 * store_sqlite_components.c (the page's rows and their status log), store_sqlite_results.c
 * (probe results, rollups, retention) and store_sqlite_outbox.c (the notification outbox and
 * subscribers). Migrations are kept here as numbered SQL texts; each runs in its own
 * transaction together with the row that records it, so a crash mid-migration leaves the
 * previous version intact. */
#include "store/store_sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/dirlock.h"
#include "core/err.h"
#include "core/log.h"

#define MODULE "store"

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
    /* The console: people (Argon2id password hashes, libsodium's encoded string), their
     * sessions (only a hash of each session token; the CSRF token is per session and not a
     * credential by itself) and the audit log of who changed what. Sessions go with their
     * user. */
    {7, "CREATE TABLE console_user ("
        "  id TEXT PRIMARY KEY,"
        "  name TEXT NOT NULL UNIQUE,"
        "  role TEXT NOT NULL,"           /* admin, editor */
        "  password_hash TEXT NOT NULL,"
        "  created_at INTEGER NOT NULL,"
        "  password_changed_at INTEGER NOT NULL"
        ");"
        "CREATE TABLE console_session ("
        "  token_hash BLOB PRIMARY KEY,"
        "  user_id TEXT NOT NULL REFERENCES console_user(id) ON DELETE CASCADE,"
        "  csrf TEXT NOT NULL,"
        "  created_at INTEGER NOT NULL,"
        "  seen_at INTEGER NOT NULL"
        ");"
        "CREATE INDEX console_session_user ON console_session (user_id);"
        "CREATE TABLE audit_log ("
        "  id INTEGER PRIMARY KEY,"
        "  at INTEGER NOT NULL,"
        "  actor TEXT NOT NULL,"          /* "user:NAME" or "key:NAME" */
        "  action TEXT NOT NULL,"
        "  target TEXT NOT NULL,"
        "  detail TEXT NOT NULL"
        ");"},
    /* Recurring maintenance windows: those of the config (kept in step with it at every
     * start and reload) and those made in the console or through the API. last_start is the
     * latest window already made into a scheduled maintenance, so none is made twice. */
    {8, "CREATE TABLE maintenance_schedule ("
        "  id TEXT PRIMARY KEY,"
        "  doc TEXT NOT NULL,"
        "  from_config INTEGER NOT NULL,"
        "  last_start INTEGER NOT NULL DEFAULT 0"
        ");"},
    /* Monitors a person paused from the console: not run until resumed, across reloads and
     * restarts. Keyed by the monitor's configured id (a monitor removed from the config and
     * added back later is still paused). */
    {9, "CREATE TABLE monitor_pause ("
        "  monitor_id TEXT PRIMARY KEY,"
        "  paused_at INTEGER NOT NULL,"
        "  paused_by TEXT NOT NULL"
        ") WITHOUT ROWID;"},
    /* Status changes an imported incident records carry its id, so an import can replace
     * them; NULL for the changes the daemon recorded itself. */
    {10, "ALTER TABLE component_status_log ADD COLUMN source TEXT;"
         "CREATE INDEX component_status_log_source ON component_status_log (source)"
         " WHERE source IS NOT NULL;"},
    /* Where each result was probed from (node.location), as PostgreSQL's result has had since
     * its migration 2. One node writes a SQLite store, so (monitor, at) stays the key. The
     * cluster's tables (PostgreSQL's migration 11) have no use with one node. */
    {11, "ALTER TABLE result ADD COLUMN location TEXT NOT NULL DEFAULT '';"},
};

int tc_sqlite__newest_version(void)
{
    return migrations[sizeof migrations / sizeof migrations[0] - 1].version;
}

int tc_sqlite__fail(sqlite3 *db, const char *what, char *err, size_t errlen)
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
int tc_store_begin(tc_store_t *s, char *err, size_t errlen)
{
    if (s->depth++ > 0)
        return 0;
    s->failed = 0;
    int rc = exec(s->db, "BEGIN IMMEDIATE", err, errlen);
    if (rc)
        s->depth = 0;
    return rc;
}

int tc_store_commit(tc_store_t *s, char *err, size_t errlen)
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

void tc_store_rollback(tc_store_t *s)
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
        rc = tc_store_begin(s, err, errlen);
        if (!rc)
            rc = exec(s->db, migrations[i].sql, err, errlen);
        if (!rc)
            rc = exec(s->db, record, err, errlen);
        if (!rc)
            rc = tc_store_commit(s, err, errlen);
        if (rc) {
            tc_store_rollback(s);
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
    s->data_version = -1;
    s->path = tc_strdup(path);
    int rc;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        rc = tc_sqlite__fail(s->db, path, err, errlen);
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
    sqlite3_close(s->checkpointer);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

int tc_store_defer_checkpoints(tc_store_t *s, char *err, size_t errlen)
{
    return exec(s->db, "PRAGMA wal_autocheckpoint=0;", err, errlen);
}

int tc_store_checkpoint(tc_store_t *s, char *err, size_t errlen)
{
    if (!s->checkpointer) {
        if (sqlite3_open_v2(s->path, &s->checkpointer, SQLITE_OPEN_READWRITE, NULL) !=
            SQLITE_OK) {
            int rc = tc_sqlite__fail(s->checkpointer, s->path, err, errlen);
            sqlite3_close(s->checkpointer);
            s->checkpointer = NULL;
            return rc;
        }
        sqlite3_busy_timeout(s->checkpointer, 1000);
        /* A connection knows the file is in WAL mode once it has read it: before, a
         * checkpoint on it does nothing. */
        if (sqlite3_exec(s->checkpointer, "SELECT count(*) FROM sqlite_schema", NULL, NULL,
                         NULL) != SQLITE_OK) {
            int rc = tc_sqlite__fail(s->checkpointer, s->path, err, errlen);
            sqlite3_close(s->checkpointer);
            s->checkpointer = NULL;
            return rc;
        }
    }
    if (sqlite3_wal_checkpoint_v2(s->checkpointer, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL,
                                  NULL) != SQLITE_OK)
        return tc_sqlite__fail(s->checkpointer, "checkpoint", err, errlen);
    return 0;
}

int tc_store_schema_version(tc_store_t *s)
{
    return s->version;
}

int tc_store_changed_elsewhere(tc_store_t *s, bool *changed, char *err, size_t errlen)
{
    /* data_version moves when another connection commits; this connection's own commits
     * leave it as it is. */
    sqlite3_stmt *st = NULL;
    *changed = true;
    if (sqlite3_prepare_v2(s->db, "PRAGMA data_version", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return tc_sqlite__fail(s->db, "PRAGMA data_version", err, errlen);
    }
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    *changed = s->data_version != v;
    s->data_version = v;
    return 0;
}

void tc_sqlite__bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

int tc_sqlite__run(sqlite3 *db, const char *sql, const char *t1, const char *t2, const void *blob,
                   int blob_len, int64_t n1, int64_t n2, char *err, size_t errlen)
{
    /* Binds by position: ?1 t1, ?2 t2, ?3 blob, ?4 n1, ?5 n2 (unused ones stay NULL). */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return tc_sqlite__fail(db, "prepare", err, errlen);
    tc_sqlite__bind_text(st, 1, t1);
    tc_sqlite__bind_text(st, 2, t2);
    if (blob)
        sqlite3_bind_blob(st, 3, blob, blob_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, n1);
    sqlite3_bind_int64(st, 5, n2);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : tc_sqlite__fail(db, "write", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

char *tc_sqlite__col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? tc_strdup((const char *)t) : NULL;
}

int tc_store_put_incident(tc_store_t *s, const char *id, uint64_t seq, const char *doc,
                          int64_t now, char *err, size_t errlen)
{
    return tc_sqlite__run(s->db, "INSERT OR REPLACE INTO incident VALUES (?1, ?4, ?2, ?5)", id, doc,
                          NULL, 0, (int64_t)seq, now, err, errlen);
}

int tc_store_delete_incident(tc_store_t *s, const char *id, char *err, size_t errlen)
{
    return tc_sqlite__run(s->db, "DELETE FROM incident WHERE id = ?1", id, NULL, NULL, 0, 0, 0, err,
                          errlen);
}

int tc_store_each_incident(tc_store_t *s, void (*fn)(void *ctx, const char *doc), void *ctx,
                           char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT doc FROM incident ORDER BY seq", -1, &st, NULL) !=
        SQLITE_OK)
        return tc_sqlite__fail(s->db, "prepare", err, errlen);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(st, 0));
    int rc = step == SQLITE_DONE ? 0 : tc_sqlite__fail(s->db, "incidents", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

int tc_store_add_key(tc_store_t *s, const char *id, const char *name, const unsigned char *hash,
                     size_t hashlen, int64_t now, char *err, size_t errlen)
{
    return tc_sqlite__run(s->db, "INSERT INTO api_key VALUES (?1, ?2, ?3, ?4, NULL)", id, name,
                          hash, (int)hashlen, now, 0, err, errlen);
}

int tc_store_revoke_key(tc_store_t *s, const char *id, int64_t now, char *err, size_t errlen)
{
    int rc = tc_sqlite__run(
        s->db, "UPDATE api_key SET revoked_at = ?4 WHERE id = ?1 AND revoked_at IS NULL", id, NULL,
        NULL, 0, now, 0, err, errlen);
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
        return tc_sqlite__fail(s->db, "prepare", err, errlen);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(st, 0),
           (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2),
           sqlite3_column_int64(st, 3));
    int rc = step == SQLITE_DONE ? 0 : tc_sqlite__fail(s->db, "keys", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

int tc_store_key_name(tc_store_t *s, const unsigned char *hash, size_t hashlen, char *name,
                      size_t namelen)
{
    sqlite3_stmt *st = NULL;
    int ok = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT name FROM api_key WHERE hash = ?1 AND revoked_at IS NULL",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_blob(st, 1, hash, (int)hashlen, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_ROW;
        if (ok)
            snprintf(name, namelen, "%s", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return ok;
}

int tc_store_monitor_pause(tc_store_t *s, const char *id, int64_t paused_at, const char *by,
                           char *err, size_t errlen)
{
    if (!paused_at)
        return tc_sqlite__run(s->db, "DELETE FROM monitor_pause WHERE monitor_id = ?1", id, NULL,
                              NULL, 0, 0, 0, err, errlen);
    return tc_sqlite__run(s->db, "INSERT OR REPLACE INTO monitor_pause VALUES (?1, ?4, ?2)", id,
                          by, NULL, 0, paused_at, 0, err, errlen);
}

int tc_store_monitor_paused(tc_store_t *s, const char *id, int64_t *paused_at, char *by,
                            size_t bylen)
{
    sqlite3_stmt *st = NULL;
    int rc = TC_ESTORE;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT paused_at, paused_by FROM monitor_pause WHERE monitor_id = ?1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            *paused_at = sqlite3_column_int64(st, 0);
            snprintf(by, bylen, "%s", (const char *)sqlite3_column_text(st, 1));
            rc = 0;
        } else if (step == SQLITE_DONE) {
            rc = TC_ENOENT;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

int tc_store_setting(tc_store_t *s, const char *key, const char *fresh, char **value, char *err,
                     size_t errlen)
{
    *value = NULL;
    int rc = tc_sqlite__run(s->db, "INSERT OR IGNORE INTO setting VALUES (?1, ?2)", key, fresh,
                            NULL, 0, 0, 0, err, errlen);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM setting WHERE key = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return tc_sqlite__fail(s->db, "prepare", err, errlen);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        *value = tc_sqlite__col_dup(st, 0);
    else
        rc = tc_sqlite__fail(s->db, "setting", err, errlen);
    sqlite3_finalize(st);
    return rc;
}
