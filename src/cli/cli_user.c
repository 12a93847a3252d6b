/* `tocsin user add NAME --role admin|editor | list | remove NAME | passwd NAME`: the people
 * who may log in to the console (/admin/). Works on the store while the daemon runs, as
 * `apikey` does. Passwords come from standard input (one line) or, on a terminal, from a
 * prompt without echo; only their Argon2id hash is stored. Removing a user or changing a
 * password ends that user's sessions at once, since the daemon checks sessions against the
 * store on every console request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/secret.h"
#include "engine/command.h"
#include "store/store.h"

/* Read the password: a prompt without echo on a terminal, else the first line of stdin. */
static int read_password(char *out, size_t outlen)
{
    int tty = isatty(STDIN_FILENO);
    struct termios saved, quiet;
    if (tty) {
        fprintf(stderr, "password: ");
        tcgetattr(STDIN_FILENO, &saved);
        quiet = saved;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *line = fgets(out, (int)outlen, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        fprintf(stderr, "\n");
    }
    if (!line)
        return TC_EINVAL;
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

static int new_password_hash(const char *command, char hash[TC_SECRET_PASSWORD_HASH_LEN])
{
    char password[TC_PASSWORD_MAX + 2];
    if (read_password(password, sizeof password) != 0) {
        fprintf(stderr, "tocsin user %s: no password given (type it, or pipe it on stdin)\n",
                command);
        return 1;
    }
    size_t n = strlen(password);
    int rc = 0;
    if (n < TC_PASSWORD_MIN || n > TC_PASSWORD_MAX) {
        fprintf(stderr, "tocsin user %s: the password needs %d to %d characters\n", command,
                TC_PASSWORD_MIN, TC_PASSWORD_MAX);
        rc = 2;
    } else if (tc_secret_password_hash(password, hash) != 0) {
        fprintf(stderr, "tocsin user %s: not enough memory to hash the password\n", command);
        rc = 1;
    }
    memset(password, 0, sizeof password);
    return rc;
}

static int add(tc_store_t *s, const char *name, const char *role)
{
    char hash[TC_SECRET_PASSWORD_HASH_LEN], id[13], err[512];
    int rc = new_password_hash("add", hash);
    if (rc)
        return rc;
    tc_secret_random_hex(id, 6);
    int64_t now = tc_clock_wall_ms();
    tc_user_t u = {.id = id, .name = (char *)name, .role = (char *)role, .password_hash = hash,
                   .created_at = now, .password_changed_at = now};
    rc = tc_store_user_add(s, &u, err, sizeof err);
    memset(hash, 0, sizeof hash);
    if (rc) {
        fprintf(stderr, "tocsin user add: %s\n", err);
        return rc == TC_EEXIST ? 2 : 1;
    }
    printf("user %s (%s) added\n", name, role);
    return 0;
}

static int list(tc_store_t *s, const tc_zone_t *zone)
{
    tc_user_t *users = NULL;
    size_t n = 0;
    char err[512];
    if (tc_store_users(s, &users, &n, err, sizeof err) != 0) {
        fprintf(stderr, "tocsin user list: %s\n", err);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        char created[40], changed[40];
        tc_clock_format_iso(zone, users[i].created_at, created, sizeof created);
        tc_clock_format_iso(zone, users[i].password_changed_at, changed, sizeof changed);
        printf("%-24s %-7s created %s  password set %s\n", users[i].name, users[i].role, created,
               changed);
    }
    if (n == 0)
        printf("no users; add one with: tocsin user add NAME --role admin\n");
    tc_store_users_free(users, n);
    return 0;
}

int tc_cli_user(int argc, char **argv)
{
    const char *role = "editor";
    const tc_cli_opt_t extra[] = {{"role", 0, true, &role}, {NULL, 0, false, NULL}};
    tc_cli_args_t a = {.config = "tocsin.yaml"};
    int rc;
    if (!tc_cli_opts_parse("user", argc, argv, TC_CLI_CONFIG | TC_CLI_DATA, extra, &a, &rc))
        return rc;
    int next = a.next;
    if (next >= argc)
        return tc_cli_usage_error("user", "say add, list, remove or passwd");
    const char *action = argv[next++];
    const char *name = next < argc ? argv[next] : NULL;
    int is_list = strcmp(action, "list") == 0;
    if (!is_list && strcmp(action, "add") != 0 && strcmp(action, "remove") != 0 &&
        strcmp(action, "passwd") != 0)
        return tc_cli_usage_error("user", "unknown action \"%s\"", action);
    if (!is_list && !name)
        return tc_cli_usage_error("user", "%s needs the user's NAME", action);
    if (name && !tc_engine_user_name_ok(name))
        return tc_cli_usage_error("user", "a user name has 1-64 letters, digits, '.', '_', "
                                          "'-' or '@'");
    if (strcmp(role, "admin") != 0 && strcmp(role, "editor") != 0)
        return tc_cli_usage_error("user", "--role is admin or editor, not \"%s\"", role);
    if (tc_secret_init() != 0) {
        fprintf(stderr, "tocsin user: cannot initialise libsodium\n");
        return 1;
    }
    tc_config_t *c = NULL;
    tc_zone_t *zone = NULL;
    tc_store_t *s = NULL;
    rc = tc_cli__open_page("user", a.config, a.data, &c, &zone, &s);
    if (rc)
        return rc;
    char err[512];
    if (is_list) {
        rc = list(s, zone);
    } else if (strcmp(action, "add") == 0) {
        rc = add(s, name, role);
    } else if (strcmp(action, "remove") == 0) {
        rc = tc_store_user_remove(s, name, err, sizeof err);
        if (rc)
            fprintf(stderr, "tocsin user remove: %s\n", err);
        else
            printf("user %s removed; their sessions have ended\n", name);
        rc = rc == TC_ENOENT ? 2 : rc ? 1 : 0;
    } else {
        char hash[TC_SECRET_PASSWORD_HASH_LEN];
        rc = new_password_hash("passwd", hash);
        if (!rc) {
            rc = tc_store_user_set_password(s, name, hash, tc_clock_wall_ms(), err, sizeof err);
            if (rc)
                fprintf(stderr, "tocsin user passwd: %s\n", err);
            else
                printf("password of %s changed; their sessions have ended\n", name);
            rc = rc == TC_ENOENT ? 2 : rc ? 1 : 0;
        }
        memset(hash, 0, sizeof hash);
    }
    tc_store_close(s);
    tc_zone_free(zone);
    tc_config_free(c);
    return rc;
}
