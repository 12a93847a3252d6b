/* The websocket probe: connect (TLS for wss://), send the HTTP/1.1 Upgrade request, require
 * 101 with the right Sec-WebSocket-Accept, optionally send one text frame (send:) or one
 * binary frame read from a file (send_file:) and wait for the reply, or wait for the
 * server's first message (await_message:), measuring [FIRST_MESSAGE_TIME] from the 101 to it;
 * then send a close frame. libcurl 7.88 has no websocket support, so curl only makes
 * the connection (CURLOPT_CONNECT_ONLY, with the same TLS checks as the http probe); the
 * upgrade is written here and frames are handled by wslay over curl_easy_send/recv.
 * This is the only file that includes <wslay/wslay.h> and <nettle/sha1.h>. */
#include <curl/curl.h>
#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <uv.h>
#include <wslay/wslay.h>

#include "core/alloc.h"
#include "core/curl_glue.h"
#include "core/err.h"
#include "probe/probe_int.h"

#define MAX_HEAD (16 << 10)  /* bytes of upgrade response head (plus early frames) kept */
#define MAX_MSG (1 << 20)    /* largest reply message accepted */
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" /* RFC 6455 section 1.3 */
#define WS_KEY_LEN 24        /* base64 of 16 random bytes */
#define WS_ACCEPT_LEN 28     /* base64 of a SHA-1 digest */

typedef struct ws_cfg {
    char *http_url;            /* the ws(s):// URL as http(s)://, for curl to connect to */
    char *target;              /* request target: path and query */
    char *host;                /* Host header value */
    struct curl_slist *headers; /* owned; extra "Name: value" lines */
    char *send;                /* text frame to send after the upgrade, or NULL */
    char *send_data;           /* send_file: a binary frame read at load, or NULL */
    size_t send_len;
    bool await_message;        /* with nothing to send, wait for the server's first message */
    bool verify_tls;
} ws_cfg_t;

typedef enum {
    WS_CONNECTING, /* curl is connecting (and handshaking, for wss) */
    WS_UPGRADING,  /* sending the upgrade request, reading the response head */
    WS_OPEN,       /* upgraded; waiting for the reply to the frame we sent (or the server's
                      first message) */
    WS_CLOSING,    /* our close frame is queued; finish once it is written */
} ws_phase_t;

typedef struct ws_run {
    tc_curl_t *curl;     /* owned; private, see tc_curl_add_connect_only(); held by the run
                            until its last handle is closed */
    CURL *easy;          /* owned */
    bool in_multi;       /* easy is still attached to curl */
    uv_poll_t poll;      /* the connection's socket, once connected */
    uv_timer_t timer;    /* the monitor's timeout */
    bool poll_open;
    ws_phase_t phase;
    char *request;       /* owned; the upgrade request */
    size_t request_len, request_sent;
    tc_buf_t head;       /* upgrade response as read so far */
    size_t extra_off;    /* bytes of head past the blank line not yet handed to wslay */
    char accept[WS_ACCEPT_LEN + 1];
    const char *send;    /* the frame to send (borrowed from the config), or NULL */
    size_t send_len;
    bool send_binary;
    bool await_message;
    double upgraded_ms;  /* when the 101 was read, from the start */
    wslay_event_context_ptr ws; /* owned, once upgraded */
    bool got_reply;
    bool in_glue_cb;     /* inside on_connected(), where the glue must not be freed */
    bool eof;            /* the peer closed the connection */
    char errbuf[CURL_ERROR_SIZE];
} ws_run_t;

#define MAX_SEND_FILE (1 << 20) /* send_file: a recorded utterance, not a recording session */

static const char *const keys[] = {"url",           "headers",    "send", "send_file",
                                   "await_message", "verify_tls", NULL};
static const char *const placeholders[] = {"STATUS", "CONNECTED", "RESPONSE_TIME", "BODY",
                                           "HEADER", "IP", "FIRST_MESSAGE_TIME", NULL};

/* Sec-WebSocket-Accept for @p key: base64(SHA-1(key + GUID)), RFC 6455 section 4.2.2. */
static void ws_accept(const char *key, char out[WS_ACCEPT_LEN + 1])
{
    struct sha1_ctx ctx;
    uint8_t digest[SHA1_DIGEST_SIZE];
    sha1_init(&ctx);
    sha1_update(&ctx, strlen(key), (const uint8_t *)key);
    sha1_update(&ctx, strlen(WS_GUID), (const uint8_t *)WS_GUID);
    sha1_digest(&ctx, sizeof digest, digest);
    base64_encode_raw(out, sizeof digest, digest);
    out[WS_ACCEPT_LEN] = '\0';
}

/* Does the comma-separated header value @p v (length @p len) hold token @p tok? */
static int has_token(const char *v, size_t len, const char *tok)
{
    size_t tlen = strlen(tok);
    size_t i = 0;
    while (i < len) {
        while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t start = i;
        while (i < len && v[i] != ',')
            i++;
        size_t end = i;
        while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
            end--;
        if (end - start == tlen && strncasecmp(v + start, tok, tlen) == 0)
            return 1;
    }
    return 0;
}

/* Judge the upgrade response head @p head (@p len bytes, through the blank line): set
 * *status, copy its headers as "Name: value\n" lines to @p headers and check what RFC 6455
 * section 4.1 asks of a client: 101, Upgrade: websocket, Connection: upgrade and the
 * expected @p accept. @return 0, or TC_EINVAL with the reason in @p err. */
static int check_upgrade(const char *head, size_t len, const char *accept, int *status,
                         tc_buf_t *headers, char *err, size_t errlen)
{
    *status = 0;
    const char *end = head + len;
    const char *eol = memchr(head, '\n', len);
    if (!eol || len < 12 || strncmp(head, "HTTP/1.", 7) != 0 || head[8] != ' ' ||
        head[9] < '1' || head[9] > '5' || head[10] < '0' || head[10] > '9' || head[11] < '0' ||
        head[11] > '9') {
        snprintf(err, errlen, "not an HTTP/1.1 response to the upgrade");
        return TC_EINVAL;
    }
    *status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
    int upgrade = 0, connection = 0, accepted = 0;
    for (const char *line = eol + 1; line < end;) {
        const char *next = memchr(line, '\n', (size_t)(end - line));
        size_t llen = next ? (size_t)(next - line) : (size_t)(end - line);
        if (llen && line[llen - 1] == '\r')
            llen--;
        if (llen == 0)
            break;
        const char *colon = memchr(line, ':', llen);
        if (colon) {
            size_t nlen = (size_t)(colon - line);
            const char *v = colon + 1;
            const char *vend = line + llen;
            while (v < vend && (*v == ' ' || *v == '\t'))
                v++;
            while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
                vend--;
            size_t vlen = (size_t)(vend - v);
            tc_buf_printf(headers, "%.*s: %.*s\n", (int)nlen, line, (int)vlen, v);
            if (nlen == 7 && strncasecmp(line, "Upgrade", 7) == 0)
                upgrade = has_token(v, vlen, "websocket");
            else if (nlen == 10 && strncasecmp(line, "Connection", 10) == 0)
                connection = has_token(v, vlen, "upgrade");
            else if (nlen == 20 && strncasecmp(line, "Sec-WebSocket-Accept", 20) == 0)
                accepted = vlen == strlen(accept) && memcmp(v, accept, vlen) == 0;
        }
        line = next ? next + 1 : end;
    }
    if (*status != 101)
        snprintf(err, errlen, "upgrade refused: HTTP %d", *status);
    else if (!upgrade)
        snprintf(err, errlen, "upgrade response lacks Upgrade: websocket");
    else if (!connection)
        snprintf(err, errlen, "upgrade response lacks Connection: Upgrade");
    else if (!accepted)
        snprintf(err, errlen, "Sec-WebSocket-Accept does not match the key sent");
    else
        return 0;
    return TC_EINVAL;
}

/* The upgrade must succeed whatever else is checked, so unless a condition already looks at
 * [STATUS], `[STATUS] == 101` is put first. */
static void add_default_condition(tc_monitor_cfg_t *m)
{
    for (size_t i = 0; i < m->nconditions; i++)
        if (strstr(tc_cond_text(m->conditions[i]), "[STATUS]"))
            return;
    tc_cond_t *cond = NULL;
    int col = 0;
    char err[64];
    if (tc_cond_parse("[STATUS] == 101", &cond, &col, err, sizeof err) != 0)
        return;
    m->conditions = tc_realloc(m->conditions, (m->nconditions + 1) * sizeof *m->conditions);
    memmove(m->conditions + 1, m->conditions, m->nconditions * sizeof *m->conditions);
    m->conditions[0] = cond;
    m->nconditions++;
}

/* send_file: the bytes of a file (say, a second of recorded speech) sent as one binary frame,
 * read when the config loads so a run never touches the disk. */
static void read_send_file(tc_yaml_t *y, tc_ynode_t node, ws_cfg_t *c)
{
    char *path = NULL;
    tc_yaml_get_string(y, node, "monitor", "send_file", 0, &path);
    if (!path)
        return;
    tc_ynode_t at = tc_yaml_lookup(y, node, "send_file");
    if (c->send) {
        tc_yaml_error(y, at, "monitor: send and send_file cannot both be given");
        free(path);
        return;
    }
    FILE *f = fopen(path, "rb");
    tc_buf_t b;
    tc_buf_init(&b, MAX_SEND_FILE);
    char chunk[8192];
    size_t n;
    int too_big = 0;
    while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        too_big |= tc_buf_append(&b, chunk, n) != 0;
    if (!f)
        tc_yaml_error(y, at, "monitor: cannot read send_file %s: %s", path, strerror(errno));
    else if (ferror(f) || too_big)
        tc_yaml_error(y, at, "monitor: send_file %s is unreadable or over 1 MiB", path);
    else if (b.len == 0)
        tc_yaml_error(y, at, "monitor: send_file %s is empty", path);
    else
        c->send_data = tc_buf_steal(&b, &c->send_len);
    if (f)
        fclose(f);
    tc_buf_free(&b);
    free(path);
}

static void ws_parse(tc_yaml_t *y, tc_ynode_t node, tc_monitor_cfg_t *m)
{
    ws_cfg_t *c = tc_calloc(1, sizeof *c);
    c->verify_tls = true;
    m->kind_cfg = c;
    char *url = NULL;
    tc_yaml_get_string(y, node, "monitor", "url", 1, &url);
    tc_yaml_get_string(y, node, "monitor", "send", 0, &c->send);
    read_send_file(y, node, c);
    tc_yaml_get_bool(y, node, "monitor", "await_message", &c->await_message);
    tc_yaml_get_bool(y, node, "monitor", "verify_tls", &c->verify_tls);
    c->headers = tc_probe__parse_headers(y, node);
    add_default_condition(m);
    if (!url)
        return;
    const char *rest = NULL;
    const char *scheme = NULL;
    if (strncasecmp(url, "ws://", 5) == 0) {
        scheme = "http://";
        rest = url + 5;
    } else if (strncasecmp(url, "wss://", 6) == 0) {
        scheme = "https://";
        rest = url + 6;
    }
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *path = NULL, *query = NULL;
    if (rest) {
        size_t len = strlen(scheme) + strlen(rest) + 1;
        c->http_url = tc_malloc(len);
        snprintf(c->http_url, len, "%s%s", scheme, rest);
    }
    if (!rest || !u || curl_url_set(u, CURLUPART_URL, c->http_url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        tc_yaml_error(y, tc_yaml_lookup(y, node, "url"),
                      "monitor: url must be a ws:// or wss:// URL, e.g. wss://example.com/ws");
        goto out;
    }
    curl_url_get(u, CURLUPART_PORT, &port, 0); /* only when given in the URL */
    curl_url_get(u, CURLUPART_PATH, &path, 0);
    curl_url_get(u, CURLUPART_QUERY, &query, 0);
    size_t hlen = strlen(host) + (port ? strlen(port) + 1 : 0) + 1;
    c->host = tc_malloc(hlen);
    snprintf(c->host, hlen, "%s%s%s", host, port ? ":" : "", port ? port : "");
    const char *p = path && path[0] ? path : "/";
    size_t tlen = strlen(p) + (query ? strlen(query) + 1 : 0) + 1;
    c->target = tc_malloc(tlen);
    snprintf(c->target, tlen, "%s%s%s", p, query ? "?" : "", query ? query : "");
out:
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(u);
    free(url);
}

static void ws_free_config(void *p)
{
    ws_cfg_t *c = p;
    free(c->http_url);
    free(c->target);
    free(c->host);
    curl_slist_free_all(c->headers);
    free(c->send);
    free(c->send_data);
    free(c);
}

static void ws_free_state(void *state)
{
    ws_run_t *t = state;
    if (t->curl)
        tc_curl_free(t->curl); /* only after a failed start: nothing was added to it */
    if (t->easy)
        curl_easy_cleanup(t->easy);
    tc_buf_free(&t->head);
    free(t->request);
    free(t);
}

static void on_glue_closed(void *arg)
{
    tc_probe__release(arg);
}

/* Removing the handle closes a connect-only connection, so the poll on its socket must have
 * been stopped before this. The private glue is held until its last libuv handle is closed. */
static void release_curl(tc_probe_run_t *run)
{
    ws_run_t *t = run->state;
    if (t->in_multi)
        tc_curl_cancel(t->curl, t->easy);
    t->in_multi = false;
    curl_easy_cleanup(t->easy);
    t->easy = NULL;
    tc_curl_free_cb(t->curl, on_glue_closed, run);
    t->curl = NULL;
}

/* The glue cannot be freed inside its own callback (on_connected()); when the run concluded
 * there, the timer's close callback frees it. */
static void on_timer_closed(uv_handle_t *h)
{
    tc_probe_run_t *run = h->data;
    ws_run_t *t = run->state;
    if (t->curl)
        release_curl(run);
    tc_probe__release(run);
}

/* The outcome is decided: close the poll, the timer and the private glue at once, so that
 * nothing of the run is left open for the engine to trip over after a cancel. */
static void ws_stop(tc_probe_run_t *run)
{
    ws_run_t *t = run->state;
    if (!run->result.response_ms)
        run->result.response_ms = tc_probe__elapsed_ms(run);
    if (t->poll_open) {
        uv_poll_stop(&t->poll);
        tc_probe__close((uv_handle_t *)&t->poll, false);
        t->poll_open = false;
    }
    if (t->ws) {
        wslay_event_context_free(t->ws);
        t->ws = NULL;
    }
    uv_timer_stop(&t->timer);
    uv_close((uv_handle_t *)&t->timer, on_timer_closed);
    if (!t->in_glue_cb)
        release_curl(run);
}

/* A failure's time is when it happened; a success keeps the time of the reply (or of the
 * upgrade), set when it came. */
static void conclude(tc_probe_run_t *run, const char *error)
{
    if (error && !tc_probe__concluded(run))
        run->result.response_ms = tc_probe__elapsed_ms(run);
    tc_probe__conclude(run, error);
}

/* curl's own message when it has one, else the generic one for @p code. */
static const char *curl_error(ws_run_t *t, CURLcode code)
{
    return t->errbuf[0] ? t->errbuf : curl_easy_strerror(code);
}

static void on_poll(uv_poll_t *h, int status, int events);

static void watch(tc_probe_run_t *run, int events)
{
    ws_run_t *t = run->state;
    uv_poll_start(&t->poll, events ? events : UV_READABLE, on_poll);
}

static ssize_t recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
                       void *user)
{
    (void)flags;
    tc_probe_run_t *run = user;
    ws_run_t *t = run->state;
    /* Frames that arrived together with the upgrade response come first. */
    if (t->extra_off < t->head.len) {
        size_t n = t->head.len - t->extra_off;
        if (n > len)
            n = len;
        memcpy(buf, t->head.data + t->extra_off, n);
        t->extra_off += n;
        return (ssize_t)n;
    }
    size_t n = 0;
    CURLcode rc = curl_easy_recv(t->easy, buf, len, &n);
    if (rc == CURLE_AGAIN) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    if (rc != CURLE_OK || n == 0) {
        t->eof = true;
        if (rc != CURLE_OK)
            snprintf(run->result.error, sizeof run->result.error, "%s", curl_error(t, rc));
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return (ssize_t)n;
}

static ssize_t send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
                       void *user)
{
    (void)flags;
    tc_probe_run_t *run = user;
    ws_run_t *t = run->state;
    size_t n = 0;
    CURLcode rc = curl_easy_send(t->easy, data, len, &n);
    if (rc == CURLE_AGAIN) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    if (rc != CURLE_OK) {
        snprintf(run->result.error, sizeof run->result.error, "%s", curl_error(t, rc));
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return (ssize_t)n;
}

/* Client frames must be masked (RFC 6455 section 5.3). */
static int genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *user)
{
    (void)ctx;
    (void)user;
    return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

static void on_msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
                      void *user)
{
    (void)ctx;
    tc_probe_run_t *run = user;
    ws_run_t *t = run->state;
    if ((arg->opcode == WSLAY_TEXT_FRAME || arg->opcode == WSLAY_BINARY_FRAME) &&
        !t->got_reply && t->phase == WS_OPEN) {
        tc_buf_append(&run->result.body, arg->msg, arg->msg_length);
        t->got_reply = true;
        /* Time to first message: what a voice API's users wait for (time to first audio). */
        tc_probe__set_value(&run->result, "FIRST_MESSAGE_TIME", NULL, "%.3f",
                            tc_probe__elapsed_ms(run) - t->upgraded_ms);
    }
}

static void ws_io(tc_probe_run_t *run)
{
    ws_run_t *t = run->state;
    tc_result_t *r = &run->result;
    int rc = 0;
    if (wslay_event_want_read(t->ws))
        rc = wslay_event_recv(t->ws);
    if (rc == 0 && t->got_reply && t->phase == WS_OPEN) {
        r->response_ms = tc_probe__elapsed_ms(run);
        t->phase = WS_CLOSING;
        wslay_event_queue_close(t->ws, WSLAY_CODE_NORMAL_CLOSURE, NULL, 0);
    }
    if (rc == 0 && wslay_event_want_write(t->ws))
        rc = wslay_event_send(t->ws);
    if (t->phase == WS_CLOSING) {
        /* The reply is in; a close frame that cannot be written changes nothing. */
        if (rc != 0 || !wslay_event_want_write(t->ws))
            conclude(run, NULL);
        else
            watch(run, UV_WRITABLE);
        return;
    }
    if (rc != 0 || t->eof) {
        conclude(run, t->eof ? "connection closed before a reply" : "websocket protocol error");
        return;
    }
    if (wslay_event_get_close_received(t->ws)) {
        conclude(run, "closed by the server before a reply");
        return;
    }
    watch(run, (wslay_event_want_read(t->ws) ? UV_READABLE : 0) |
                   (wslay_event_want_write(t->ws) ? UV_WRITABLE : 0));
}

static void open_websocket(tc_probe_run_t *run)
{
    ws_run_t *t = run->state;
    static const struct wslay_event_callbacks callbacks = {
        .recv_callback = recv_cb,
        .send_callback = send_cb,
        .genmask_callback = genmask_cb,
        .on_msg_recv_callback = on_msg_cb,
    };
    if (wslay_event_context_client_init(&t->ws, &callbacks, run) != 0) {
        t->ws = NULL;
        conclude(run, "websocket: out of memory");
        return;
    }
    wslay_event_config_set_max_recv_msg_length(t->ws, MAX_MSG);
    t->phase = WS_OPEN;
    t->upgraded_ms = tc_probe__elapsed_ms(run);
    if (t->send) {
        struct wslay_event_msg msg = {t->send_binary ? WSLAY_BINARY_FRAME : WSLAY_TEXT_FRAME,
                                      (const uint8_t *)t->send, t->send_len};
        wslay_event_queue_msg(t->ws, &msg);
    } else if (!t->await_message) {
        /* Nothing to wait for: the upgrade was the check. */
        run->result.response_ms = tc_probe__elapsed_ms(run);
        t->phase = WS_CLOSING;
        wslay_event_queue_close(t->ws, WSLAY_CODE_NORMAL_CLOSURE, NULL, 0);
    }
    ws_io(run);
}

/* @return the length of the response head through its blank line, or 0 if incomplete. */
static size_t head_end(const char *p, size_t len)
{
    for (size_t i = 0; i + 4 <= len; i++)
        if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n')
            return i + 4;
    return 0;
}

/* Send the rest of the upgrade request, then read until the response head is complete. */
static void upgrade_io(tc_probe_run_t *run)
{
    ws_run_t *t = run->state;
    tc_result_t *r = &run->result;
    while (t->request_sent < t->request_len) {
        size_t n = 0;
        CURLcode rc = curl_easy_send(t->easy, t->request + t->request_sent,
                                     t->request_len - t->request_sent, &n);
        if (rc == CURLE_AGAIN) {
            watch(run, UV_WRITABLE);
            return;
        }
        if (rc != CURLE_OK) {
            conclude(run, curl_error(t, rc));
            return;
        }
        t->request_sent += n;
    }
    /* Read until curl has nothing more: with TLS, bytes already decrypted would never make
     * the socket readable again. */
    for (;;) {
        char buf[4096];
        size_t n = 0;
        CURLcode rc = curl_easy_recv(t->easy, buf, sizeof buf, &n);
        if (rc == CURLE_AGAIN)
            break;
        if (rc != CURLE_OK) {
            conclude(run, curl_error(t, rc));
            return;
        }
        if (n == 0) {
            t->eof = true;
            break;
        }
        if (!r->first_byte_ms)
            r->first_byte_ms = tc_probe__elapsed_ms(run);
        if (tc_buf_append(&t->head, buf, n) != 0) {
            conclude(run, "upgrade response too large");
            return;
        }
    }
    size_t head_len = head_end(t->head.data, t->head.len);
    if (!head_len) {
        if (t->eof)
            conclude(run, "connection closed during the upgrade");
        else
            watch(run, UV_READABLE);
        return;
    }
    t->extra_off = head_len;
    char err[128];
    int rc = check_upgrade(t->head.data, head_len, t->accept, &r->status_code, &r->headers,
                           err, sizeof err);
    if (rc != 0) {
        conclude(run, err);
        return;
    }
    open_websocket(run);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    (void)events;
    tc_probe_run_t *run = h->data;
    ws_run_t *t = run->state;
    if (status < 0) {
        conclude(run, uv_strerror(status));
        return;
    }
    if (t->phase == WS_UPGRADING)
        upgrade_io(run);
    else
        ws_io(run);
}

static void on_connected(CURL *e, CURLcode code, void *arg)
{
    tc_probe_run_t *run = arg;
    ws_run_t *t = run->state;
    if (tc_probe__concluded(run))
        return;
    tc_result_t *r = &run->result;
    tc_probe__curl_measure(e, r);
    r->connected = r->connect_ms > 0;
    t->in_glue_cb = true;
    curl_socket_t fd = CURL_SOCKET_BAD;
    if (code != CURLE_OK) {
        conclude(run, curl_error(t, code));
    } else if (curl_easy_getinfo(e, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK ||
               fd == CURL_SOCKET_BAD ||
               uv_poll_init_socket(run->env->loop, &t->poll, fd) != 0) {
        conclude(run, "cannot watch the connection's socket");
    } else {
        tc_probe__own(run, (uv_handle_t *)&t->poll);
        t->poll_open = true;
        t->phase = WS_UPGRADING;
        upgrade_io(run);
    }
    /* run->state is still ours: the glue is held until the timer's close callback. */
    t->in_glue_cb = false;
}

static void on_timeout(uv_timer_t *timer)
{
    tc_probe_run_t *run = timer->data;
    ws_run_t *t = run->state;
    static const char *const what[] = {
        [WS_CONNECTING] = "timed out connecting",
        [WS_UPGRADING] = "timed out waiting for the upgrade response",
        [WS_OPEN] = "timed out waiting for a reply",
        [WS_CLOSING] = NULL, /* the reply came; an unsent close frame is not a failure */
    };
    conclude(run, what[t->phase]);
}

/* The upgrade request, with a fresh random Sec-WebSocket-Key whose expected answer is
 * kept in t->accept. @return 0 or TC_EIO when no random bytes could be had. */
static int build_request(const ws_cfg_t *c, const char *user_agent, ws_run_t *t)
{
    uint8_t nonce[16];
    char key[WS_KEY_LEN + 1];
    if (getrandom(nonce, sizeof nonce, 0) != (ssize_t)sizeof nonce)
        return TC_EIO;
    base64_encode_raw(key, sizeof nonce, nonce);
    key[WS_KEY_LEN] = '\0';
    ws_accept(key, t->accept);
    tc_buf_t b;
    tc_buf_init(&b, 0);
    tc_buf_printf(&b,
                  "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n",
                  c->target, c->host, key);
    /* Ours unless the monitor's headers name one: a request with two would be ambiguous. */
    bool own = false;
    for (const struct curl_slist *h = c->headers; h; h = h->next) {
        tc_buf_printf(&b, "%s\r\n", h->data);
        own = own || strncasecmp(h->data, "User-Agent:", 11) == 0;
    }
    char fallback[96];
    if (!user_agent) {
        tc_probe_user_agent(NULL, fallback, sizeof fallback);
        user_agent = fallback;
    }
    if (!own)
        tc_buf_printf(&b, "User-Agent: %s\r\n", user_agent);
    tc_buf_puts(&b, "\r\n");
    t->request = tc_buf_steal(&b, &t->request_len);
    return 0;
}

static int ws_start(tc_probe_run_t *run)
{
    const ws_cfg_t *c = run->m->kind_cfg;
    ws_run_t *t = tc_calloc(1, sizeof *t);
    run->state = t; /* freed by ws_free_state(), also when starting fails */
    tc_buf_init(&t->head, MAX_HEAD);
    if (build_request(c, run->env->user_agent, t) != 0)
        return TC_EIO;
    /* The config outlives the run (a reload waits for runs in flight), so borrow its bytes. */
    t->send = c->send_data ? c->send_data : c->send;
    t->send_len = c->send_data ? c->send_len : c->send ? strlen(c->send) : 0;
    t->send_binary = c->send_data != NULL;
    t->await_message = c->await_message;
    unsigned flags = TC_PROBE_CURL_CONNECT_ONLY | TC_PROBE_CURL_KEEP_OPEN |
                     TC_PROBE_CURL_CERTINFO | (c->verify_tls ? TC_PROBE_CURL_VERIFY : 0);
    t->easy = tc_probe__curl_easy(c->http_url, run->m->timeout_ms, flags, NULL, NULL, NULL);
    if (!t->easy)
        return TC_EIO;
    curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->errbuf);
    tc_probe__curl_note_connect(run, t->easy);
    /* A multi handle of its own, so connection pruning for other transfers never closes
     * this connection while it sits idle with unread input (see curl_glue.h). */
    t->curl = tc_curl_new(run->env->loop);
    if (tc_curl_add_connect_only(t->curl, t->easy, on_connected, run) != 0)
        return TC_EIO;
    t->in_multi = true;
    tc_probe__hold(run); /* the private glue, released by on_glue_closed() */
    uv_timer_init(run->env->loop, &t->timer);
    tc_probe__own(run, (uv_handle_t *)&t->timer);
    uv_timer_start(&t->timer, on_timeout, (uint64_t)run->m->timeout_ms, 0);
    return 0;
}

static const char *ws_address(const tc_monitor_cfg_t *m)
{
    return ((const ws_cfg_t *)m->kind_cfg)->target;
}

const tc_probe_type_t tc_probe_websocket = {
    .name = "websocket",
    .keys = keys,
    .placeholders = placeholders,
    .parse = ws_parse,
    .free_config = ws_free_config,
    .start = ws_start,
    .stop = ws_stop,
    .free_state = ws_free_state,
    .address = ws_address,
};
