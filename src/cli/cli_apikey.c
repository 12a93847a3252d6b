/* `tocsin apikey create --name NAME | list | revoke ID`: manage the keys the write API
 * accepts. Works on the store named by the config (or --data) while the daemon runs: SQLite
 * in WAL mode lets both write, and the daemon checks keys against the store on every write. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
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
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"data", required_argument, NULL, 'd'},
        {"name", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = "tocsin.yaml", *data = NULL, *name = NULL;
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":c:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            path = optarg;
            break;
        case 'd':
            data = optarg;
            break;
        case 'n':
            name = optarg;
            break;
        case 'h':
            return tc_cli_help("apikey");
        case ':':
            return tc_cli_usage_error("apikey", "option %s needs a value", argv[optind - 1]);
        default:
            return tc_cli_usage_error("apikey", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return tc_cli_usage_error("apikey", "say create, list or revoke");
    const char *action = argv[optind++];
    int create = strcmp(action, "create") == 0, list = strcmp(action, "list") == 0,
        revoke = strcmp(action, "revoke") == 0;
    if (!create && !list && !revoke)
        return tc_cli_usage_error("apikey", "unknown action \"%s\"", action);
    if (create && (!name || !name[0] || strlen(name) > 100))
        return tc_cli_usage_error("apikey", "create needs --name NAME (1-100 characters)");
    if (revoke && optind >= argc)
        return tc_cli_usage_error("apikey", "revoke needs the key's ID (see apikey list)");
    if (tc_secret_init() != 0) {
        fprintf(stderr, "tocsin apikey: cannot initialise libsodium\n");
        return 1;
    }

    tc_config_t *c = NULL;
    if (tc_cli__load_config(path, &c) != 0)
        return 2;
    tc_store_t *s = NULL;
    tc_zone_t *zone = NULL;
    char err[512];
    int rc = 1;
    /* Times are printed in the page's zone, as on the page. */
    if (tc_zone_load(c->page.time_zone, &zone, err, sizeof err) != 0) {
        fprintf(stderr, "tocsin apikey: %s\n", err);
        goto out;
    }
    if (tc_cli__open_store("apikey", c, data, &s) != 0)
        goto out;
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
        if (tc_store_revoke_key(s, argv[optind], tc_clock_wall_ms(), err, sizeof err) != 0) {
            fprintf(stderr, "tocsin apikey: %s\n", err);
            goto out;
        }
        printf("key %s revoked\n", argv[optind]);
    }
    rc = 0;
out:
    tc_store_close(s);
    tc_zone_free(zone);
    tc_config_free(c);
    return rc;
}
