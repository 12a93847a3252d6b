/* `tocsin export FOLDER`: write the page as the store has it (every public document, with its
 * .gz and .br variants, and nginx and Caddy snippets) to FOLDER, for a static mirror that
 * outlives the host. While a daemon runs on the data folder this refuses (the daemon holds
 * it); configure export: {dir: ...} and the daemon keeps the mirror fresh itself. */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "engine/engine.h"

int tc_cli_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"data", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    tc_engine_opts_t opts = {.config_path = "tocsin.yaml"};
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":c:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            opts.config_path = optarg;
            break;
        case 'd':
            opts.data_dir = optarg;
            break;
        case 'h':
            return tc_cli_help("export");
        case ':':
            return tc_cli_usage_error("export", "option %s needs a value", argv[optind - 1]);
        default:
            return tc_cli_usage_error("export", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return tc_cli_usage_error("export", "say which FOLDER to write");
    opts.export_to = argv[optind];
    int rc = tc_engine_run(&opts);
    if (rc == 1)
        fprintf(stderr, "tocsin export: nothing written. If a daemon runs on this data folder, "
                        "set export: {dir: FOLDER} in its config and it keeps the mirror "
                        "itself.\n");
    return rc;
}
