/* `tocsin check-config`: validates a file (and the TLS certificate and key it names) without
 * starting anything. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "config/config.h"
#include "web/http_server.h"

int tc_cli_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":c:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            path = optarg;
            break;
        case 'h':
            return tc_cli_help("check-config");
        case ':':
            return tc_cli_usage_error("check-config", "option %s needs a value",
                                      argv[optind - 1]);
        default:
            return tc_cli_usage_error("check-config", "unknown option %s", argv[optind - 1]);
        }
    }
    if (!path && optind < argc)
        path = argv[optind++];
    if (!path)
        return tc_cli_usage_error("check-config", "missing -c FILE");
    if (optind < argc)
        return tc_cli_usage_error("check-config", "unexpected argument \"%s\"", argv[optind]);

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
