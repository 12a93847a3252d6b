/* `tocsin serve`: parses its options and hands over to the daemon. */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "engine/engine.h"
#include "core/log.h"

int tc_cli_serve(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"listen", required_argument, NULL, 'l'},
        {"data", required_argument, NULL, 'd'},
        {"log-level", required_argument, NULL, 'v'},
        {"node", required_argument, NULL, 'n'},
        {"location", required_argument, NULL, 'L'},
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
        case 'l':
            opts.listen = optarg;
            break;
        case 'd':
            opts.data_dir = optarg;
            break;
        case 'n':
            opts.node = optarg;
            break;
        case 'L':
            opts.location = optarg;
            break;
        case 'v': {
            tc_log_level_t level;
            if (tc_log_parse_level(optarg, &level) != 0)
                return tc_cli_usage_error("serve", "--log-level must be debug, info, warn "
                                                   "or error");
            tc_log_set_level(level);
            break;
        }
        case 'h':
            return tc_cli_help("serve");
        case ':':
            return tc_cli_usage_error("serve", "option %s needs a value", argv[optind - 1]);
        default:
            return tc_cli_usage_error("serve", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return tc_cli_usage_error("serve", "unexpected argument \"%s\"", argv[optind]);
    return tc_engine_run(&opts);
}
