/* What several commands do first: load the config (printing its errors the way compilers do),
 * the page's time zone, and open the store it names. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "config/config.h"
#include "core/clock.h"
#include "store/store.h"

int tc_cli__load_config(const char *path, tc_config_t **out)
{
    char *errors = NULL;
    if (tc_config_load(path, out, &errors) != 0) {
        fputs(errors, stderr);
        free(errors);
        return 2;
    }
    return 0;
}

int tc_cli__open_store(const char *command, const tc_config_t *c, const char *data,
                       tc_store_t **out)
{
    char err[512];
    if (tc_store_open(data ? data : c->storage_path, c->storage_dsn, out, err, sizeof err) !=
        0) {
        fprintf(stderr, "tocsin %s: %s\n", command, err);
        return 1;
    }
    return 0;
}

int tc_cli__open_page(const char *command, const char *config, const char *data,
                      tc_config_t **c, tc_zone_t **zone, tc_store_t **s)
{
    if (tc_cli__load_config(config, c) != 0)
        return 2;
    char err[512];
    if (tc_zone_load((*c)->page.time_zone, zone, err, sizeof err) != 0) {
        fprintf(stderr, "tocsin %s: %s\n", command, err);
        goto fail;
    }
    if (tc_cli__open_store(command, *c, data, s) != 0)
        goto fail;
    return 0;
fail:
    tc_zone_free(*zone);
    *zone = NULL;
    tc_config_free(*c);
    *c = NULL;
    return 1;
}
