/* systemd's service notifications (sd_notify(3)) spoken over the documented datagram
 * protocol, without libsystemd: the daemon says READY=1 once it serves, WATCHDOG=1 while its
 * engine loop turns, RELOADING=1 and STOPPING=1 around reloads and shutdown, and a STATUS=
 * line for `systemctl status`. Outside systemd (no $NOTIFY_SOCKET) the handle is NULL and
 * every call does nothing. A handle has one owner (the engine thread); sending never
 * blocks: a message the service manager has no room for is dropped and reported. */
#ifndef TC_SDNOTIFY_H
#define TC_SDNOTIFY_H

#include <stddef.h>
#include <stdint.h>

typedef struct tc_sdnotify tc_sdnotify_t;

typedef enum {
    TC_SDNOTIFY_READY,     /* READY=1: serving (after start-up and after each reload) */
    TC_SDNOTIFY_RELOADING, /* RELOADING=1 with MONOTONIC_USEC=: a reload has begun */
    TC_SDNOTIFY_STOPPING,  /* STOPPING=1: shutting down */
    TC_SDNOTIFY_WATCHDOG,  /* WATCHDOG=1: the engine loop is alive */
    TC_SDNOTIFY_STATUS,    /* nothing but the STATUS= line */
} tc_sdnotify_state_t;

/** Read $NOTIFY_SOCKET (an absolute path, or "@name" for an abstract socket), $WATCHDOG_USEC
 *  and $WATCHDOG_PID, and remove the three from the environment so that programs this
 *  process starts cannot speak for it. Call it before other threads start (it changes the
 *  environment).
 *  @param out receives the handle (free it with tc_sdnotify_close()), or NULL when there is
 *         no $NOTIFY_SOCKET or on failure
 *  @return 0; TC_EINVAL when a variable is malformed or the socket kind is not supported;
 *          TC_EIO when the socket cannot be made. The reason is in @p err. */
int tc_sdnotify_open(tc_sdnotify_t **out, char *err, size_t errlen);

/** Send @p state, with "STATUS=@p status" when @p status is not NULL (control characters in
 *  it become spaces, so the text cannot add assignments of its own).
 *  @param n a handle, or NULL (then nothing is sent and 0 returned)
 *  @return 0, or TC_EIO with the reason in @p err (the message is lost). */
int tc_sdnotify_send(tc_sdnotify_t *n, tc_sdnotify_state_t state, const char *status, char *err,
                     size_t errlen);

/** @return the watchdog interval in milliseconds ($WATCHDOG_USEC), or 0 when there is none,
 *          when $WATCHDOG_PID names another process, or when @p n is NULL. Send
 *          TC_SDNOTIFY_WATCHDOG at least every half interval. */
int64_t tc_sdnotify_watchdog_ms(const tc_sdnotify_t *n);

/** Close the socket and free @p n (NULL is fine). */
void tc_sdnotify_close(tc_sdnotify_t *n);

#endif
