/* tocsin's entry point: dispatches argv to a command. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "config.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        tc_cli_help(NULL);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("tocsin %s\n", TC_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
        return tc_cli_help(argc > 2 ? argv[2] : NULL);
    if (strcmp(cmd, "serve") == 0)
        return tc_cli_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "import") == 0)
        return tc_cli_import(argc - 1, argv + 1);
    if (strcmp(cmd, "apikey") == 0)
        return tc_cli_apikey(argc - 1, argv + 1);
    if (strcmp(cmd, "report") == 0)
        return tc_cli_report(argc - 1, argv + 1);
    if (strcmp(cmd, "export") == 0)
        return tc_cli_export(argc - 1, argv + 1);
    if (strcmp(cmd, "backup") == 0)
        return tc_cli_backup(argc - 1, argv + 1);
    if (strcmp(cmd, "restore") == 0)
        return tc_cli_restore(argc - 1, argv + 1);
    if (strcmp(cmd, "migrate") == 0)
        return tc_cli_migrate(argc - 1, argv + 1);
    if (strcmp(cmd, "user") == 0)
        return tc_cli_user(argc - 1, argv + 1);
    if (strcmp(cmd, "probe") == 0)
        return tc_cli_probe(argc - 1, argv + 1);
    if (strcmp(cmd, "check-config") == 0)
        return tc_cli_check(argc - 1, argv + 1);
    fprintf(stderr, "tocsin: unknown command \"%s\"; see 'tocsin help'\n", cmd);
    return 2;
}
