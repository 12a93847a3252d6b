/* `tocsin backup FILE` and `tocsin restore FILE`: a consistent copy of the store while the
 * daemon runs (SQLite's online backup), and putting one back into an empty data folder. The
 * backup is one SQLite file, checked before the command says it is done. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "config/config.h"
#include "core/err.h"
#include "store/store.h"

static int run(const char *command, int argc, char **argv)
{
    tc_cli_args_t a = {.config = "tocsin.yaml"};
    int rc;
    if (!tc_cli_opts_parse(command, argc, argv, TC_CLI_CONFIG | TC_CLI_DATA, NULL, &a, &rc))
        return rc;
    if (a.next + 1 != argc)
        return tc_cli_usage_error(command, "say which FILE");
    const char *file = argv[a.next], *data = a.data;
    tc_config_t *c = NULL;
    if (tc_cli__load_config(a.config, &c) != 0)
        return 2;
    const char *dir = data ? data : c->storage_path;
    char err[512];
    if (strcmp(command, "backup") == 0) {
        tc_store_t *s = NULL;
        rc = tc_cli__open_store("backup", c, data, &s) != 0 ? TC_ESTORE
             : tc_store_backup(s, file, err, sizeof err);
        tc_store_close(s);
        if (rc && rc != TC_ESTORE)
            fprintf(stderr, "tocsin backup: %s\n", err);
        else if (!rc)
            printf("backed up %s to %s\n", dir, file);
    } else if (c->storage_dsn) {
        fprintf(stderr, "tocsin restore: the store is in PostgreSQL (storage.postgres): "
                        "restore it with the database's tools; tocsin restore fills a data "
                        "folder's SQLite store\n");
        rc = TC_EINVAL;
    } else {
        rc = tc_store_restore(file, dir, err, sizeof err);
        if (rc)
            fprintf(stderr, "tocsin restore: %s\n", err);
        else
            printf("restored %s into %s; start tocsin on it\n", file, dir);
    }
    tc_config_free(c);
    return rc == 0 ? 0 : rc == TC_EINVAL || rc == TC_EEXIST ? 2 : 1;
}

int tc_cli_backup(int argc, char **argv)
{
    return run("backup", argc, argv);
}

int tc_cli_restore(int argc, char **argv)
{
    return run("restore", argc, argv);
}
