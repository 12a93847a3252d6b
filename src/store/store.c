/* The store's front: tc_store_open() picks the backend (PostgreSQL when a connection string is
 * given, SQLite otherwise), every other store.h call goes to the backend that opened the
 * store, and the rows both backends hand out are freed here. No SQL and no database library
 * here: each backend keeps its own (store_sqlite*.c, store_pg*.c; store_int.h). */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* Every backend's struct tc_store starts with its ops pointer (store_int.h); this file never
 * sees the rest of it. */
static const tc_store_ops_t *ops_of(tc_store_t *s)
{
    return *(const tc_store_ops_t *const *)(void *)s;
}

int tc_store_open(const char *dir, const char *dsn, tc_store_t **out, char *err, size_t errlen)
{
    const tc_store_ops_t *ops = dsn ? &tc_store_pg_ops : &tc_store_sqlite_ops;
    int rc = dsn ? tc_pg_open(dsn, out, err, errlen) : tc_sqlite_open(dir, out, err, errlen);
    if (rc == 0)
        *(const tc_store_ops_t **)(void *)*out = ops;
    return rc;
}

const char *tc_store_kind(tc_store_t *s)
{
    return ops_of(s)->name;
}

void tc_store_rollback(tc_store_t *s)
{
    ops_of(s)->rollback(s);
}

void tc_store_close(tc_store_t *s)
{
    if (s)
        ops_of(s)->close(s);
}

#define DISPATCH(name, params, args)                                                             \
    int tc_store_##name params                                                                   \
    {                                                                                            \
        return ops_of(s)->name args;                                                             \
    }
TC_STORE_API(DISPATCH)
#undef DISPATCH

/* ---- rows handed out by either backend ---- */

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

void tc_store_user_clear(tc_user_t *u)
{
    if (!u)
        return;
    free(u->id);
    free(u->name);
    free(u->role);
    /* A password hash is not a password, but there is no reason to leave it in freed memory. */
    if (u->password_hash)
        memset(u->password_hash, 0, strlen(u->password_hash));
    free(u->password_hash);
    memset(u, 0, sizeof *u);
}

void tc_store_users_free(tc_user_t *users, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tc_store_user_clear(&users[i]);
    free(users);
}

void tc_store_session_clear(tc_session_t *sess)
{
    if (!sess)
        return;
    free(sess->user_id);
    free(sess->csrf);
    memset(sess, 0, sizeof *sess);
}

void tc_store_audit_free(tc_audit_t *lines, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(lines[i].actor);
        free(lines[i].action);
        free(lines[i].target);
        free(lines[i].detail);
    }
    free(lines);
}
