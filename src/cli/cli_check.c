/* `tocsin check-config`: validates a file (and the TLS certificate and key it names) without
 * starting anything. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "config/config.h"
#include "web/http_server.h"

int tc_cli_check(int argc, char **argv)
{
    tc_cli_args_t a = {.config = NULL}; /* -c FILE, or the first operand */
    int rc;
    if (!tc_cli_opts_parse("check-config", argc, argv, TC_CLI_CONFIG, NULL, &a, &rc))
        return rc;
    const char *path = a.config;
    int next = a.next;
    if (!path && next < argc)
        path = argv[next++];
    if (!path)
        return tc_cli_usage_error("check-config", "missing -c FILE");
    if (next < argc)
        return tc_cli_usage_error("check-config", "unexpected argument \"%s\"", argv[next]);

    tc_config_t *c = NULL;
    char *errors = NULL;
    if (tc_config_load(path, &c, &errors) != 0) {
        fputs(errors, stderr);
        free(errors);
        return 2;
    }
    /* The certificate and key are files the daemon reads at start and on each reload:
     * check them the same way, so a reload after check-config does not fail on them. */
    tc_http_cert_t *cert = NULL;
    char err[1024];
    if (c->server.tls.cert &&
        tc_http_cert_load(c->server.tls.cert, c->server.tls.key, &cert, err, sizeof err) != 0) {
        fprintf(stderr, "%s: server.tls: %s\n", path, err);
        tc_config_free(c);
        return 2;
    }
    tc_http_cert_free(cert);
    printf("%s: ok (page \"%s\", %zu groups, %zu components)\n", path, c->page.name, c->ngroups,
           c->ncomponents);
    tc_config_free(c);
    return 0;
}
