/* Backups of the SQLite store: a consistent copy of a running store with SQLite's online
 * backup API (the daemon's writers carry on; the copy is one point in time), and a restore
 * into an empty data folder after checking that the file is a sound tocsin store that this
 * version can read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/dirlock.h"
#include "core/err.h"
#include "store/store_sqlite_int.h"

/* Copy database @p from into @p to, whole. */
static int copy_db(sqlite3 *from, sqlite3 *to, char *err, size_t errlen)
{
    sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
    if (!b)
        return tc_sqlite__fail(to, "backup", err, errlen);
    int step;
    /* In slices, so a busy daemon's writer is never locked out for the whole copy; a write in
     * between makes SQLite start the copy over, which is what keeps it consistent. */
    while ((step = sqlite3_backup_step(b, 256)) == SQLITE_OK || step == SQLITE_BUSY ||
           step == SQLITE_LOCKED)
        if (step != SQLITE_OK)
            sqlite3_sleep(20);
    sqlite3_backup_finish(b);
    if (step != SQLITE_DONE)
        return tc_sqlite__fail(to, "backup", err, errlen);
    return 0;
}

/* "ok" from PRAGMA integrity_check, and the schema version, of an open database. */
static int check_db(sqlite3 *db, int *version, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = TC_EINVAL;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW &&
        strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0)
        rc = 0;
    else
        snprintf(err, errlen, "not a sound SQLite database (integrity check failed)");
    sqlite3_finalize(st);
    st = NULL;
    if (!rc && (sqlite3_prepare_v2(db, "SELECT MAX(version) FROM schema_migration", -1, &st,
                                   NULL) != SQLITE_OK ||
                sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int(st, 0) < 1)) {
        snprintf(err, errlen, "not a tocsin store (no schema_migration table)");
        rc = TC_EINVAL;
    }
    if (!rc)
        *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc;
}

int tc_store_backup(tc_store_t *s, const char *path, char *err, size_t errlen)
{
    /* Never over an existing file: a backup must not destroy another one. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return TC_EIO;
    }
    close(fd);
    sqlite3 *to = NULL;
    int rc = 0;
    if (sqlite3_open_v2(path, &to, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        rc = tc_sqlite__fail(to, path, err, errlen);
    if (!rc)
        rc = copy_db(s->db, to, err, errlen);
    int version = 0;
    /* One self-contained file (no -wal beside it), checked as a restore would check it. */
    if (!rc)
        rc = sqlite3_exec(to, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) == SQLITE_OK
                 ? check_db(to, &version, err, errlen)
                 : tc_sqlite__fail(to, "backup", err, errlen);
    sqlite3_close(to);
    if (rc)
        unlink(path);
    return rc;
}

int tc_store_restore(const char *path, const char *dir, char *err, size_t errlen)
{
    int newest_version = tc_sqlite__newest_version();
    sqlite3 *from = NULL, *to = NULL;
    int rc = 0, version = 0, lock = -1;
    if (sqlite3_open_v2(path, &from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        rc = tc_sqlite__fail(from, path, err, errlen);
        goto out;
    }
    rc = check_db(from, &version, err, errlen);
    if (!rc && version > newest_version) {
        snprintf(err, errlen, "%s was made by a newer tocsin (schema %d; this one knows %d)",
                 path, version, newest_version);
        rc = TC_EINVAL;
    }
    /* A daemon on the folder would keep writing its own store over the restored one. */
    if (!rc && tc_dir_lock(dir, &lock, err, errlen) != 0)
        rc = TC_EEXIST;
    char db[4096];
    snprintf(db, sizeof db, "%s/tocsin.db", dir);
    if (!rc && access(db, F_OK) == 0) {
        snprintf(err, errlen, "%s holds a store already; restore into an empty data folder",
                 dir);
        rc = TC_EEXIST;
    }
    if (!rc && sqlite3_open_v2(db, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
                   SQLITE_OK)
        rc = tc_sqlite__fail(to, db, err, errlen);
    if (!rc)
        rc = copy_db(from, to, err, errlen);
    if (rc && to)
        unlink(db);
out:
    sqlite3_close(to);
    sqlite3_close(from);
    tc_dir_unlock(lock);
    return rc;
}
