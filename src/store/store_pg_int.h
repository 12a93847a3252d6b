/* Private to the PostgreSQL store: the handle and the statement helpers its parts share
 * (store_pg.c, store_pg_components.c, store_pg_results.c, store_pg_outbox.c,
 * store_pg_accounts.c, store_pg_copy.c). These files, and probe_postgres.c, are the only ones
 * that include <libpq-fe.h>. Nothing outside src/store/ includes this header.
 *
 * The connection is synchronous: every helper here sends one statement and waits for its
 * answer, one network round trip, on the calling (engine) thread. */
#ifndef TC_STORE_PG_INT_H
#define TC_STORE_PG_INT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#include "store/store.h"
#include "store/store_int.h"

struct tc_store {
    const tc_store_ops_t *ops; /* first (store_int.h); set by store.c's tc_store_open() */
    PGconn *conn;              /* owned */
    int version;               /* schema version after migrations */
    int depth;                 /* open tc_store_begin() calls: only the outermost one talks */
    int failed;                /* a step inside the transaction failed: it ends in ROLLBACK */
    int64_t retry_at;          /* monotonic ms before which a lost connection is not retried */
};

/* Every store.h function, under the prefix tc_pg_ (listed in tc_store_pg_ops). */
#define TC_PG_DECLARE(name, params, args) int tc_pg_##name params;
TC_STORE_API(TC_PG_DECLARE)
#undef TC_PG_DECLARE
void tc_pg_rollback(tc_store_t *s);
void tc_pg_close(tc_store_t *s);

/* The parameters of one statement: text, except bytes, which go in binary. Numbers are
 * printed into the struct itself, so an args value must not be copied once filled. */
#define TC_PG_MAX_ARGS 12
typedef struct tc_pg_args {
    int n;
    const char *values[TC_PG_MAX_ARGS];
    int lengths[TC_PG_MAX_ARGS];
    int formats[TC_PG_MAX_ARGS];
    char numbers[TC_PG_MAX_ARGS][32];
} tc_pg_args_t;

/** Append a parameter: text (NULL for SQL NULL), a 64-bit integer, a real, a boolean, bytes. */
void tc_pg__text(tc_pg_args_t *a, const char *v);
void tc_pg__int(tc_pg_args_t *a, int64_t v);
void tc_pg__real(tc_pg_args_t *a, double v);
void tc_pg__bool(tc_pg_args_t *a, bool v);
void tc_pg__bytes(tc_pg_args_t *a, const void *v, size_t len);

/** Run @p sql with @p n parameters (arrays as PQexecParams takes them; @p formats may be NULL
 *  for all text). Text that is not valid UTF-8 is sent with the bad bytes replaced, since the
 *  server refuses it. A failure inside a transaction marks it failed (PostgreSQL has aborted
 *  it). @return the result (free with PQclear) or NULL with the reason in @p err. */
PGresult *tc_pg__exec(tc_store_t *s, const char *sql, int n, const char *const *values,
                      const int *lengths, const int *formats, char *err, size_t errlen);
/** tc_pg__exec() with @p a (NULL for none). */
PGresult *tc_pg__query(tc_store_t *s, const char *sql, const tc_pg_args_t *a, char *err,
                       size_t errlen);
/** Run a statement that returns no rows. @param changed receives how many rows it touched;
 *  may be NULL. @return 0 or TC_ESTORE. */
int tc_pg__run(tc_store_t *s, const char *sql, const tc_pg_args_t *a, long *changed, char *err,
               size_t errlen);

/** Run @p sql and read each row of its answer with @p read into a new array of @p size-byte
 *  elements, handed out in *@p out (NULL when there is none) and *@p n.
 *  @return 0 or TC_ESTORE (then *@p out is NULL and *@p n 0). */
int tc_pg__read_rows(tc_store_t *s, const char *sql, const tc_pg_args_t *a, size_t size,
                     void (*read)(const PGresult *r, int row, void *elem), void **out, size_t *n,
                     char *err, size_t errlen);

/** @return a malloc'd copy of the value at @p row, @p col, or NULL when it is NULL. */
char *tc_pg__dup(const PGresult *r, int row, int col);
/** @return the integer at @p row, @p col; 0 when NULL. */
int64_t tc_pg__i64(const PGresult *r, int row, int col);
/** @return the boolean at @p row, @p col ("t"); false when NULL. */
bool tc_pg__bool_at(const PGresult *r, int row, int col);

/** Append @p v to @p out (a PostgreSQL array literal being built, like {"a","b"}), quoted. */
void tc_pg__array_add(tc_buf_t *out, const char *v);

/** Open a store handle on @p dsn, as tc_pg_open() does; with @p lease, on a session tuned to
 *  hold the leader's lock (tighter keepalives on both ends, a statement timeout). The handle
 *  is complete (its ops set). @return 0 or TC_ESTORE with the reason in @p err. */
int tc_pg__open(const char *dsn, bool lease, tc_store_t **out, char *err, size_t errlen);

/** The last migration's version (store_pg.c). */
int tc_pg__newest_version(void);

#endif
