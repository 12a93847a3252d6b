/* PostgreSQL store, the console's tables (users, sessions, the audit log) and recurring
 * maintenance windows, as store_sqlite_accounts.c: only hashes of passwords and session tokens
 * are stored. */
#include "store/store_pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"

#define USER_COLUMNS "id, name, role, password_hash, created_at, password_changed_at"

int tc_pg_user_add(tc_store_t *s, const tc_user_t *u, char *err, size_t errlen)
{
    tc_pg_args_t a = {0};
    tc_pg__text(&a, u->id);
    tc_pg__text(&a, u->name);
    tc_pg__text(&a, u->role);
    tc_pg__text(&a, u->password_hash);
    tc_pg__int(&a, u->created_at);
    tc_pg__int(&a, u->password_changed_at);
    long added = 0;
    /* A taken name is an answer, not an error: inside a transaction an error would abort
     * it (store_pg.c). */
    int rc = tc_pg__run(s,
                        "INSERT INTO console_user (" USER_COLUMNS ") VALUES ($1, $2, $3, $4,"
                        " $5, $6) ON CONFLICT DO NOTHING",
                        &a, &added, err, errlen);
    if (!rc && added == 0) {
        snprintf(err, errlen, "a user named \"%s\" exists already", u->name);
        return TC_EEXIST;
    }
    return rc;
}

static void read_user(const PGresult *r, int i, void *elem)
{
    tc_user_t *u = elem;
    u->id = tc_pg__dup(r, i, 0);
    u->name = tc_pg__dup(r, i, 1);
    u->role = tc_pg__dup(r, i, 2);
    u->password_hash = tc_pg__dup(r, i, 3);
    u->created_at = tc_pg__i64(r, i, 4);
    u->password_changed_at = tc_pg__i64(r, i, 5);
}

static int user_where(tc_store_t *s, const char *sql, const char *value, tc_user_t *out)
{
    memset(out, 0, sizeof *out);
    tc_pg_args_t a = {0};
    tc_pg__text(&a, value);
    char err[256];
    PGresult *r = tc_pg__query(s, sql, &a, err, sizeof err);
    if (!r)
        return TC_ESTORE;
    int rc = PQntuples(r) > 0 ? 0 : TC_ENOENT;
    if (!rc)
        read_user(r, 0, out);
    PQclear(r);
    return rc;
}

int tc_pg_user_by_name(tc_store_t *s, const char *name, tc_user_t *out)
{
    return user_where(s, "SELECT " USER_COLUMNS " FROM console_user WHERE name = $1", name, out);
}

int tc_pg_user_by_id(tc_store_t *s, const char *id, tc_user_t *out)
{
    return user_where(s, "SELECT " USER_COLUMNS " FROM console_user WHERE id = $1", id, out);
}

int tc_pg_users(tc_store_t *s, tc_user_t **out, size_t *n, char *err, size_t errlen)
{
    void *rows = NULL;
    /* By name in byte order, as SQLite's default collation sorts. */
    int rc = tc_pg__read_rows(s,
                              "SELECT " USER_COLUMNS " FROM console_user"
                              " ORDER BY name COLLATE \"C\"",
                              NULL, sizeof **out, read_user, &rows, n, err, errlen);
    *out = rows;
    return rc;
}

int tc_pg_user_remove(tc_store_t *s, const char *name, char *err, size_t errlen)
{
    tc_pg_args_t a = {0};
    tc_pg__text(&a, name);
    long removed = 0;
    /* The foreign key's ON DELETE CASCADE ends the user's sessions with the same statement. */
    int rc = tc_pg__run(s, "DELETE FROM console_user WHERE name = $1", &a, &removed, err, errlen);
    if (!rc && removed == 0) {
        snprintf(err, errlen, "no user named \"%s\"", name);
        return TC_ENOENT;
    }
    return rc;
}

int tc_pg_user_set_password(tc_store_t *s, const char *name, const char *password_hash,
                            int64_t now, char *err, size_t errlen)
{
    tc_pg_args_t a = {0};
    tc_pg__text(&a, name);
    tc_pg__text(&a, password_hash);
    tc_pg__int(&a, now);
    /* One statement: the new password and the end of every session of the user together. */
    PGresult *r = tc_pg__query(s,
                               "WITH changed AS (UPDATE console_user SET password_hash = $2,"
                               " password_changed_at = $3 WHERE name = $1 RETURNING id),"
                               " ended AS (DELETE FROM console_session WHERE user_id IN"
                               " (SELECT id FROM changed)) SELECT COUNT(*) FROM changed",
                               &a, err, errlen);
    if (!r)
        return TC_ESTORE;
    int found = tc_pg__i64(r, 0, 0) > 0;
    PQclear(r);
    if (!found) {
        snprintf(err, errlen, "no user named \"%s\"", name);
        return TC_ENOENT;
    }
    return 0;
}

int tc_pg_session_add(tc_store_t *s, const unsigned char *token_hash, size_t hashlen,
                      const char *user_id, const char *csrf, int64_t now, char *err,
                      size_t errlen)
{
    tc_pg_args_t a = {0};
    tc_pg__bytes(&a, token_hash, hashlen);
    tc_pg__text(&a, user_id);
    tc_pg__text(&a, csrf);
    tc_pg__int(&a, now);
    return tc_pg__run(s,
                      "INSERT INTO console_session (token_hash, user_id, csrf, created_at,"
                      " seen_at) VALUES ($1, $2, $3, $4, $4)",
                      &a, NULL, err, errlen);
}

int tc_pg_session_get(tc_store_t *s, const unsigned char *token_hash, size_t hashlen,
                      tc_session_t *out)
{
    memset(out, 0, sizeof *out);
    tc_pg_args_t a = {0};
    tc_pg__bytes(&a, token_hash, hashlen);
    char err[256];
    PGresult *r = tc_pg__query(s,
                               "SELECT user_id, csrf, created_at, seen_at FROM console_session"
                               " WHERE token_hash = $1",
                               &a, err, sizeof err);
    if (!r)
        return TC_ESTORE;
    int rc = PQntuples(r) > 0 ? 0 : TC_ENOENT;
    if (!rc) {
        out->user_id = tc_pg__dup(r, 0, 0);
        out->csrf = tc_pg__dup(r, 0, 1);
        out->created_at = tc_pg__i64(r, 0, 2);
        out->seen_at = tc_pg__i64(r, 0, 3);
    }
    PQclear(r);
    return rc;
}

int tc_pg_session_touch(tc_store_t *s, const unsigned char *token_hash, size_t hashlen,
                        int64_t now)
{
    tc_pg_args_t a = {0};
    tc_pg__bytes(&a, token_hash, hashlen);
    tc_pg__int(&a, now);
    char err[256];
    return tc_pg__run(s, "UPDATE console_session SET seen_at = $2 WHERE token_hash = $1", &a,
                      NULL, err, sizeof err);
}

int tc_pg_session_delete(tc_store_t *s, const unsigned char *token_hash, size_t hashlen)
{
    tc_pg_args_t a = {0};
    tc_pg__bytes(&a, token_hash, hashlen);
    char err[256];
    return tc_pg__run(s, "DELETE FROM console_session WHERE token_hash = $1", &a, NULL, err,
                      sizeof err);
}

int tc_pg_sessions_prune(tc_store_t *s, int64_t created_before, int64_t seen_before)
{
    tc_pg_args_t a = {0};
    tc_pg__int(&a, created_before);
    tc_pg__int(&a, seen_before);
    char err[256];
    return tc_pg__run(s, "DELETE FROM console_session WHERE created_at < $1 OR seen_at < $2", &a,
                      NULL, err, sizeof err);
}

int tc_pg_audit_add(tc_store_t *s, const tc_audit_t *line, char *err, size_t errlen)
{
    tc_pg_args_t a = {0};
    tc_pg__int(&a, line->at);
    tc_pg__text(&a, line->actor);
    tc_pg__text(&a, line->action);
    tc_pg__text(&a, line->target ? line->target : "");
    tc_pg__text(&a, line->detail ? line->detail : "");
    return tc_pg__run(s,
                      "INSERT INTO audit_log (at, actor, action, target, detail) VALUES ($1, $2,"
                      " $3, $4, $5)",
                      &a, NULL, err, errlen);
}

int tc_pg_audit_list(tc_store_t *s, size_t offset, size_t limit, tc_audit_t **out, size_t *n,
                     char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    tc_pg_args_t a = {0};
    tc_pg__int(&a, (int64_t)limit);
    tc_pg__int(&a, (int64_t)offset);
    PGresult *r = tc_pg__query(s,
                               "SELECT at, actor, action, target, detail FROM audit_log"
                               " ORDER BY id DESC LIMIT $1 OFFSET $2",
                               &a, err, errlen);
    if (!r)
        return TC_ESTORE;
    if (limit)
        *out = tc_calloc(limit, sizeof **out);
    for (int i = 0; i < PQntuples(r) && *n < limit; i++) {
        tc_audit_t *line = &(*out)[(*n)++];
        line->at = tc_pg__i64(r, i, 0);
        line->actor = tc_pg__dup(r, i, 1);
        line->action = tc_pg__dup(r, i, 2);
        line->target = tc_pg__dup(r, i, 3);
        line->detail = tc_pg__dup(r, i, 4);
    }
    PQclear(r);
    return 0;
}

int tc_pg_schedule_put(tc_store_t *s, const char *id, const char *doc, bool from_config,
                       char *err, size_t errlen)
{
    tc_pg_args_t a = {0};
    tc_pg__text(&a, id);
    tc_pg__text(&a, doc);
    tc_pg__bool(&a, from_config);
    return tc_pg__run(s,
                      "INSERT INTO maintenance_schedule (id, doc, from_config) VALUES ($1, $2,"
                      " $3) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc,"
                      " from_config = excluded.from_config",
                      &a, NULL, err, errlen);
}

int tc_pg_schedule_mark(tc_store_t *s, const char *id, int64_t last_start, char *err,
                        size_t errlen)
{
    tc_pg_args_t a = {0};
    tc_pg__text(&a, id);
    tc_pg__int(&a, last_start);
    return tc_pg__run(s, "UPDATE maintenance_schedule SET last_start = $2 WHERE id = $1", &a,
                      NULL, err, errlen);
}

int tc_pg_schedule_delete(tc_store_t *s, const char *id, char *err, size_t errlen)
{
    tc_pg_args_t a = {0};
    tc_pg__text(&a, id);
    long removed = 0;
    int rc = tc_pg__run(s, "DELETE FROM maintenance_schedule WHERE id = $1", &a, &removed, err,
                        errlen);
    if (!rc && removed == 0) {
        snprintf(err, errlen, "no recurring maintenance with id %s", id);
        return TC_ENOENT;
    }
    return rc;
}

int tc_pg_each_schedule(tc_store_t *s,
                        void (*fn)(void *ctx, const char *id, const char *doc, bool from_config,
                                   int64_t last_start),
                        void *ctx, char *err, size_t errlen)
{
    PGresult *r = tc_pg__query(s,
                               "SELECT id, doc, from_config, last_start FROM"
                               " maintenance_schedule ORDER BY id COLLATE \"C\"",
                               NULL, err, errlen);
    if (!r)
        return TC_ESTORE;
    for (int i = 0; i < PQntuples(r); i++)
        fn(ctx, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), tc_pg__bool_at(r, i, 2),
           tc_pg__i64(r, i, 3));
    PQclear(r);
    return 0;
}
