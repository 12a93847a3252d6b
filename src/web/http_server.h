/* The HTTP server (web/http_*.c, the only files that include <microhttpd.h>; this header
 * does not, so callers never see it). It answers every request from the snapshot last given
 * to tc_http_publish() (plus /healthz and /metrics), so the request path never touches the
 * store and never renders.
 *
 * Threads: libmicrohttpd runs its own pool of threads; tc_http_start(), tc_http_publish(),
 * tc_http_reap() and tc_http_stop() are called from the engine thread only. */
#ifndef TC_HTTP_SERVER_H
#define TC_HTTP_SERVER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "web/snapshot.h"

typedef struct tc_http tc_http_t;

#define TC_HTTP_METRICS_FRESH_MS 1000 /* how long an engine /metrics text is served as is */

/* A request the engine answers (pushes, and later the write API): read whole by a request
 * thread, queued, taken by the engine with tc_http_take(), answered with tc_http_reply().
 * The connection is suspended meanwhile, so no request thread waits. The request belongs
 * to the HTTP server; the engine only borrows it between take and reply. */
typedef struct tc_http_request tc_http_request_t;

typedef struct tc_http_opts {
    const char *host;         /* address to listen on */
    int port;
    int threads;              /* request threads; 0 means one per core */
    int connection_limit;     /* simultaneous connections in all */
    /* Simultaneous connections per client address (IPv4 address, or IPv6 /64 prefix, since
     * one IPv6 host usually owns a whole /64); 0 means none. Trusted proxies are exempt. */
    int per_ip_limit;
    int connection_timeout;   /* seconds before an idle connection is closed */
    /* Seconds a connection has to deliver a request line and all headers, counted from when
     * it opened or its previous response was sent (so it also bounds keep-alive idle time);
     * 0 means no deadline. Unlike connection_timeout, sending a byte now and then does not
     * extend it. */
    int header_timeout;
    int body_timeout;         /* seconds, after the headers, to deliver the body; 0: none */
    /* Peers whose proxy header is believed ("10.0.0.1", "10.0.0.0/8", "fd00::/8"), checked
     * by tc_http_start(); NULL-terminated, or NULL for none. Borrowed for the call only. */
    const char *const *trusted_proxies;
    /* Header naming the real client when the peer is a trusted proxy, e.g. "X-Forwarded-For"
     * (its last entry is used); NULL for none. Borrowed for the call only. */
    const char *trusted_proxy_header;
    /* Monotonic ms of the engine loop's last heartbeat; /healthz fails when it is stale.
     * Owned by the caller and must outlive the server. */
    const _Atomic int64_t *heartbeat;
    /* Called from a request thread when a request was queued for the engine; it must only
     * wake the engine (uv_async_send), which then calls tc_http_take(). */
    void (*wake)(void *arg);
    void *wake_arg;
    /* Where the console (/admin) is served: TC_HTTP_CONSOLE_ALSO beside the page (the
     * default), TC_HTTP_CONSOLE_NONE not here (it has its own address), or
     * TC_HTTP_CONSOLE_ONLY on a server for the console alone (every other path is 404). */
    int console;
    /* HTTPS: the certificate and key (see tc_http_cert_load(); taken over by tc_http_start(),
     * also when it fails), or NULL for plain HTTP. TLS 1.2 and 1.3 only. */
    struct tc_http_cert *cert;
    long hsts_seconds;        /* with cert: Strict-Transport-Security max-age; 0: none */
    /* With cert: a plain-HTTP address whose every request is redirected (308) to https on
     * this server's port; NULL for none. Borrowed for the call only. */
    const char *redirect_host;
    int redirect_port;
} tc_http_opts_t;

enum { TC_HTTP_CONSOLE_ALSO = 0, TC_HTTP_CONSOLE_NONE = 1, TC_HTTP_CONSOLE_ONLY = 2 };

/** Bind and start serving @p first (taken over, as by tc_http_publish()), so the server never
 *  answers before it has a page to show. @return 0, or TC_EIO with the reason in @p err
 *  (@p first is freed then). */
int tc_http_start(const tc_http_opts_t *opts, tc_snapshot_t *first, tc_http_t **out, char *err,
                  size_t errlen);

/** Serve @p snap from now on, taking over the caller's hold on it. The previous snapshot is
 *  retired: requests already using it finish with it, and tc_http_reap() releases it once
 *  none can be (however long that takes; there is no timed grace). Responses are built for
 *  the documents new in @p snap only: shared documents keep theirs. */
void tc_http_publish(tc_http_t *h, tc_snapshot_t *snap);

/** Replace the engine-supplied part of /metrics (monitor states, schedule lag) with @p text
 *  of @p len bytes, taking ownership of it. GET /metrics is answered from it by the server
 *  while it is younger than TC_HTTP_METRICS_FRESH_MS; an older one (or none) sends the
 *  request to the engine, which sets a new text and answers with tc_http_reply_metrics(). */
void tc_http_set_metrics(tc_http_t *h, char *text, size_t len);

/** Answer /healthz, while the engine's heartbeat is fresh, with JSON @p text of @p len bytes
 *  (taking ownership of it) instead of "ok": with several nodes it says which node this is
 *  and which one leads. */
void tc_http_set_health(tc_http_t *h, char *text, size_t len);

/** Engine thread: take the next queued request, or NULL when none is waiting. */
tc_http_request_t *tc_http_take(tc_http_t *h);

/** Engine thread: answer @p req with @p status and a JSON body (copied). After this call the
 *  request is the server's again and must not be touched. */
void tc_http_reply(tc_http_request_t *req, unsigned status, const char *json);

/** Engine thread: answer @p req (GET /metrics) with the server's own figures and the text
 *  last given to tc_http_set_metrics(). */
void tc_http_reply_metrics(tc_http_request_t *req);

/** Whether @p req asks for a page the current snapshot offers but does not hold
 *  (tc_snapshot_offer()): the engine makes it, publishes it and answers with
 *  tc_http_reply_document(). */
bool tc_http_on_demand(const tc_http_request_t *req);

/** Engine thread: answer @p req (tc_http_on_demand()) from the snapshot published now, as
 *  any page is answered (ETag, content coding); a 404 if the page is not in it. */
void tc_http_reply_document(tc_http_request_t *req);

/** Engine thread: the same with an HTML page (text/html, the pages' Content-Security-Policy,
 *  no referrer, so a token in the URL does not leak through links). */
void tc_http_reply_html(tc_http_request_t *req, unsigned status, const char *html);

/** Engine thread, before the reply: add header @p name: @p value to it (e.g. Set-Cookie,
 *  Location). A Content-Security-Policy or Referrer-Policy added here replaces the pages'
 *  default. Values
 *  with CR or LF are dropped (they would split the header). */
void tc_http_add_header(tc_http_request_t *req, const char *name, const char *value);

/** The request's method ("POST"), path without the query, and the value of a query
 *  argument or header (NULL when absent). Valid until tc_http_reply(). */
const char *tc_http_method(const tc_http_request_t *req);
const char *tc_http_path(const tc_http_request_t *req);
const char *tc_http_arg(const tc_http_request_t *req, const char *name);
const char *tc_http_header(const tc_http_request_t *req, const char *name);
/** The request body (NUL-terminated) and its length. */
const char *tc_http_body(const tc_http_request_t *req, size_t *len);
/** The client's address, e.g. "127.0.0.1": the peer's, or, when the peer is a trusted proxy
 *  and sent the configured proxy header, the last address in that header. */
const char *tc_http_client(const tc_http_request_t *req);

/* ---- HTTPS (web/http_tls.c) ---- */

/* A certificate chain and its private key, as GnuTLS uses them. */
typedef struct tc_http_cert tc_http_cert_t;

/** Read the PEM certificate chain @p cert_path (leaf first) and the unencrypted PEM key
 *  @p key_path, and check that the key belongs to the leaf. Any thread.
 *  @return 0, or TC_EIO with a sentence naming the file in @p err. */
int tc_http_cert_load(const char *cert_path, const char *key_path, tc_http_cert_t **out,
                      char *err, size_t errlen);

/** @return when the leaf certificate expires, wall ms (0 if unknown). */
int64_t tc_http_cert_expires(const tc_http_cert_t *c);

/** Free a certificate that was not handed to a server. NULL is accepted. */
void tc_http_cert_free(tc_http_cert_t *c);

/** Engine thread: give new TLS handshakes @p cert (taken over); connections already open
 *  keep theirs. The replaced certificate is freed by tc_http_reap() after a grace period.
 *  @return 0, or TC_EINVAL when @p h serves plain HTTP (then @p cert is freed). */
int tc_http_use_cert(tc_http_t *h, tc_http_cert_t *cert);

/** Release the retired snapshots that no request can still be using, and certificates
 *  retired long enough ago. */
void tc_http_reap(tc_http_t *h);

/** Stop accepting, finish with the pool threads and free everything. NULL is accepted. */
void tc_http_stop(tc_http_t *h);

#endif
