/* The store: durable state behind one interface, with two backends: SQLite (the embedded
 * default, store_sqlite*.c) and PostgreSQL (store_pg*.c; several nodes on one database later).
 * Only the engine thread calls it (it is the only writer), so a tc_store_t is not thread-safe.
 * Every call is synchronous: with PostgreSQL each one waits for at least one network round
 * trip. SQLite keeps the database in WAL mode with synchronous=FULL and PostgreSQL commits
 * durably, so a write that returned 0 survives a crash. Schema changes are numbered
 * migrations, the same numbers in both dialects, applied by tc_store_open().
 *
 * Ownership: the store never keeps pointers to caller data; strings it returns are copies
 * owned by the caller's row (freed with tc_store_rows_free()). */
#ifndef TC_STORE_H
#define TC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status/rollup.h"
#include "status/uptime.h"

typedef struct tc_store tc_store_t;

/* One row of the page's component list: a component or a group. */
typedef struct tc_store_row {
    char *id;
    char *name;
    char *description;     /* NULL when none */
    char *group_id;        /* NULL at the top level */
    int position;
    bool is_group;
    bool showcase;
    bool only_show_if_degraded;
    tc_status_t status;    /* in-out for tc_store_sync_rows(): kept from the store */
    bool has_manual;       /* out: a person set the status (tc_store_set_manual_status) */
    tc_status_t manual_status;
    int64_t created_at;    /* ms since the epoch; kept across restarts */
    int64_t updated_at;    /* ms since the epoch; bumped when a field or the status changes */
} tc_store_row_t;

/** Open the store and apply pending migrations: with @p dsn NULL, SQLite's database in folder
 *  @p dir (both created if needed); otherwise the PostgreSQL database that libpq connection
 *  string @p dsn names (@p dir is then not used by the store). Both backends keep the same
 *  tables and answer every function below alike (docs/internals/STORE.md).
 *  @return 0, or TC_ESTORE with the reason in @p err. */
#ifndef TC_STORE_SQLITE_NAMES /* SQLite's own open has other parameters (store_int.h) */
int tc_store_open(const char *dir, const char *dsn, tc_store_t **out, char *err, size_t errlen);
#endif

/** "sqlite" or "postgresql": which backend @p s is. */
const char *tc_store_kind(tc_store_t *s);

/** Group the following store calls into one transaction, ended by tc_store_commit() (which
 *  fails, and rolls everything back, if any call inside failed) or tc_store_rollback(). */
int tc_store_begin(tc_store_t *s, char *err, size_t errlen);
int tc_store_commit(tc_store_t *s, char *err, size_t errlen);
void tc_store_rollback(tc_store_t *s);

/** Write a consistent copy of the running store to the new file @p path (never over an
 *  existing one), with SQLite's online backup: writers carry on meanwhile. The copy is checked
 *  (integrity, schema) before this returns. @return 0, TC_EIO, TC_ESTORE or TC_EINVAL. */
int tc_store_backup(tc_store_t *s, const char *path, char *err, size_t errlen);
/** Restore backup @p path into data folder @p dir, which must hold no store and no running
 *  daemon. The backup must be a sound tocsin store of this version's schema or older (the
 *  next start migrates it). @return 0, TC_EINVAL (not a usable backup), TC_EEXIST (the
 *  folder holds a store or a daemon), TC_ESTORE. */
int tc_store_restore(const char *path, const char *dir, char *err, size_t errlen);

/** Close the database. NULL is accepted. */
void tc_store_close(tc_store_t *s);

/** Copy every row of SQLite store @p from into PostgreSQL store @p to, which must not hold a
 *  row yet, in one transaction on @p to: all of it, or on any failure nothing. Both must be at
 *  the newest schema (tc_store_open() brings them there). @p progress, unless NULL, is told
 *  each table and how many rows it held once the table is copied.
 *  @return 0, TC_EINVAL (not SQLite into PostgreSQL), TC_EEXIST (@p to holds rows) or
 *  TC_ESTORE, with the reason in @p err. */
int tc_store_copy(tc_store_t *from, tc_store_t *to,
                  void (*progress)(void *ctx, const char *table, size_t rows), void *ctx,
                  char *err, size_t errlen);

/** @return the schema version the database is at (the last applied migration). */
int tc_store_schema_version(tc_store_t *s);

/** The daemon's store: no longer move the write-ahead log into the database file when a
 *  commit fills it (SQLite's automatic checkpoint, which held the engine's loop for up to a
 *  tenth of a second); tc_store_checkpoint() does it, off the loop. PostgreSQL: nothing.
 *  @return 0 or TC_ESTORE. */
int tc_store_defer_checkpoints(tc_store_t *s, char *err, size_t errlen);

/** Move what the write-ahead log holds into the database file, without waiting for readers
 *  or the writer (SQLite's PASSIVE checkpoint), on a connection of its own: for a worker
 *  thread, one call at a time, while the store is open. PostgreSQL: nothing.
 *  @return 0 or TC_ESTORE. */
int tc_store_checkpoint(tc_store_t *s, char *err, size_t errlen);

/** Has another connection (`tocsin import`, another command) changed the store since the
 *  last call? *@p changed is true then, and at the first call. SQLite knows it (PRAGMA
 *  data_version); for PostgreSQL it is always true. @return 0 or TC_ESTORE. */
int tc_store_changed_elsewhere(tc_store_t *s, bool *changed, char *err, size_t errlen);

/** Make the stored rows match the configured @p rows in one transaction: new rows are inserted
 *  with created_at = @p now, changed rows get updated_at = @p now, and rows no longer
 *  configured are retired (kept, so their history is not lost, but not listed). On return each
 *  row's status, created_at and updated_at hold the stored values.
 *  @return 0 or TC_ESTORE with the reason in @p err (nothing is changed then). */
int tc_store_sync_rows(tc_store_t *s, tc_store_row_t *rows, size_t n, int64_t now, char *err,
                       size_t errlen);

/** Record that component @p id now has @p status (updated_at = @p now), and append the change
 *  to its status log, in one transaction.
 *  @return 0 or TC_ESTORE with the reason in @p err. */
int tc_store_set_status(tc_store_t *s, const char *id, tc_status_t status, int64_t now,
                        char *err, size_t errlen);

/** The status log of component @p id from @p from on: the last change before @p from (the
 *  status at @p from), then every later change, oldest first.
 *  @param out receives a malloc'd array the caller frees. @return 0 or TC_ESTORE. */
int tc_store_status_log(tc_store_t *s, const char *id, int64_t from,
                        tc_status_change_t **out, size_t *n, char *err, size_t errlen);

/* A status change of a component that an imported incident records (its updates'
 * affected_components), so a history brought in by `tocsin import` shows on the bars and in
 * uptime as it did on the page it came from. */
typedef struct tc_store_log_entry {
    const char *component_id;
    int64_t at;         /* wall ms */
    tc_status_t status; /* from @at on */
} tc_store_log_entry_t;

/** Replace the status changes recorded for imported incident @p source with @p e (none when
 *  @p n is 0), in one transaction, so importing the same incident again (moved in time or
 *  not) leaves one set of changes. Changes the daemon recorded itself are never touched.
 *  @return 0 or TC_ESTORE with the reason in @p err. */
int tc_store_replace_import_log(tc_store_t *s, const char *source, const tc_store_log_entry_t *e,
                                size_t n, char *err, size_t errlen);

/** Housekeeping, run periodically by the engine, in slices so the loop never waits long:
 *  aggregate raw results of every completed UTC hour and day not aggregated yet (count,
 *  failures, degraded, latency min/avg/max/p95), delete raw results older than
 *  @p raw_keep_ms and aggregates and status changes older than @p agg_keep_ms, each on the
 *  monitor's primary-key range. A pass starts with *cursor = 0 and the same @p now must be
 *  passed until it ends. @return TC_EAGAIN when monitors remain (call again with the updated
 *  *cursor), 0 when the pass is complete, TC_ESTORE on failure (that slice is rolled back). */
int tc_store_rollup(tc_store_t *s, int64_t now, int64_t raw_keep_ms, int64_t agg_keep_ms,
                    int64_t *cursor, char *err, size_t errlen);

/* One probe result, as kept in the raw results table. */
typedef struct tc_store_result {
    const char *monitor_id; /* borrowed for the duration of the call */
    int64_t at;             /* wall ms when the run started */
    int verdict;            /* 0 up, 1 degraded, 2 down */
    double latency_ms;
    const char *reason;     /* borrowed; "" when up */
    const char *location;   /* borrowed: where it was probed from (node.location); "" or NULL
                               for none */
} tc_store_result_t;

/** Append @p n results in one transaction (the engine batches them).
 *  @return 0 or TC_ESTORE with the reason in @p err (then none was written). */
int tc_store_add_results(tc_store_t *s, const tc_store_result_t *r, size_t n, char *err,
                         size_t errlen);

/** Write incident @p id (its whole JSON document @p doc) durably; @p seq is its numeric id.
 *  @return 0 or TC_ESTORE. */
int tc_store_put_incident(tc_store_t *s, const char *id, uint64_t seq, const char *doc,
                          int64_t now, char *err, size_t errlen);
/** Delete incident @p id. @return 0 or TC_ESTORE. */
int tc_store_delete_incident(tc_store_t *s, const char *id, char *err, size_t errlen);
/** Call @p fn with every stored incident document, oldest first. */
int tc_store_each_incident(tc_store_t *s, void (*fn)(void *ctx, const char *doc), void *ctx,
                           char *err, size_t errlen);

/** Set (or with @p status NULL, clear) the status a person gave component @p id, which wins
 *  over incidents and monitors until cleared. */
int tc_store_set_manual_status(tc_store_t *s, const char *id, const tc_status_t *status,
                               char *err, size_t errlen);

/** API keys: only a hash of each key is stored; the key itself is shown once, at creation. */
int tc_store_add_key(tc_store_t *s, const char *id, const char *name, const unsigned char *hash,
                     size_t hashlen, int64_t now, char *err, size_t errlen);
/** @return 0, TC_ENOENT when no active key has @p id, or TC_ESTORE. */
int tc_store_revoke_key(tc_store_t *s, const char *id, int64_t now, char *err, size_t errlen);
int tc_store_each_key(tc_store_t *s,
                      void (*fn)(void *ctx, const char *id, const char *name, int64_t created,
                                 int64_t revoked),
                      void *ctx, char *err, size_t errlen);
/** @return 1 when an unrevoked key has this hash, with its name copied into @p name (the
 *  write API's audit lines say which key made a change); 0 otherwise. */
int tc_store_key_name(tc_store_t *s, const unsigned char *hash, size_t hashlen, char *name,
                      size_t namelen);

/** Record that monitor @p id was paused at @p paused_at by @p by ("user:NAME"), or with
 *  @p paused_at 0 that it runs again. @return 0 or TC_ESTORE. */
int tc_store_monitor_pause(tc_store_t *s, const char *id, int64_t paused_at, const char *by,
                           char *err, size_t errlen);
/** Whether monitor @p id is paused: when and by whom (into @p by).
 *  @return 0 (paused), TC_ENOENT (not paused) or TC_ESTORE. */
int tc_store_monitor_paused(tc_store_t *s, const char *id, int64_t *paused_at, char *by,
                            size_t bylen);

/** The last @p max results of monitor @p monitor_id taken from @p location ("" for none;
 *  SQLite, which one node writes, has only its own and ignores it), oldest first: verdicts
 *  (0 up, 1 degraded, 2 down) into @p verdicts and response times in ms into @p latency_ms
 *  (-1 where none was stored); *n says how many. Used at start to restore threshold state
 *  and the page's response-time sparklines. */
int tc_store_last_results(tc_store_t *s, const char *monitor_id, const char *location,
                          size_t max, int *verdicts, double *latency_ms, size_t *n);

/** The time of the first result of monitor @p monitor_id that was not up, in [@p from,
 *  @p to], from the raw results, or, where those were pruned, from the hourly aggregates (the
 *  hour's start, *@p hourly set). @return 0 and *@p at, TC_ENOENT when there is none, or
 *  TC_ESTORE. */
int tc_store_first_failure(tc_store_t *s, const char *monitor_id, int64_t from, int64_t to,
                           int64_t *at, bool *hourly);

/* One message in the notification outbox. Strings are owned when the store hands rows out
 * (free with tc_store_outbox_free()), borrowed when the caller passes them in. */
typedef struct tc_outbox {
    char *id;          /* the delivery's idempotency key, sent as X-Tocsin-Event-Id */
    char *target;      /* channel id, or "subscriber:<id>" */
    char *kind;        /* webhook, slack, discord, teams, pagerduty, email */
    char *url;         /* subscriber webhooks only; channels take theirs from the config */
    char *payload;     /* the body to send */
    int64_t created_at, next_at, expires_at; /* wall ms */
    int attempts;
    char *last_error;  /* dead and pending messages only: the last attempt's error or NULL */
} tc_outbox_t;

/** Queue @p n messages in one transaction (an id already queued is ignored). */
int tc_store_outbox_add(tc_store_t *s, const tc_outbox_t *msgs, size_t n, char *err,
                        size_t errlen);
/** Up to @p limit pending messages due at @p now, oldest first, leaving out the ids in
 *  @p skip (those in flight). PostgreSQL, where several nodes may deliver, also claims them
 *  for node @p claimer for TC_OUTBOX_CLAIM_MS: rows are taken with FOR UPDATE SKIP LOCKED
 *  and another node's unexpired claims are left alone, so two nodes never take one message
 *  at once (SQLite, with one node, ignores @p claimer). */
int tc_store_outbox_due(tc_store_t *s, int64_t now, const char *claimer,
                        const char *const *skip, size_t nskip, size_t limit, tc_outbox_t **out,
                        size_t *n, char *err, size_t errlen);
/* How long a node's claim on outbox messages lasts: far longer than a delivery may take (30 s
 * at most), so a claim only runs out when its node went away mid-delivery. */
#define TC_OUTBOX_CLAIM_MS 120000
/** Record an attempt: @p state is "pending" (retry at @p next_at), "delivered" or "dead"
 *  (@p next_at is then when that happened; tc_store_outbox_prune() counts from it). */
int tc_store_outbox_mark(tc_store_t *s, const char *id, const char *state, int attempts,
                         int64_t next_at, const char *error, char *err, size_t errlen);
/** Messages by state (pending, delivered, dead) and how many needed more than one attempt. */
int tc_store_outbox_counts(tc_store_t *s, long counts[3], long *retried);
/** The latest dead messages (at most 500). */
int tc_store_outbox_dead(tc_store_t *s, tc_outbox_t **out, size_t *n, char *err, size_t errlen);
/** The messages still waiting to be sent, the next due first (at most 500), with the error
 *  of their last attempt when they had one. */
int tc_store_outbox_pending(tc_store_t *s, tc_outbox_t **out, size_t *n, char *err,
                            size_t errlen);
/** Put dead message @p id (or every dead one, with "*") back in the queue. */
int tc_store_outbox_retry(tc_store_t *s, const char *id, int64_t now, int64_t expires_at,
                          char *err, size_t errlen);
/** Delete at most @p limit finished messages: delivered ones whose delivery (next_at) is
 *  before @p delivered_before and dead ones that died (next_at) before @p dead_before.
 *  Pending messages are never deleted. @param deleted receives how many went; may be NULL.
 *  @return 0 when nothing older is left, TC_EAGAIN when @p limit rows went and more may
 *  remain (call again later), TC_ESTORE on failure. */
int tc_store_outbox_prune(tc_store_t *s, int64_t delivered_before, int64_t dead_before,
                          size_t limit, size_t *deleted, char *err, size_t errlen);
void tc_store_outbox_free(tc_outbox_t *msgs, size_t n);

/* A subscriber (statuspage-style notifications for the public). Strings are owned when the
 * store hands rows out (free with tc_store_subscribers_free()), borrowed when passed in. */
typedef struct tc_subscriber {
    char *id;             /* 12-character code */
    char *kind;           /* "email" or "webhook" */
    char *address;        /* the e-mail address or the webhook URL */
    char *components;     /* JSON array of component ids, NULL for the whole page */
    bool confirmed;       /* e-mail: the confirmation link was followed; webhooks: always */
    int64_t created_at;   /* wall ms */
    int64_t unsubscribed_at; /* 0 while subscribed */
} tc_subscriber_t;

/** Add @p sub; @p confirm_hash (hex) finds it again when its confirmation link is used. */
int tc_store_subscriber_add(tc_store_t *s, const tc_subscriber_t *sub, const char *confirm_hash,
                            char *err, size_t errlen);
/** Set the components of subscriber @p id and, unless NULL, a new confirmation hash. */
int tc_store_subscriber_update(tc_store_t *s, const char *id, const char *components,
                               const char *confirm_hash, char *err, size_t errlen);
/** Subscriber @p id (active or not), or the active one with @p kind and @p address, into
 *  @p out (release with tc_store_subscriber_clear()). @return 0, TC_ENOENT or TC_ESTORE. */
int tc_store_subscriber_get(tc_store_t *s, const char *id, tc_subscriber_t *out);
int tc_store_subscriber_find(tc_store_t *s, const char *kind, const char *address,
                             tc_subscriber_t *out);
/** Confirm the active subscriber whose confirmation hash is @p confirm_hash (the token is
 *  spent) and return it in @p out. @return 0, TC_ENOENT or TC_ESTORE. */
int tc_store_subscriber_confirm(tc_store_t *s, const char *confirm_hash, tc_subscriber_t *out);
/** Unsubscribe @p id and drop its undelivered messages, in one transaction.
 *  @return 0, TC_ENOENT (not subscribed) or TC_ESTORE. */
int tc_store_subscriber_unsubscribe(tc_store_t *s, const char *id, int64_t now, char *err,
                                    size_t errlen);
/** Subscribers still subscribed, oldest first; with @p deliverable only confirmed ones. */
int tc_store_subscribers(tc_store_t *s, bool deliverable, tc_subscriber_t **out, size_t *n,
                         char *err, size_t errlen);
/** Free the strings of one subscriber; of @p n subscribers and the array itself. */
void tc_store_subscriber_clear(tc_subscriber_t *sub);
void tc_store_subscribers_free(tc_subscriber_t *subs, size_t n);

/* ---- the console's people, sessions and audit log (store_sqlite_accounts.c) ---- */

/* A console user. Strings are owned when the store hands rows out (release with
 * tc_store_user_clear() / tc_store_users_free()), borrowed when passed in. */
typedef struct tc_user {
    char *id;
    char *name;
    char *role;           /* "admin" or "editor" */
    char *password_hash;  /* libsodium's crypto_pwhash_str() string (Argon2id) */
    int64_t created_at, password_changed_at; /* wall ms */
} tc_user_t;

/** Add @p u. @return 0, TC_EEXIST when the name is taken, or TC_ESTORE. */
int tc_store_user_add(tc_store_t *s, const tc_user_t *u, char *err, size_t errlen);
/** The user named @p name (or, with tc_store_user_by_id, with id @p id) into @p out.
 *  @return 0, TC_ENOENT or TC_ESTORE. */
int tc_store_user_by_name(tc_store_t *s, const char *name, tc_user_t *out);
int tc_store_user_by_id(tc_store_t *s, const char *id, tc_user_t *out);
/** Every user, by name. */
int tc_store_users(tc_store_t *s, tc_user_t **out, size_t *n, char *err, size_t errlen);
/** Remove the user named @p name and all their sessions. @return 0, TC_ENOENT, TC_ESTORE. */
int tc_store_user_remove(tc_store_t *s, const char *name, char *err, size_t errlen);
/** Set a new password hash for @p name and end all their sessions, in one transaction.
 *  @return 0, TC_ENOENT, TC_ESTORE. */
int tc_store_user_set_password(tc_store_t *s, const char *name, const char *password_hash,
                               int64_t now, char *err, size_t errlen);
void tc_store_user_clear(tc_user_t *u);
void tc_store_users_free(tc_user_t *users, size_t n);

/* A console session, found by the hash of its token. */
typedef struct tc_session {
    char *user_id;  /* owned */
    char *csrf;     /* owned: the token every form of this session carries */
    int64_t created_at, seen_at; /* wall ms */
} tc_session_t;

int tc_store_session_add(tc_store_t *s, const unsigned char *token_hash, size_t hashlen,
                         const char *user_id, const char *csrf, int64_t now, char *err,
                         size_t errlen);
/** @return 0, TC_ENOENT or TC_ESTORE. Release @p out with tc_store_session_clear(). */
int tc_store_session_get(tc_store_t *s, const unsigned char *token_hash, size_t hashlen,
                         tc_session_t *out);
/** Record that the session was used at @p now (its idle expiry counts from then). */
int tc_store_session_touch(tc_store_t *s, const unsigned char *token_hash, size_t hashlen,
                           int64_t now);
int tc_store_session_delete(tc_store_t *s, const unsigned char *token_hash, size_t hashlen);
/** Delete sessions created before @p created_before or idle since before @p seen_before. */
int tc_store_sessions_prune(tc_store_t *s, int64_t created_before, int64_t seen_before);
void tc_store_session_clear(tc_session_t *sess);

/* One line of the audit log. */
typedef struct tc_audit {
    int64_t at;    /* wall ms */
    char *actor;   /* "user:NAME" or "key:NAME" */
    char *action;  /* e.g. "incident.create" */
    char *target;  /* e.g. the incident id */
    char *detail;  /* a short human sentence */
} tc_audit_t;

int tc_store_audit_add(tc_store_t *s, const tc_audit_t *a, char *err, size_t errlen);
/** The latest @p limit lines, newest first, skipping the first @p offset. */
int tc_store_audit_list(tc_store_t *s, size_t offset, size_t limit, tc_audit_t **out, size_t *n,
                        char *err, size_t errlen);
void tc_store_audit_free(tc_audit_t *lines, size_t n);

/* ---- recurring maintenance windows (store_sqlite_accounts.c) ---- */

/** Add schedule @p id or replace its document (its last_start is kept). */
int tc_store_schedule_put(tc_store_t *s, const char *id, const char *doc, bool from_config,
                          char *err, size_t errlen);
/** Record that the window starting at @p last_start was made into a maintenance. */
int tc_store_schedule_mark(tc_store_t *s, const char *id, int64_t last_start, char *err,
                           size_t errlen);
/** Delete schedule @p id. @return 0, TC_ENOENT or TC_ESTORE. */
int tc_store_schedule_delete(tc_store_t *s, const char *id, char *err, size_t errlen);
/** Call @p fn with every schedule, by id. */
int tc_store_each_schedule(tc_store_t *s,
                           void (*fn)(void *ctx, const char *id, const char *doc,
                                      bool from_config, int64_t last_start),
                           void *ctx, char *err, size_t errlen);

/** The setting @p key, created as @p fresh when it does not exist yet (server secrets made
 *  at first start). *value is malloc'd. */
int tc_store_setting(tc_store_t *s, const char *key, const char *fresh, char **value, char *err,
                     size_t errlen);

/** Free the strings of @p n rows and the array itself. */
void tc_store_rows_free(tc_store_row_t *rows, size_t n);

#endif
