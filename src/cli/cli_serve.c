/* `tocsin serve`: parses its options and hands over to the daemon. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "engine/engine.h"
#include "core/log.h"

int tc_cli_serve(int argc, char **argv)
{
    const char *listen = NULL, *level_name = NULL, *node = NULL, *location = NULL;
    const tc_cli_opt_t extra[] = {{"listen", 0, true, &listen},
                                  {"log-level", 0, true, &level_name},
                                  {"node", 0, true, &node},
                                  {"location", 0, true, &location},
                                  {NULL, 0, false, NULL}};
    tc_cli_args_t a = {.config = "tocsin.yaml"};
    int rc;
    if (!tc_cli_opts_parse("serve", argc, argv, TC_CLI_CONFIG | TC_CLI_DATA, extra, &a, &rc))
        return rc;
    if (level_name) {
        tc_log_level_t level;
        if (tc_log_parse_level(level_name, &level) != 0)
            return tc_cli_usage_error("serve", "--log-level must be debug, info, warn or error");
        tc_log_set_level(level);
    }
    if (a.next < argc)
        return tc_cli_usage_error("serve", "unexpected argument \"%s\"", argv[a.next]);
    tc_engine_opts_t opts = {.config_path = a.config, .listen = listen, .data_dir = a.data,
                             .node = node, .location = location};
    return tc_engine_run(&opts);
}
