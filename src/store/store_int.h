/* For the store's backends only (store.c, store_sqlite*.c, store_pg*.c, store_copy.c): how
 * store.c dispatches store.h's calls to the backend that opened the store. Nothing outside
 * src/store/ includes this header; the daemon sees store.h.
 *
 * Each backend completes `struct tc_store` privately, in its own _int.h, and its first member
 * is always `const tc_store_ops_t *ops`: store.c never sees the rest, it reads that first
 * member and calls through it. A backend implements every function of TC_STORE_API under its
 * own prefix (tc_sqlite_begin, tc_pg_begin, ...) and lists them in a const ops table made with
 * the same list, so a function missing from a backend is a link error, not a crash.
 *
 * Adding a store function: declare it in store.h, add it to TC_STORE_API (the same
 * parameters: store.c's definition is checked against store.h's declaration), implement it in
 * both backends (the SQLite files keep store.h's names; store_sqlite_names.h maps them). */
#ifndef TC_STORE_INT_H
#define TC_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Every store.h function that works on an open store and returns int: name, parameters,
 * arguments. tc_store_rollback() and tc_store_close() return nothing and are listed in
 * tc_store_ops_t by hand. */
#define TC_STORE_API(XX)                                                                          \
    XX(begin, (tc_store_t *s, char *err, size_t errlen), (s, err, errlen))                        \
    XX(commit, (tc_store_t *s, char *err, size_t errlen), (s, err, errlen))                       \
    XX(backup,                                                                                    \
       (tc_store_t *s, const char *path, char *err, size_t errlen),                               \
       (s, path, err, errlen))                                                                    \
    XX(schema_version, (tc_store_t *s), (s))                                                      \
    XX(changed_elsewhere, (tc_store_t *s, bool *changed, char *err, size_t errlen),              \
       (s, changed, err, errlen))                                                                 \
    XX(defer_checkpoints, (tc_store_t *s, char *err, size_t errlen), (s, err, errlen))            \
    XX(checkpoint, (tc_store_t *s, char *err, size_t errlen), (s, err, errlen))                   \
    XX(sync_rows,                                                                                 \
       (tc_store_t *s, tc_store_row_t *rows, size_t n, int64_t now, char *err, size_t errlen),    \
       (s, rows, n, now, err, errlen))                                                            \
    XX(set_status,                                                                                \
       (tc_store_t *s, const char *id, tc_status_t status, int64_t now, char *err,                \
        size_t errlen),                                                                           \
       (s, id, status, now, err, errlen))                                                         \
    XX(status_log,                                                                                \
       (tc_store_t *s, const char *id, int64_t from, tc_status_change_t **out, size_t *n,         \
        char *err, size_t errlen),                                                                \
       (s, id, from, out, n, err, errlen))                                                        \
    XX(replace_import_log,                                                                        \
       (tc_store_t *s, const char *source, const tc_store_log_entry_t *e, size_t n, char *err,    \
        size_t errlen),                                                                           \
       (s, source, e, n, err, errlen))                                                            \
    XX(rollup,                                                                                    \
       (tc_store_t *s, int64_t now, int64_t raw_keep_ms, int64_t agg_keep_ms, int64_t *cursor,    \
        char *err, size_t errlen),                                                                \
       (s, now, raw_keep_ms, agg_keep_ms, cursor, err, errlen))                                   \
    XX(add_results,                                                                               \
       (tc_store_t *s, const tc_store_result_t *r, size_t n, char *err, size_t errlen),           \
       (s, r, n, err, errlen))                                                                    \
    XX(put_incident,                                                                              \
       (tc_store_t *s, const char *id, uint64_t seq, const char *doc, int64_t now, char *err,     \
        size_t errlen),                                                                           \
       (s, id, seq, doc, now, err, errlen))                                                       \
    XX(delete_incident,                                                                           \
       (tc_store_t *s, const char *id, char *err, size_t errlen),                                 \
       (s, id, err, errlen))                                                                      \
    XX(each_incident,                                                                             \
       (tc_store_t *s, void (*fn)(void *ctx, const char *doc), void *ctx, char *err,              \
        size_t errlen),                                                                           \
       (s, fn, ctx, err, errlen))                                                                 \
    XX(set_manual_status,                                                                         \
       (tc_store_t *s, const char *id, const tc_status_t *status, char *err, size_t errlen),      \
       (s, id, status, err, errlen))                                                              \
    XX(add_key,                                                                                   \
       (tc_store_t *s, const char *id, const char *name, const unsigned char *hash,               \
        size_t hashlen, int64_t now, char *err, size_t errlen),                                   \
       (s, id, name, hash, hashlen, now, err, errlen))                                            \
    XX(revoke_key,                                                                                \
       (tc_store_t *s, const char *id, int64_t now, char *err, size_t errlen),                    \
       (s, id, now, err, errlen))                                                                 \
    XX(each_key,                                                                                  \
       (tc_store_t *s, void (*fn)(void *ctx, const char *id, const char *name, int64_t created,   \
        int64_t revoked), void *ctx, char *err, size_t errlen),                                   \
       (s, fn, ctx, err, errlen))                                                                 \
    XX(key_name,                                                                                  \
       (tc_store_t *s, const unsigned char *hash, size_t hashlen, char *name, size_t namelen),    \
       (s, hash, hashlen, name, namelen))                                                         \
    XX(monitor_pause,                                                                             \
       (tc_store_t *s, const char *id, int64_t paused_at, const char *by, char *err,              \
        size_t errlen),                                                                           \
       (s, id, paused_at, by, err, errlen))                                                       \
    XX(monitor_paused,                                                                            \
       (tc_store_t *s, const char *id, int64_t *paused_at, char *by, size_t bylen),               \
       (s, id, paused_at, by, bylen))                                                             \
    XX(last_results,                                                                              \
       (tc_store_t *s, const char *monitor_id, const char *location, size_t max, int *verdicts,   \
        double *latency_ms, size_t *n),                                                           \
       (s, monitor_id, location, max, verdicts, latency_ms, n))                                   \
    XX(first_failure,                                                                             \
       (tc_store_t *s, const char *monitor_id, int64_t from, int64_t to, int64_t *at,             \
        bool *hourly),                                                                            \
       (s, monitor_id, from, to, at, hourly))                                                     \
    XX(outbox_add,                                                                                \
       (tc_store_t *s, const tc_outbox_t *msgs, size_t n, char *err, size_t errlen),              \
       (s, msgs, n, err, errlen))                                                                 \
    XX(outbox_due,                                                                                \
       (tc_store_t *s, int64_t now, const char *claimer, const char *const *skip, size_t nskip,   \
        size_t limit, tc_outbox_t **out, size_t *n, char *err, size_t errlen),                    \
       (s, now, claimer, skip, nskip, limit, out, n, err, errlen))                                \
    XX(outbox_mark,                                                                               \
       (tc_store_t *s, const char *id, const char *state, int attempts, int64_t next_at,          \
        const char *error, char *err, size_t errlen),                                             \
       (s, id, state, attempts, next_at, error, err, errlen))                                     \
    XX(outbox_counts, (tc_store_t *s, long counts[3], long *retried), (s, counts, retried))       \
    XX(outbox_dead,                                                                               \
       (tc_store_t *s, tc_outbox_t **out, size_t *n, char *err, size_t errlen),                   \
       (s, out, n, err, errlen))                                                                  \
    XX(outbox_pending,                                                                            \
       (tc_store_t *s, tc_outbox_t **out, size_t *n, char *err, size_t errlen),                   \
       (s, out, n, err, errlen))                                                                  \
    XX(outbox_retry,                                                                              \
       (tc_store_t *s, const char *id, int64_t now, int64_t expires_at, char *err,                \
        size_t errlen),                                                                           \
       (s, id, now, expires_at, err, errlen))                                                     \
    XX(outbox_prune,                                                                              \
       (tc_store_t *s, int64_t delivered_before, int64_t dead_before, size_t limit,               \
        size_t *deleted, char *err, size_t errlen),                                               \
       (s, delivered_before, dead_before, limit, deleted, err, errlen))                           \
    XX(subscriber_add,                                                                            \
       (tc_store_t *s, const tc_subscriber_t *sub, const char *confirm_hash, char *err,           \
        size_t errlen),                                                                           \
       (s, sub, confirm_hash, err, errlen))                                                       \
    XX(subscriber_update,                                                                         \
       (tc_store_t *s, const char *id, const char *components, const char *confirm_hash,          \
        char *err, size_t errlen),                                                                \
       (s, id, components, confirm_hash, err, errlen))                                            \
    XX(subscriber_get, (tc_store_t *s, const char *id, tc_subscriber_t *out), (s, id, out))       \
    XX(subscriber_find,                                                                           \
       (tc_store_t *s, const char *kind, const char *address, tc_subscriber_t *out),              \
       (s, kind, address, out))                                                                   \
    XX(subscriber_confirm,                                                                        \
       (tc_store_t *s, const char *confirm_hash, tc_subscriber_t *out),                           \
       (s, confirm_hash, out))                                                                    \
    XX(subscriber_unsubscribe,                                                                    \
       (tc_store_t *s, const char *id, int64_t now, char *err, size_t errlen),                    \
       (s, id, now, err, errlen))                                                                 \
    XX(subscribers,                                                                               \
       (tc_store_t *s, bool deliverable, tc_subscriber_t **out, size_t *n, char *err,             \
        size_t errlen),                                                                           \
       (s, deliverable, out, n, err, errlen))                                                     \
    XX(user_add,                                                                                  \
       (tc_store_t *s, const tc_user_t *u, char *err, size_t errlen),                             \
       (s, u, err, errlen))                                                                       \
    XX(user_by_name, (tc_store_t *s, const char *name, tc_user_t *out), (s, name, out))           \
    XX(user_by_id, (tc_store_t *s, const char *id, tc_user_t *out), (s, id, out))                 \
    XX(users,                                                                                     \
       (tc_store_t *s, tc_user_t **out, size_t *n, char *err, size_t errlen),                     \
       (s, out, n, err, errlen))                                                                  \
    XX(user_remove,                                                                               \
       (tc_store_t *s, const char *name, char *err, size_t errlen),                               \
       (s, name, err, errlen))                                                                    \
    XX(user_set_password,                                                                         \
       (tc_store_t *s, const char *name, const char *password_hash, int64_t now, char *err,       \
        size_t errlen),                                                                           \
       (s, name, password_hash, now, err, errlen))                                                \
    XX(session_add,                                                                               \
       (tc_store_t *s, const unsigned char *token_hash, size_t hashlen, const char *user_id,      \
        const char *csrf, int64_t now, char *err, size_t errlen),                                 \
       (s, token_hash, hashlen, user_id, csrf, now, err, errlen))                                 \
    XX(session_get,                                                                               \
       (tc_store_t *s, const unsigned char *token_hash, size_t hashlen, tc_session_t *out),       \
       (s, token_hash, hashlen, out))                                                             \
    XX(session_touch,                                                                             \
       (tc_store_t *s, const unsigned char *token_hash, size_t hashlen, int64_t now),             \
       (s, token_hash, hashlen, now))                                                             \
    XX(session_delete,                                                                            \
       (tc_store_t *s, const unsigned char *token_hash, size_t hashlen),                          \
       (s, token_hash, hashlen))                                                                  \
    XX(sessions_prune,                                                                            \
       (tc_store_t *s, int64_t created_before, int64_t seen_before),                              \
       (s, created_before, seen_before))                                                          \
    XX(audit_add,                                                                                 \
       (tc_store_t *s, const tc_audit_t *a, char *err, size_t errlen),                            \
       (s, a, err, errlen))                                                                       \
    XX(audit_list,                                                                                \
       (tc_store_t *s, size_t offset, size_t limit, tc_audit_t **out, size_t *n, char *err,       \
        size_t errlen),                                                                           \
       (s, offset, limit, out, n, err, errlen))                                                   \
    XX(schedule_put,                                                                              \
       (tc_store_t *s, const char *id, const char *doc, bool from_config, char *err,              \
        size_t errlen),                                                                           \
       (s, id, doc, from_config, err, errlen))                                                    \
    XX(schedule_mark,                                                                             \
       (tc_store_t *s, const char *id, int64_t last_start, char *err, size_t errlen),             \
       (s, id, last_start, err, errlen))                                                          \
    XX(schedule_delete,                                                                           \
       (tc_store_t *s, const char *id, char *err, size_t errlen),                                 \
       (s, id, err, errlen))                                                                      \
    XX(each_schedule,                                                                             \
       (tc_store_t *s, void (*fn)(void *ctx, const char *id, const char *doc, bool from_config,   \
        int64_t last_start), void *ctx, char *err, size_t errlen),                                \
       (s, fn, ctx, err, errlen))                                                                 \
    XX(setting,                                                                                   \
       (tc_store_t *s, const char *key, const char *fresh, char **value, char *err,               \
        size_t errlen),                                                                           \
       (s, key, fresh, value, err, errlen))

typedef struct tc_store_ops {
    const char *name; /* "sqlite" or "postgresql" */
#define TC_STORE_OP(name, params, args) int(*name) params;
    TC_STORE_API(TC_STORE_OP)
#undef TC_STORE_OP
    void (*rollback)(tc_store_t *s);
    void (*close)(tc_store_t *s);
} tc_store_ops_t;

extern const tc_store_ops_t tc_store_sqlite_ops; /* store_sqlite_ops.c */
extern const tc_store_ops_t tc_store_pg_ops;     /* store_pg.c */

/** Each backend opens from what it needs; tc_store_open() picks one and sets the handle's
 *  ops. @return 0, or TC_ESTORE with the reason in @p err. */
int tc_sqlite_open(const char *dir, tc_store_t **out, char *err, size_t errlen);
int tc_pg_open(const char *dsn, tc_store_t **out, char *err, size_t errlen);

/* ---- copying a store (store_copy.c), for `tocsin migrate` ---- */

/* One value of a copied row: text (numbers as their decimal text) or bytes; p NULL for SQL
 * NULL. Borrowed for the duration of the callback. */
typedef struct tc_store_value {
    const char *p;
    size_t len;
} tc_store_value_t;

/* A table as the copy sees it: its columns in both backends' order, and which of them hold
 * bytes (bit i for column i) rather than text. */
typedef struct tc_store_table {
    const char *name;
    const char *columns; /* "id, name, ..." */
    int ncolumns;
    unsigned bytes;
} tc_store_table_t;

/** Call @p fn with every row of table @p t of SQLite store @p s, in primary-key order.
 *  @p fn returns 0 to go on, or an error code that stops the walk and is returned.
 *  (store_sqlite_ops.c) */
int tc_sqlite__each_row(tc_store_t *s, const tc_store_table_t *t,
                        int (*fn)(void *ctx, const tc_store_value_t *row), void *ctx,
                        char *err, size_t errlen);

/** Insert @p n rows (each t->ncolumns values, row after row) into table @p t of PostgreSQL
 *  store @p s, inside the caller's transaction. (store_pg_copy.c) */
int tc_pg__insert_rows(tc_store_t *s, const tc_store_table_t *t, const tc_store_value_t *rows,
                       size_t n, char *err, size_t errlen);
/** Whether table @p t of PostgreSQL store @p s has a row: 1, 0, or TC_ESTORE. */
int tc_pg__has_rows(tc_store_t *s, const tc_store_table_t *t, char *err, size_t errlen);
/** After a copy: move the identity sequences past the copied ids, so the next row inserted
 *  gets a fresh one. */
int tc_pg__after_copy(tc_store_t *s, char *err, size_t errlen);

#endif
