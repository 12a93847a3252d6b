/* `tocsin migrate --from DATA_DIR --to DSN`: copy a SQLite store into an empty PostgreSQL
 * database, whole or not at all (tc_store_copy()). The data folder is locked meanwhile, so
 * no daemon writes to it during the copy; the SQLite store is first brought to this
 * version's schema, as a start of the daemon would. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "core/dirlock.h"
#include "core/err.h"
#include "store/store.h"

static void print_table(void *ctx, const char *table, size_t rows)
{
    (void)ctx;
    printf("  %-22s %zu row%s\n", table, rows, rows == 1 ? "" : "s");
}

int tc_cli_migrate(int argc, char **argv)
{
    const char *from = NULL, *to = NULL;
    const tc_cli_opt_t extra[] = {{"from", 0, true, &from}, {"to", 0, true, &to},
                                  {NULL, 0, false, NULL}};
    tc_cli_args_t a = {0};
    int rc;
    if (!tc_cli_opts_parse("migrate", argc, argv, 0, extra, &a, &rc))
        return rc;
    if (!from || !to || a.next != argc)
        return tc_cli_usage_error("migrate", "say --from DATA_DIR and --to DSN, and nothing else");
    char err[512], db[4096];
    snprintf(db, sizeof db, "%s/tocsin.db", from);
    /* Opening would create an empty store: a mistyped folder must not be copied as one. */
    if (access(db, F_OK) != 0) {
        fprintf(stderr, "tocsin migrate: %s holds no store (no tocsin.db)\n", from);
        return 2;
    }
    int lock = -1;
    tc_store_t *sqlite = NULL, *pg = NULL;
    if (tc_dir_lock(from, &lock, err, sizeof err) != 0) {
        fprintf(stderr, "tocsin migrate: %s; stop the daemon first\n", err);
        return 1;
    }
    rc = tc_store_open(from, NULL, &sqlite, err, sizeof err);
    if (!rc)
        rc = tc_store_open(NULL, to, &pg, err, sizeof err);
    if (!rc) {
        printf("copying %s into PostgreSQL:\n", from);
        rc = tc_store_copy(sqlite, pg, print_table, NULL, err, sizeof err);
    }
    if (rc)
        fprintf(stderr, "tocsin migrate: %s%s\n", err,
                rc == TC_EEXIST || rc == TC_ESTORE ? " (nothing was copied)" : "");
    else
        printf("done: set storage: {postgres: {dsn: ...}} in the config and start tocsin\n");
    tc_store_close(pg);
    tc_store_close(sqlite);
    tc_dir_unlock(lock);
    return rc == 0 ? 0 : rc == TC_EINVAL || rc == TC_EEXIST ? 2 : 1;
}
