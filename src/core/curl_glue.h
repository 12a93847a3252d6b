/* libcurl's multi-socket API bound to the engine's libuv loop, in exactly one place
 * (as in curl's docs/examples/multi-uv.c). Probes and notifiers hand it prepared easy
 * handles and get one callback per transfer; nothing here blocks the loop.
 *
 * Async contract: after tc_curl_add() returns 0, @p done fires exactly once, from the loop,
 * after the handle has been removed from the multi handle; the callee then owns the easy
 * handle again. tc_curl_cancel() removes a transfer without calling @p done. */
#ifndef TC_CURL_GLUE_H
#define TC_CURL_GLUE_H

#include <curl/curl.h>
#include <uv.h>

typedef struct tc_curl tc_curl_t;

/** Called when a transfer ends; @p result is curl's result code for it. */
typedef void (*tc_curl_done_fn)(CURL *easy, CURLcode result, void *arg);

/** Create the multi handle on @p loop. Never fails except on out of memory (aborts). */
tc_curl_t *tc_curl_new(uv_loop_t *loop);

/** Start @p easy. @return 0, or TC_EIO when curl refuses the handle. */
int tc_curl_add(tc_curl_t *g, CURL *easy, tc_curl_done_fn done, void *arg);

/** Start a CURLOPT_CONNECT_ONLY transfer whose connection the caller then uses with
 *  curl_easy_send() and curl_easy_recv(). @p done fires once, from the loop, when the
 *  connection is up (or failed), but the handle stays in the multi handle: libcurl finds a
 *  connect-only connection only through the multi handle it was made in, and closes it when
 *  the handle leaves. The caller ends it with tc_curl_cancel() before curl_easy_cleanup().
 *  Give such a transfer a tc_curl_t of its own: a multi handle prunes its idle connections,
 *  and a connect-only connection with unread input looks dead to it.
 *  @return 0, or TC_EIO when curl refuses the handle. */
int tc_curl_add_connect_only(tc_curl_t *g, CURL *easy, tc_curl_done_fn done, void *arg);

/** Stop a transfer that has not finished (or end a connect-only one); its done callback
 *  will not fire. */
void tc_curl_cancel(tc_curl_t *g, CURL *easy);

/** Close the multi handle. Every transfer must have finished or been cancelled; the loop
 *  must run once more afterwards so the closed libuv handles are released. */
void tc_curl_free(tc_curl_t *g);

/** tc_curl_free(), then @p closed(@p arg) from the loop once the glue's last libuv handle is
 *  closed, for owners of a private tc_curl_t that must not finish before that. */
void tc_curl_free_cb(tc_curl_t *g, void (*closed)(void *arg), void *arg);

#endif
