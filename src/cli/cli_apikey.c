/* `tocsin apikey create --name NAME | list | revoke ID`: manage the keys the write API
 * accepts. Works on the store named by the config (or --data) while the daemon runs: SQLite
 * in WAL mode lets both write, and the daemon checks keys against the store on every write. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/secret.h"
#include "store/store.h"

static void print_key(void *ctx, const char *id, const char *name, int64_t created,
                      int64_t revoked)
{
    const tc_zone_t *zone = ctx;
    char when[40], gone[64] = "active";
    tc_clock_format_iso(zone, created, when, sizeof when);
    if (revoked) {
        char at[40];
        tc_clock_format_iso(zone, revoked, at, sizeof at);
        snprintf(gone, sizeof gone, "revoked %s", at);
    }
    printf("%-14s %-24s created %s  %s\n", id, name, when, gone);
}

int tc_cli_apikey(int argc, char **argv)
{
    const char *name = NULL;
    const tc_cli_opt_t extra[] = {{"name", 0, true, &name}, {NULL, 0, false, NULL}};
    tc_cli_args_t a = {.config = "tocsin.yaml"};
    int rc;
    if (!tc_cli_opts_parse("apikey", argc, argv, TC_CLI_CONFIG | TC_CLI_DATA, extra, &a, &rc))
        return rc;
    int next = a.next;
    if (next >= argc)
        return tc_cli_usage_error("apikey", "say create, list or revoke");
    const char *action = argv[next++];
    int create = strcmp(action, "create") == 0, list = strcmp(action, "list") == 0,
        revoke = strcmp(action, "revoke") == 0;
    if (!create && !list && !revoke)
        return tc_cli_usage_error("apikey", "unknown action \"%s\"", action);
    if (create && (!name || !name[0] || strlen(name) > 100))
        return tc_cli_usage_error("apikey", "create needs --name NAME (1-100 characters)");
    if (revoke && next >= argc)
        return tc_cli_usage_error("apikey", "revoke needs the key's ID (see apikey list)");
    if (tc_secret_init() != 0) {
        fprintf(stderr, "tocsin apikey: cannot initialise libsodium\n");
        return 1;
    }

    tc_config_t *c = NULL;
    tc_zone_t *zone = NULL;
    tc_store_t *s = NULL;
    rc = tc_cli__open_page("apikey", a.config, a.data, &c, &zone, &s);
    if (rc)
        return rc;
    char err[512];
    rc = 1;
    if (create) {
        char key[TC_SECRET_KEY_LEN];
        unsigned char hash[TC_SECRET_HASH_LEN];
        unsigned char raw[6];
        char id[13];
        tc_secret_new_key(key);
        tc_secret_hash(key, hash);
        tc_secret_random(raw, sizeof raw);
        snprintf(id, sizeof id, "%02x%02x%02x%02x%02x%02x", raw[0], raw[1], raw[2], raw[3],
                 raw[4], raw[5]);
        if (tc_store_add_key(s, id, name, hash, sizeof hash, tc_clock_wall_ms(), err,
                             sizeof err) != 0) {
            fprintf(stderr, "tocsin apikey: %s\n", err);
            goto out;
        }
        printf("%s\n", key);
        fprintf(stderr, "key %s (\"%s\") created; it is shown only this once. Use it as\n"
                        "  Authorization: OAuth <key>\n",
                id, name);
    } else if (list) {
        if (tc_store_each_key(s, print_key, zone, err, sizeof err) != 0) {
            fprintf(stderr, "tocsin apikey: %s\n", err);
            goto out;
        }
    } else {
        if (tc_store_revoke_key(s, argv[next], tc_clock_wall_ms(), err, sizeof err) != 0) {
            fprintf(stderr, "tocsin apikey: %s\n", err);
            goto out;
        }
        printf("key %s revoked\n", argv[next]);
    }
    rc = 0;
out:
    tc_store_close(s);
    tc_zone_free(zone);
    tc_config_free(c);
    return rc;
}
