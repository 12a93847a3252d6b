/* server.tls: the certificate and key the page is served with over HTTPS, how long browsers
 * are told to stay on HTTPS (HSTS), and an optional plain-HTTP address that only redirects
 * to it. Only the names are checked here; the files are read and matched by web/http_tls.c
 * when the daemon starts or reloads, and by `tocsin check-config`. */
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"

static const char *const tls_keys[] = {"cert", "key", "hsts", "redirect_from", NULL};

#define DAY_MS 86400000L

void tc_config__parse_tls(tc_yaml_t *y, tc_ynode_t server, tc_config_t *c)
{
    tc_ynode_t tls = tc_yaml_lookup(y, server, "tls");
    if (!tls || tc_yaml_check_mapping(y, tls, "server.tls", tls_keys) != 0)
        return;
    tc_yaml_get_string(y, tls, "server.tls", "cert", 1, &c->server.tls.cert);
    tc_yaml_get_string(y, tls, "server.tls", "key", 1, &c->server.tls.key);
    tc_yaml_get_duration(y, tls, "server.tls", "hsts", 0, 3650L * DAY_MS,
                         &c->server.tls.hsts_ms);
    char *from = NULL;
    tc_yaml_get_string(y, tls, "server.tls", "redirect_from", 0, &from);
    if (from && tc_config_parse_listen(from, &c->server.tls.redirect_host,
                                       &c->server.tls.redirect_port) != 0)
        tc_yaml_error(y, tc_yaml_lookup(y, tls, "redirect_from"),
                      "server.tls: redirect_from must be HOST:PORT, e.g. 0.0.0.0:80");
    else if (from && c->server.tls.redirect_port == c->server.port)
        tc_yaml_error(y, tc_yaml_lookup(y, tls, "redirect_from"),
                      "server.tls: redirect_from needs a port of its own (server.listen has "
                      "%d)", c->server.port);
    free(from);
}

void tc_config__tls_free(tc_config_t *c)
{
    free(c->server.tls.cert);
    free(c->server.tls.key);
    free(c->server.tls.redirect_host);
}
