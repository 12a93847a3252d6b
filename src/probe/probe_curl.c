/* What the kinds built on libcurl share (http, statuspage, http-steps, tls, websocket): the
 * one place where a probe's easy handle is set up, the reading of its measurements, the
 * `headers:` key, and the lifecycle of a run that is a single transfer. The transfers
 * themselves go through the engine's multi handle (core/curl_glue.c). */
#include <curl/curl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/curl_glue.h"
#include "core/err.h"
#include "probe/probe_int.h"

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    tc_buf_t *b = arg;
    /* Past the cap the rest is dropped, not an error: conditions see the first MiB. */
    tc_buf_append(b, data, size * n);
    return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    tc_buf_t *b = arg;
    size_t len = size * n;
    /* A new status line starts the headers of the next response (after a redirect or a
     * 100-continue); keep only the final response's. */
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        b->len = 0;
        if (b->data)
            b->data[0] = '\0';
        return len;
    }
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    if (len) {
        tc_buf_append(b, data, len);
        tc_buf_append(b, "\n", 1);
    }
    return size * n;
}

void tc_probe_user_agent(const char *location, char *out, size_t size)
{
    if (location && location[0])
        snprintf(out, size, "tocsin/%s (%s)", TC_VERSION, location);
    else
        snprintf(out, size, "tocsin/%s", TC_VERSION);
}

CURL *tc_probe__curl_easy(const char *url, long timeout_ms, unsigned flags,
                          const char *user_agent, tc_buf_t *body, tc_buf_t *headers)
{
    CURL *e = curl_easy_init();
    if (!e)
        return NULL;
    bool verify = flags & TC_PROBE_CURL_VERIFY;
    /* A fresh connection every run: an outage that only hits new connections must not hide
     * behind a reused one. */
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
    if (flags & TC_PROBE_CURL_CERTINFO)
        curl_easy_setopt(e, CURLOPT_CERTINFO, 1L);
    if (flags & TC_PROBE_CURL_CONNECT_ONLY) {
        curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
        /* Offer only http/1.1 in ALPN: with h2 chosen, curl would start an HTTP/2 session on
         * a connection we only mean to handshake, and a websocket upgrade is HTTP/1.1. */
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
        if (flags & TC_PROBE_CURL_KEEP_OPEN) {
            /* The connection outlives the transfer; the kind enforces the rest of the
             * timeout itself. FORBID_REUSE would close it as soon as it is made. */
            curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
        } else {
            curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
            curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
        }
        return e;
    }
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, (flags & TC_PROBE_CURL_FOLLOW) ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
    /* A User-Agent line in the monitor's headers (CURLOPT_HTTPHEADER) replaces this one. */
    char fallback[96];
    if (!user_agent) {
        tc_probe_user_agent(NULL, fallback, sizeof fallback);
        user_agent = fallback;
    }
    curl_easy_setopt(e, CURLOPT_USERAGENT, user_agent); /* libcurl copies it */
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, headers);
    return e;
}

static double phase_ms(CURL *e, CURLINFO info)
{
    curl_off_t us = 0;
    curl_easy_getinfo(e, info, &us);
    return (double)us / 1000.0;
}

/* The leaf certificate is the first in the chain curl reports. */
static int64_t cert_expiry(CURL *e)
{
    struct curl_certinfo *ci = NULL;
    if (curl_easy_getinfo(e, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci || ci->num_of_certs < 1)
        return 0;
    for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next) {
        if (strncmp(s->data, "Expire date:", 12) == 0) {
            time_t t = curl_getdate(s->data + 12, NULL);
            return t > 0 ? (int64_t)t * 1000 : 0;
        }
    }
    return 0;
}

void tc_probe__curl_measure(CURL *e, tc_result_t *r)
{
    r->dns_ms = phase_ms(e, CURLINFO_NAMELOOKUP_TIME_T);
    r->connect_ms = phase_ms(e, CURLINFO_CONNECT_TIME_T);
    r->tls_ms = phase_ms(e, CURLINFO_APPCONNECT_TIME_T);
    r->first_byte_ms = phase_ms(e, CURLINFO_STARTTRANSFER_TIME_T);
    r->response_ms = phase_ms(e, CURLINFO_TOTAL_TIME_T);
    char *ip = NULL;
    curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip);
    if (ip)
        snprintf(r->ip, sizeof r->ip, "%s", ip);
    r->cert_expires_at = cert_expiry(e);
}

struct curl_slist *tc_probe__parse_headers(tc_yaml_t *y, tc_ynode_t node)
{
    struct curl_slist *list = NULL;
    tc_ynode_t hdrs = tc_yaml_lookup(y, node, "headers");
    if (!hdrs)
        return NULL;
    if (tc_yaml_type(y, hdrs) != TC_YAML_MAPPING) {
        tc_yaml_error(y, hdrs, "monitor: headers must be a mapping of Name: value");
        return NULL;
    }
    for (size_t i = 0; i < tc_yaml_size(y, hdrs); i++) {
        tc_ynode_t k = tc_yaml_key(y, hdrs, i);
        tc_ynode_t v = tc_yaml_value(y, hdrs, i);
        if (tc_yaml_type(y, v) != TC_YAML_SCALAR) {
            tc_yaml_error(y, v, "monitor: header values must be strings");
            continue;
        }
        char *value = tc_yaml_expand(y, v);
        if (!value)
            continue;
        const char *name = tc_yaml_raw(y, k);
        if (strpbrk(name, ":\r\n") || strpbrk(value, "\r\n")) {
            tc_yaml_error(y, k, "monitor: header names and values cannot hold ':' or newlines");
            free(value);
            continue;
        }
        size_t len = strlen(name) + strlen(value) + 3;
        char *line = tc_malloc(len);
        snprintf(line, len, "%s: %s", name, value);
        list = curl_slist_append(list, line);
        free(line);
        free(value);
    }
    return list;
}

/* curl opens the connection's socket: the run began connecting (its first time counts). */
static curl_socket_t on_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    (void)purpose;
    tc_probe_run_t *run = arg;
    if (!run->result.connecting_mono)
        run->result.connecting_mono = tc_clock_mono_ms();
    return socket(a->family, a->socktype, a->protocol);
}

void tc_probe__curl_note_connect(tc_probe_run_t *run, CURL *easy)
{
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, run);
}

/* ---- single-transfer runs ---- */

struct tc_probe_transfer {
    CURL *easy;                   /* owned */
    bool in_flight;               /* in the multi handle; the run holds it */
    char errbuf[CURL_ERROR_SIZE]; /* curl's detailed message for a failure */
};

int tc_probe__transfer_start(tc_probe_run_t *run, CURL *easy, tc_curl_done_fn done)
{
    tc_probe_transfer_t *t = tc_calloc(1, sizeof *t);
    t->easy = easy;
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->errbuf);
    tc_probe__curl_note_connect(run, easy);
    run->state = t;
    if (tc_curl_add(run->env->curl, easy, done, run) != 0)
        return TC_EIO;
    t->in_flight = true;
    tc_probe__hold(run);
    return 0;
}

const char *tc_probe__transfer_error(const tc_probe_run_t *run, CURLcode code)
{
    const tc_probe_transfer_t *t = run->state;
    return t && t->errbuf[0] ? t->errbuf : curl_easy_strerror(code);
}

/* The glue has removed the handle before calling back: conclude, then let the transfer go,
 * which finishes the run (the handle is cleaned up by tc_probe__transfer_free). */
void tc_probe__transfer_end(tc_probe_run_t *run)
{
    tc_probe_transfer_t *t = run->state;
    t->in_flight = false;
    tc_probe__conclude(run, NULL);
    tc_probe__release(run);
}

/* curl's multi handle cannot call back for a removed transfer, so it is released here. */
void tc_probe__transfer_stop(tc_probe_run_t *run)
{
    tc_probe_transfer_t *t = run->state;
    if (!t->in_flight)
        return;
    tc_curl_cancel(run->env->curl, t->easy);
    t->in_flight = false;
    tc_probe__release(run);
}

void tc_probe__transfer_free(void *state)
{
    tc_probe_transfer_t *t = state;
    curl_easy_cleanup(t->easy);
    free(t);
}
