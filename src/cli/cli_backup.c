/* `tocsin backup FILE` and `tocsin restore FILE`: a consistent copy of the store while the
 * daemon runs (SQLite's online backup), and putting one back into an empty data folder. The
 * backup is one SQLite file, checked before the command says it is done. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "config/config.h"
#include "core/err.h"
#include "store/store.h"

static int run(const char *command, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"data", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = "tocsin.yaml", *data = NULL;
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":c:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            path = optarg;
            break;
        case 'd':
            data = optarg;
            break;
        case 'h':
            return tc_cli_help(command);
        case ':':
            return tc_cli_usage_error(command, "option %s needs a value", argv[optind - 1]);
        default:
            return tc_cli_usage_error(command, "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return tc_cli_usage_error(command, "say which FILE");
    const char *file = argv[optind];
    tc_config_t *c = NULL;
    if (tc_cli__load_config(path, &c) != 0)
        return 2;
    const char *dir = data ? data : c->storage_path;
    char err[512];
    int rc;
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
