/* The tls probe: a TCP connect and TLS handshake to host:port, with certificate and hostname
 * verification, and the leaf certificate's expiry. libcurl does the handshake (through the
 * engine's multi handle, CURLOPT_CONNECT_ONLY) so certificate checks behave exactly as in the
 * http probe; nothing is sent after the handshake. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/curl_glue.h"
#include "core/err.h"
#include "probe/probe_int.h"

typedef struct tls_cfg {
    char *url;                     /* https://SERVER_NAME:PORT/ */
    struct curl_slist *connect_to; /* owned; SERVER_NAME:PORT:HOST:PORT, or NULL */
    bool verify;
} tls_cfg_t;

static const char *const keys[] = {"address", "server_name", "verify", NULL};
static const char *const placeholders[] = {"CONNECTED", "RESPONSE_TIME",
                                           "CERTIFICATE_EXPIRATION", "IP", NULL};

/* An IPv6 literal needs brackets inside a URL or a CONNECT_TO entry. */
static const char *host_fmt(const char *host)
{
    return strchr(host, ':') ? "[%s]" : "%s";
}

static void tls_parse(tc_yaml_t *y, tc_ynode_t node, tc_monitor_cfg_t *m)
{
    tls_cfg_t *c = tc_calloc(1, sizeof *c);
    c->verify = true;
    m->kind_cfg = c;
    char *address = NULL;
    char *server_name = NULL;
    tc_yaml_get_string(y, node, "monitor", "address", 1, &address);
    tc_yaml_get_string(y, node, "monitor", "server_name", 0, &server_name);
    tc_yaml_get_bool(y, node, "monitor", "verify", &c->verify);
    char *host = NULL;
    int port = 0;
    if (address)
        tc_probe__parse_address(y, node, address, "api.example.com:443", &host, &port);
    if (server_name && strpbrk(server_name, ":/[]@ ")) {
        tc_yaml_error(y, tc_yaml_lookup(y, node, "server_name"),
                      "monitor: server_name must be a host name, e.g. api.example.com");
        free(server_name);
        server_name = NULL;
    }
    if (host) {
        const char *name = server_name ? server_name : host;
        char name_part[300];
        char host_part[300];
        snprintf(name_part, sizeof name_part, host_fmt(name), name);
        snprintf(host_part, sizeof host_part, host_fmt(host), host);
        size_t len = strlen(name_part) + 32;
        c->url = tc_malloc(len);
        snprintf(c->url, len, "https://%s:%d/", name_part, port);
        /* The URL carries the name to send as SNI and to verify; CONNECT_TO sends the
         * connection to the configured address instead of resolving that name. */
        if (server_name && strcmp(server_name, host) != 0) {
            char entry[640];
            snprintf(entry, sizeof entry, "%s:%d:%s:%d", name_part, port, host_part, port);
            c->connect_to = curl_slist_append(NULL, entry);
        }
    }
    free(host);
    free(server_name);
    free(address);
}

static void tls_free_config(void *p)
{
    tls_cfg_t *c = p;
    free(c->url);
    curl_slist_free_all(c->connect_to);
    free(c);
}

static void on_done(CURL *e, CURLcode code, void *arg)
{
    tc_probe_run_t *run = arg;
    tc_result_t *r = &run->result;
    tc_probe__curl_measure(e, r);
    r->connected = r->connect_ms > 0;
    /* curl's error buffer says which check failed ("SSL certificate problem: self-signed
     * certificate"); curl_easy_strerror() only names the class of error. */
    if (code != CURLE_OK)
        snprintf(r->error, sizeof r->error, "%s", tc_probe__transfer_error(run, code));
    tc_probe__transfer_end(run);
}

static int tls_start(tc_probe_run_t *run)
{
    const tls_cfg_t *c = run->m->kind_cfg;
    unsigned flags = TC_PROBE_CURL_CONNECT_ONLY | TC_PROBE_CURL_CERTINFO |
                     (c->verify ? TC_PROBE_CURL_VERIFY : 0);
    CURL *e = tc_probe__curl_easy(c->url, run->m->timeout_ms, flags, NULL, NULL, NULL);
    if (!e)
        return TC_EIO;
    if (c->connect_to)
        curl_easy_setopt(e, CURLOPT_CONNECT_TO, c->connect_to);
    return tc_probe__transfer_start(run, e, on_done);
}

const tc_probe_type_t tc_probe_tls = {
    .name = "tls",
    .keys = keys,
    .placeholders = placeholders,
    .parse = tls_parse,
    .free_config = tls_free_config,
    .start = tls_start,
    .stop = tc_probe__transfer_stop,
    .free_state = tc_probe__transfer_free,
};
