/* `tocsin export FOLDER`: write the page as the store has it (every public document, with its
 * .gz and .br variants, and nginx and Caddy snippets) to FOLDER, for a static mirror that
 * outlives the host. While a daemon runs on the data folder this refuses (the daemon holds
 * it); configure export: {dir: ...} and the daemon keeps the mirror fresh itself. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "engine/engine.h"

int tc_cli_export(int argc, char **argv)
{
    tc_cli_args_t a = {.config = "tocsin.yaml"};
    int rc;
    if (!tc_cli_opts_parse("export", argc, argv, TC_CLI_CONFIG | TC_CLI_DATA, NULL, &a, &rc))
        return rc;
    if (a.next + 1 != argc)
        return tc_cli_usage_error("export", "say which FOLDER to write");
    tc_engine_opts_t opts = {.config_path = a.config, .data_dir = a.data,
                             .export_to = argv[a.next]};
    rc = tc_engine_run(&opts);
    if (rc == 1)
        fprintf(stderr, "tocsin export: nothing written. If a daemon runs on this data folder, "
                        "set export: {dir: FOLDER} in its config and it keeps the mirror "
                        "itself.\n");
    return rc;
}
