/* The options of every command, read in one place: -c/--config FILE, --data DIR and
 * -h/--help are spelled the same way by all commands, and the few a command adds (--role,
 * --since, --runs, ...) are named in a table. One parser means one set of usage errors
 * ("option --data needs a value", "unknown option --x") for every command.
 *
 * Ownership: nothing is copied; every value points into argv. The parser only reads strings:
 * a command checks the values it cares about (a number, a level) after the call. */
#ifndef TC_CLI_OPTS_H
#define TC_CLI_OPTS_H

#include <stdbool.h>

/** Which of the shared options a command takes (-h/--help always). */
enum {
    TC_CLI_CONFIG = 1 << 0, /* -c/--config FILE */
    TC_CLI_DATA = 1 << 1,   /* --data DIR */
};

/** An option of the command's own; a table of them ends with a NULL name. */
typedef struct tc_cli_opt {
    const char *name;    /* the long name, without "--" */
    char short_name;     /* a one-letter alias (-n), or 0 */
    bool takes_value;    /* --name VALUE; otherwise a flag */
    const char **value;  /* out: the value given (the last wins); "" for a flag that is given */
} tc_cli_opt_t;

/** The shared options' values. */
typedef struct tc_cli_args {
    const char *config; /* in: the default (NULL for none); out: -c/--config when given */
    const char *data;   /* out: --data DIR, or NULL */
    int next;           /* out: argv index of the first operand after the options */
} tc_cli_args_t;

/**
 * Read @p argv (argv[0] is the command's name) with getopt_long: the shared options in
 * @p common, and @p extra (NULL when there are none; at most 8).
 * @param command  the command's name, for help and usage errors ("user", "check-config")
 * @param rc       out: the exit code when the command is done already
 * @return true to go on; false after -h/--help (help printed, *rc 0) or a usage error
 *         (printed with a pointer to help, *rc 2).
 */
bool tc_cli_opts_parse(const char *command, int argc, char **argv, unsigned common,
                       const tc_cli_opt_t *extra, tc_cli_args_t *args, int *rc);

#endif
