/* The SQLite store's console tables: users, sessions and the audit log (migration 7), and
 * recurring maintenance windows (migration 8). Only hashes of passwords and session tokens
 * are stored; the rows here never hold a secret a reader of the database could use to log
 * in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "store/store_sqlite_int.h"

#define USER_COLUMNS "id, name, role, password_hash, created_at, password_changed_at"

int tc_store_user_add(tc_store_t *s, const tc_user_t *u, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO console_user (" USER_COLUMNS ") VALUES (?1, ?2, ?3, ?4, "
                           "?5, ?6)",
                           -1, &st, NULL) != SQLITE_OK)
        return tc_sqlite__fail(s->db, "prepare", err, errlen);
    tc_sqlite__bind_text(st, 1, u->id);
    tc_sqlite__bind_text(st, 2, u->name);
    tc_sqlite__bind_text(st, 3, u->role);
    tc_sqlite__bind_text(st, 4, u->password_hash);
    sqlite3_bind_int64(st, 5, u->created_at);
    sqlite3_bind_int64(st, 6, u->password_changed_at);
    int step = sqlite3_step(st);
    int rc = 0;
    if (step == SQLITE_CONSTRAINT) {
        snprintf(err, errlen, "a user named \"%s\" exists already", u->name);
        rc = TC_EEXIST;
    } else if (step != SQLITE_DONE) {
        rc = tc_sqlite__fail(s->db, "add user", err, errlen);
    }
    sqlite3_finalize(st);
    return rc;
}

static void read_user(sqlite3_stmt *st, tc_user_t *u)
{
    u->id = tc_sqlite__col_dup(st, 0);
    u->name = tc_sqlite__col_dup(st, 1);
    u->role = tc_sqlite__col_dup(st, 2);
    u->password_hash = tc_sqlite__col_dup(st, 3);
    u->created_at = sqlite3_column_int64(st, 4);
    u->password_changed_at = sqlite3_column_int64(st, 5);
}

static int user_where(tc_store_t *s, const char *sql, const char *value, tc_user_t *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return TC_ESTORE;
    tc_sqlite__bind_text(st, 1, value);
    int step = sqlite3_step(st);
    int rc = step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? TC_ENOENT : TC_ESTORE;
    if (!rc)
        read_user(st, out);
    sqlite3_finalize(st);
    return rc;
}

int tc_store_user_by_name(tc_store_t *s, const char *name, tc_user_t *out)
{
    return user_where(s, "SELECT " USER_COLUMNS " FROM console_user WHERE name = ?1", name, out);
}

int tc_store_user_by_id(tc_store_t *s, const char *id, tc_user_t *out)
{
    return user_where(s, "SELECT " USER_COLUMNS " FROM console_user WHERE id = ?1", id, out);
}

int tc_store_users(tc_store_t *s, tc_user_t **out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT " USER_COLUMNS " FROM console_user ORDER BY name", -1,
                           &st, NULL) != SQLITE_OK)
        return tc_sqlite__fail(s->db, "prepare", err, errlen);
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *out = tc_realloc(*out, cap * sizeof **out);
        }
        read_user(st, &(*out)[(*n)++]);
    }
    int rc = step == SQLITE_DONE ? 0 : tc_sqlite__fail(s->db, "users", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

int tc_store_user_remove(tc_store_t *s, const char *name, char *err, size_t errlen)
{
    /* The foreign key's ON DELETE CASCADE ends the user's sessions with the same statement. */
    int rc = tc_sqlite__run(s->db, "DELETE FROM console_user WHERE name = ?1", name, NULL, NULL, 0,
                            0, 0, err, errlen);
    if (!rc && sqlite3_changes(s->db) == 0) {
        snprintf(err, errlen, "no user named \"%s\"", name);
        return TC_ENOENT;
    }
    return rc;
}

int tc_store_user_set_password(tc_store_t *s, const char *name, const char *password_hash,
                               int64_t now, char *err, size_t errlen)
{
    int rc = tc_store_begin(s, err, errlen);
    if (rc)
        return rc;
    rc = tc_sqlite__run(s->db,
                        "UPDATE console_user SET password_hash = ?2, password_changed_at = ?4 "
                        "WHERE name = ?1",
                        name, password_hash, NULL, 0, now, 0, err, errlen);
    if (!rc && sqlite3_changes(s->db) == 0) {
        snprintf(err, errlen, "no user named \"%s\"", name);
        rc = TC_ENOENT;
    }
    if (!rc)
        rc = tc_sqlite__run(s->db,
                            "DELETE FROM console_session WHERE user_id = "
                            "(SELECT id FROM console_user WHERE name = ?1)",
                            name, NULL, NULL, 0, 0, 0, err, errlen);
    if (rc) {
        tc_store_rollback(s);
        return rc;
    }
    return tc_store_commit(s, err, errlen);
}

int tc_store_session_add(tc_store_t *s, const unsigned char *token_hash, size_t hashlen,
                         const char *user_id, const char *csrf, int64_t now, char *err,
                         size_t errlen)
{
    return tc_sqlite__run(s->db,
                          "INSERT INTO console_session (token_hash, user_id, csrf, created_at, "
                          "seen_at) VALUES (?3, ?1, ?2, ?4, ?4)",
                          user_id, csrf, token_hash, (int)hashlen, now, 0, err, errlen);
}

int tc_store_session_get(tc_store_t *s, const unsigned char *token_hash, size_t hashlen,
                         tc_session_t *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT user_id, csrf, created_at, seen_at FROM console_session "
                           "WHERE token_hash = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return TC_ESTORE;
    sqlite3_bind_blob(st, 1, token_hash, (int)hashlen, SQLITE_STATIC);
    int step = sqlite3_step(st);
    int rc = step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? TC_ENOENT : TC_ESTORE;
    if (!rc) {
        out->user_id = tc_sqlite__col_dup(st, 0);
        out->csrf = tc_sqlite__col_dup(st, 1);
        out->created_at = sqlite3_column_int64(st, 2);
        out->seen_at = sqlite3_column_int64(st, 3);
    }
    sqlite3_finalize(st);
    return rc;
}

int tc_store_session_touch(tc_store_t *s, const unsigned char *token_hash, size_t hashlen,
                           int64_t now)
{
    char err[160];
    return tc_sqlite__run(s->db, "UPDATE console_session SET seen_at = ?4 WHERE token_hash = ?3",
                          NULL, NULL, token_hash, (int)hashlen, now, 0, err, sizeof err);
}

int tc_store_session_delete(tc_store_t *s, const unsigned char *token_hash, size_t hashlen)
{
    char err[160];
    return tc_sqlite__run(s->db, "DELETE FROM console_session WHERE token_hash = ?3", NULL, NULL,
                          token_hash, (int)hashlen, 0, 0, err, sizeof err);
}

int tc_store_sessions_prune(tc_store_t *s, int64_t created_before, int64_t seen_before)
{
    char err[160];
    return tc_sqlite__run(s->db,
                          "DELETE FROM console_session WHERE created_at < ?4 OR seen_at < ?5",
                          NULL, NULL, NULL, 0, created_before, seen_before, err, sizeof err);
}

int tc_store_audit_add(tc_store_t *s, const tc_audit_t *a, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO audit_log (at, actor, action, target, detail) VALUES "
                           "(?1, ?2, ?3, ?4, ?5)",
                           -1, &st, NULL) != SQLITE_OK)
        return tc_sqlite__fail(s->db, "prepare", err, errlen);
    sqlite3_bind_int64(st, 1, a->at);
    tc_sqlite__bind_text(st, 2, a->actor);
    tc_sqlite__bind_text(st, 3, a->action);
    tc_sqlite__bind_text(st, 4, a->target ? a->target : "");
    tc_sqlite__bind_text(st, 5, a->detail ? a->detail : "");
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : tc_sqlite__fail(s->db, "audit", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

int tc_store_audit_list(tc_store_t *s, size_t offset, size_t limit, tc_audit_t **out, size_t *n,
                        char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT at, actor, action, target, detail FROM audit_log "
                           "ORDER BY id DESC LIMIT ?1 OFFSET ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return tc_sqlite__fail(s->db, "prepare", err, errlen);
    sqlite3_bind_int64(st, 1, (int64_t)limit);
    sqlite3_bind_int64(st, 2, (int64_t)offset);
    if (limit)
        *out = tc_calloc(limit, sizeof **out);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW && *n < limit) {
        tc_audit_t *a = &(*out)[(*n)++];
        a->at = sqlite3_column_int64(st, 0);
        a->actor = tc_sqlite__col_dup(st, 1);
        a->action = tc_sqlite__col_dup(st, 2);
        a->target = tc_sqlite__col_dup(st, 3);
        a->detail = tc_sqlite__col_dup(st, 4);
    }
    int rc = step == SQLITE_DONE || step == SQLITE_ROW
                 ? 0
                 : tc_sqlite__fail(s->db, "audit", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

int tc_store_schedule_put(tc_store_t *s, const char *id, const char *doc, bool from_config,
                          char *err, size_t errlen)
{
    return tc_sqlite__run(s->db,
                          "INSERT INTO maintenance_schedule (id, doc, from_config) VALUES "
                          "(?1, ?2, ?4) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, "
                          "from_config = excluded.from_config",
                          id, doc, NULL, 0, from_config, 0, err, errlen);
}

int tc_store_schedule_mark(tc_store_t *s, const char *id, int64_t last_start, char *err,
                           size_t errlen)
{
    return tc_sqlite__run(s->db, "UPDATE maintenance_schedule SET last_start = ?4 WHERE id = ?1",
                          id, NULL, NULL, 0, last_start, 0, err, errlen);
}

int tc_store_schedule_delete(tc_store_t *s, const char *id, char *err, size_t errlen)
{
    int rc = tc_sqlite__run(s->db, "DELETE FROM maintenance_schedule WHERE id = ?1", id, NULL,
                            NULL, 0, 0, 0, err, errlen);
    if (!rc && sqlite3_changes(s->db) == 0) {
        snprintf(err, errlen, "no recurring maintenance with id %s", id);
        return TC_ENOENT;
    }
    return rc;
}

int tc_store_each_schedule(tc_store_t *s,
                           void (*fn)(void *ctx, const char *id, const char *doc,
                                      bool from_config, int64_t last_start),
                           void *ctx, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, doc, from_config, last_start FROM maintenance_schedule "
                           "ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return tc_sqlite__fail(s->db, "prepare", err, errlen);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           sqlite3_column_int(st, 2) != 0, sqlite3_column_int64(st, 3));
    int rc = step == SQLITE_DONE ? 0 : tc_sqlite__fail(s->db, "schedules", err, errlen);
    sqlite3_finalize(st);
    return rc;
}
