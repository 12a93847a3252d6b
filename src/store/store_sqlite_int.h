/* Private to the SQLite store: the handle and the statement helpers its parts share
 * (store_sqlite.c, store_sqlite_components.c, store_sqlite_results.c, store_sqlite_outbox.c).
 * These files, and only these, include <sqlite3.h>. Nothing outside src/store/ includes
 * this header; the daemon sees store.h. */
#ifndef TC_STORE_SQLITE_INT_H
#define TC_STORE_SQLITE_INT_H

#include "store/store_sqlite_names.h" /* first: before store.h */

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "store/store_int.h"

struct tc_store {
    const tc_store_ops_t *ops; /* first (store_int.h); set by store.c's tc_store_open() */
    sqlite3 *db; /* owned */
    int version; /* schema version after migrations */
    int depth;   /* open tc_store_begin() calls: only the outermost one talks to SQLite */
    int failed;  /* a nested step failed: the outermost end rolls back */
    int64_t data_version; /* PRAGMA data_version at the last tc_store_changed_elsewhere();
                             -1 before the first */
    char *path;           /* owned: the database file, for the checkpointer's connection */
    sqlite3 *checkpointer; /* owned: tc_store_checkpoint()'s own connection, opened by its
                              first call (on a worker thread), or NULL */
};

/** Put "@p what: <SQLite's message for @p db>" into @p err. @return TC_ESTORE. */
int tc_sqlite__fail(sqlite3 *db, const char *what, char *err, size_t errlen);

/** Bind @p v (borrowed until the statement is stepped) at @p i, or NULL when @p v is. */
void tc_sqlite__bind_text(sqlite3_stmt *st, int i, const char *v);

/** @return a malloc'd copy of text column @p i, or NULL when it is NULL. */
char *tc_sqlite__col_dup(sqlite3_stmt *st, int i);

/** Prepare, bind by position (?1 @p t1, ?2 @p t2, ?3 @p blob, ?4 @p n1, ?5 @p n2; a NULL
 *  text or blob stays NULL), step once and finalize: for writes that return no rows.
 *  sqlite3_changes() tells the caller how many rows it touched.
 *  @return 0 or TC_ESTORE with the reason in @p err. */
int tc_sqlite__run(sqlite3 *db, const char *sql, const char *t1, const char *t2, const void *blob,
                   int blob_len, int64_t n1, int64_t n2, char *err, size_t errlen);

/** The last migration's version (store_sqlite.c). */
int tc_sqlite__newest_version(void);

#endif
