/* Unit tests for src/cli/cli_opts.c: the shared options and a command's own, the operands
 * after them, and what a person sees on --help and on each usage error (the exit code and
 * the sentence on stderr, which every command used to print by itself). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_opts.h"

/* Run the parser on @p line (words split at spaces; argv[0] is the command) with the options
 * of `tocsin user` (-c, --data, --role) or, with @p bare, none of the shared ones and a
 * flag and a short alias instead; stderr and stdout go to @p said. */
typedef struct outcome {
    bool go_on;
    int rc;
    tc_cli_args_t args;
    const char *role, *flag, *runs;
    char said[1024];
} outcome_t;

static char words[512];

static void parse(const char *line, bool bare, outcome_t *o)
{
    char *argv[16];
    int argc = 0;
    snprintf(words, sizeof words, "%s", line);
    for (char *w = words; *w && argc < 15;) {
        argv[argc++] = w;
        w += strcspn(w, " ");
        if (*w)
            *w++ = '\0';
    }
    argv[argc] = NULL;
    memset(o, 0, sizeof *o);
    o->args.config = "tocsin.yaml";
    const tc_cli_opt_t user[] = {{"role", 0, true, &o->role}, {NULL, 0, false, NULL}};
    const tc_cli_opt_t other[] = {{"shift-to-now", 0, false, &o->flag},
                                  {"runs", 'n', true, &o->runs},
                                  {NULL, 0, false, NULL}};
    fflush(stdout);
    fflush(stderr);
    FILE *f = tmpfile();
    assert_non_null(f);
    int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
    dup2(fileno(f), STDOUT_FILENO);
    dup2(fileno(f), STDERR_FILENO);
    o->go_on = tc_cli_opts_parse(argv[0], argc, argv, bare ? 0 : TC_CLI_CONFIG | TC_CLI_DATA,
                                 bare ? other : user, &o->args, &o->rc);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, STDOUT_FILENO);
    dup2(saved_err, STDERR_FILENO);
    close(saved_out);
    close(saved_err);
    rewind(f);
    size_t n = fread(o->said, 1, sizeof o->said - 1, f);
    o->said[n] = '\0';
    fclose(f);
}

static void options_and_operands(void **state)
{
    (void)state;
    outcome_t o;
    parse("user list", false, &o);
    assert_true(o.go_on);
    assert_string_equal(o.args.config, "tocsin.yaml"); /* the caller's default stays */
    assert_null(o.args.data);
    assert_null(o.role);
    assert_int_equal(o.args.next, 1);
    assert_string_equal(o.said, "");

    parse("user -c a.yaml --data /d add ana --role admin", false, &o);
    assert_true(o.go_on);
    assert_string_equal(o.args.config, "a.yaml");
    assert_string_equal(o.args.data, "/d");
    assert_string_equal(o.role, "admin");
    /* getopt moves the operands to the end, in their order. */
    assert_int_equal(o.args.next, 7);

    parse("user --config=b.yaml --role=editor --role admin list", false, &o);
    assert_true(o.go_on);
    assert_string_equal(o.args.config, "b.yaml");
    assert_string_equal(o.role, "admin"); /* the last one given wins */

    parse("import --shift-to-now -n 3 x", true, &o);
    assert_true(o.go_on);
    assert_string_equal(o.flag, "");
    assert_string_equal(o.runs, "3");
    assert_int_equal(o.args.next, 4);
    parse("import --runs 4 x", true, &o);
    assert_null(o.flag);
    assert_string_equal(o.runs, "4");
}

static void help_and_usage_errors(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        bool bare;
        int rc;
        const char *said; /* the start of what is printed */
    } cases[] = {
        {"user --help", false, 0, "usage: tocsin user"},
        {"user -h list", false, 0, "usage: tocsin user"},
        {"user --data", false, 2,
         "tocsin user: option --data needs a value\nsee 'tocsin help user'\n"},
        {"user list -c", false, 2,
         "tocsin user: option -c needs a value\nsee 'tocsin help user'\n"},
        {"user --role", false, 2, "tocsin user: option --role needs a value\n"},
        {"user --bogus list", false, 2,
         "tocsin user: unknown option --bogus\nsee 'tocsin help user'\n"},
        {"user -x list", false, 2, "tocsin user: unknown option -x\n"},
        /* Options a command does not take are unknown to it. */
        {"migrate -c f.yaml", true, 2, "tocsin migrate: unknown option -c\n"},
        {"migrate --data /d", true, 2, "tocsin migrate: unknown option --data\n"},
        {"migrate --shift-to-now=yes", true, 2, "tocsin migrate: unknown option "},
        {"migrate -n", true, 2, "tocsin migrate: option -n needs a value\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        outcome_t o;
        parse(cases[i].line, cases[i].bare, &o);
        if (o.go_on || o.rc != cases[i].rc ||
            strncmp(o.said, cases[i].said, strlen(cases[i].said)) != 0) {
            print_message("%s: go_on %d rc %d said:\n%s\n", cases[i].line, o.go_on, o.rc,
                          o.said);
            fail();
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options_and_operands),
        cmocka_unit_test(help_and_usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
