/* Command-line options for every command (see cli_opts.h): one getopt_long loop, built from
 * the shared options a command takes and its own table. */
#include "cli/cli_opts.h"

#include <getopt.h>
#include <stddef.h>

#include "cli/cli.h"

#define MAX_EXTRA 8

/* getopt_long's value for an option without a letter; far above any char. */
#define LONG_ONLY 256
#define DATA_VALUE LONG_ONLY

bool tc_cli_opts_parse(const char *command, int argc, char **argv, unsigned common,
                       const tc_cli_opt_t *extra, tc_cli_args_t *args, int *rc)
{
    struct option longopts[MAX_EXTRA + 4];
    int value_of[MAX_EXTRA]; /* getopt's answer for each extra option */
    /* A leading ':' makes a missing value answer ':' instead of '?', so the two errors
     * can be told apart; getopt prints nothing itself (opterr = 0). */
    char shorts[3 * MAX_EXTRA + 8] = ":";
    size_t nlong = 0, nshort = 1, nextra = 0;
    if (common & TC_CLI_CONFIG) {
        longopts[nlong++] = (struct option){"config", required_argument, NULL, 'c'};
        shorts[nshort++] = 'c';
        shorts[nshort++] = ':';
    }
    if (common & TC_CLI_DATA)
        longopts[nlong++] = (struct option){"data", required_argument, NULL, DATA_VALUE};
    for (; extra && extra[nextra].name && nextra < MAX_EXTRA; nextra++) {
        const tc_cli_opt_t *o = &extra[nextra];
        value_of[nextra] = o->short_name ? o->short_name : LONG_ONLY + 1 + (int)nextra;
        longopts[nlong++] = (struct option){o->name, o->takes_value ? required_argument
                                                                    : no_argument,
                                            NULL, value_of[nextra]};
        if (o->short_name) {
            shorts[nshort++] = o->short_name;
            if (o->takes_value)
                shorts[nshort++] = ':';
        }
    }
    longopts[nlong++] = (struct option){"help", no_argument, NULL, 'h'};
    longopts[nlong] = (struct option){NULL, 0, NULL, 0};
    shorts[nshort++] = 'h';
    shorts[nshort] = '\0';

    int ch;
    opterr = 0;
    /* 0, not 1: glibc then forgets what an earlier call left half-permuted, so the parser
     * may run more than once in a process (the unit tests do). */
    optind = 0;
    while ((ch = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
        if (ch == 'c') {
            args->config = optarg;
        } else if (ch == DATA_VALUE) {
            args->data = optarg;
        } else if (ch == 'h') {
            *rc = tc_cli_help(command);
            return false;
        } else if (ch == ':') {
            *rc = tc_cli_usage_error(command, "option %s needs a value", argv[optind - 1]);
            return false;
        } else {
            size_t i = 0;
            while (i < nextra && value_of[i] != ch)
                i++;
            if (i == nextra) {
                *rc = tc_cli_usage_error(command, "unknown option %s", argv[optind - 1]);
                return false;
            }
            *extra[i].value = extra[i].takes_value ? optarg : "";
        }
    }
    args->next = optind;
    return true;
}
