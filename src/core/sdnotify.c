/* systemd notifications over $NOTIFY_SOCKET (sd_notify(3), "the protocol"): each message is
 * one datagram of newline-separated VAR=VALUE assignments sent to an AF_UNIX socket that the
 * service manager reads; it learns the sender from the kernel's credentials, so nothing else
 * is needed. Written here rather than linking libsystemd, which the protocol does not need. */
#include "core/sdnotify.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/err.h"

#define MAX_MESSAGE 1024 /* a STATUS= line longer than this is cut */

struct tc_sdnotify {
    int fd;                   /* owned; a non-blocking datagram socket */
    struct sockaddr_un addr;  /* where messages go */
    socklen_t addrlen;        /* counts an abstract name's bytes exactly, without a NUL */
    int64_t watchdog_ms;      /* 0: no watchdog for this process */
};

/* A decimal number that fills the whole text, as systemd writes them. */
static int parse_number(const char *s, unsigned long long *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end = NULL;
    errno = 0;
    *out = strtoull(s, &end, 10);
    return errno || *end ? -1 : 0;
}

/* The socket's address: "/path" or "@abstract". systemd 253 can also name a vsock
 * ("vsock:CID:PORT") for virtual machines; tocsin does not run there, so it says so. */
static int parse_address(const char *text, tc_sdnotify_t *n, char *err, size_t errlen)
{
    size_t len = strlen(text);
    size_t room = sizeof n->addr.sun_path;
    if ((text[0] != '/' && text[0] != '@') || len < 2) {
        snprintf(err, errlen, "NOTIFY_SOCKET \"%.60s\" is neither an absolute path nor an "
                 "abstract socket (@name); only those are supported", text);
        return TC_EINVAL;
    }
    if (len > room - (text[0] == '/')) {
        snprintf(err, errlen, "NOTIFY_SOCKET is longer than a socket address can be");
        return TC_EINVAL;
    }
    n->addr.sun_family = AF_UNIX;
    memcpy(n->addr.sun_path, text, len);
    if (text[0] == '@')
        n->addr.sun_path[0] = '\0'; /* abstract: the name is the bytes after the NUL */
    n->addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (text[0] == '/'));
    return 0;
}

/* $WATCHDOG_USEC, meant for us only if $WATCHDOG_PID (when set) is our pid. */
static int parse_watchdog(const char *usec, const char *pid, int64_t *ms, char *err,
                          size_t errlen)
{
    unsigned long long v = 0, p = 0;
    *ms = 0;
    if (!usec)
        return 0;
    if (parse_number(usec, &v) != 0 || v == 0 || v > (unsigned long long)INT64_MAX / 2) {
        snprintf(err, errlen, "WATCHDOG_USEC \"%.30s\" is not a positive number of "
                 "microseconds", usec);
        return TC_EINVAL;
    }
    if (pid && parse_number(pid, &p) != 0) {
        snprintf(err, errlen, "WATCHDOG_PID \"%.30s\" is not a process id", pid);
        return TC_EINVAL;
    }
    if (pid && p != (unsigned long long)getpid())
        return 0;
    /* Round up: an interval below a millisecond still wants pings. */
    *ms = (int64_t)((v + 999) / 1000);
    return 0;
}

int tc_sdnotify_open(tc_sdnotify_t **out, char *err, size_t errlen)
{
    *out = NULL;
    const char *socket_text = getenv("NOTIFY_SOCKET");
    if (!socket_text)
        return 0;
    tc_sdnotify_t *n = tc_calloc(1, sizeof *n);
    n->fd = -1;
    int rc = parse_address(socket_text, n, err, errlen);
    if (rc == 0)
        rc = parse_watchdog(getenv("WATCHDOG_USEC"), getenv("WATCHDOG_PID"), &n->watchdog_ms,
                            err, errlen);
    /* Children never inherit the right to speak for this process (sd_notify's
     * unset_environment), whatever happens next. */
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    if (rc)
        goto fail;
    n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (n->fd < 0) {
        snprintf(err, errlen, "cannot make the notification socket: %s", strerror(errno));
        rc = TC_EIO;
        goto fail;
    }
    *out = n;
    return 0;

fail:
    tc_sdnotify_close(n);
    return rc;
}

/* "STATUS=" and the text, its control characters made spaces, cut to fit. */
static size_t append_status(char *buf, size_t used, size_t size, const char *status)
{
    int k = snprintf(buf + used, size - used, "%sSTATUS=", used ? "\n" : "");
    if (k < 0 || (size_t)k >= size - used)
        return used;
    used += (size_t)k;
    for (const unsigned char *p = (const unsigned char *)status; *p && used + 1 < size; p++)
        buf[used++] = (char)(*p < 0x20 || *p == 0x7f ? ' ' : *p);
    buf[used] = '\0';
    return used;
}

int tc_sdnotify_send(tc_sdnotify_t *n, tc_sdnotify_state_t state, const char *status, char *err,
                     size_t errlen)
{
    if (!n)
        return 0;
    char msg[MAX_MESSAGE];
    int k = 0;
    switch (state) {
    case TC_SDNOTIFY_READY:
        k = snprintf(msg, sizeof msg, "READY=1");
        break;
    case TC_SDNOTIFY_RELOADING: {
        /* Type=notify-reload (systemd 253) matches the reload to its request by this clock. */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        k = snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
                     (unsigned long long)ts.tv_sec * 1000000ULL +
                         (unsigned long long)ts.tv_nsec / 1000ULL);
        break;
    }
    case TC_SDNOTIFY_STOPPING:
        k = snprintf(msg, sizeof msg, "STOPPING=1");
        break;
    case TC_SDNOTIFY_WATCHDOG:
        k = snprintf(msg, sizeof msg, "WATCHDOG=1");
        break;
    case TC_SDNOTIFY_STATUS:
        msg[0] = '\0';
        break;
    }
    size_t len = k > 0 ? (size_t)k : 0;
    if (status)
        len = append_status(msg, len, sizeof msg, status);
    if (len == 0)
        return 0;
    ssize_t sent = sendto(n->fd, msg, len, MSG_NOSIGNAL, (const struct sockaddr *)&n->addr,
                          n->addrlen);
    if (sent < 0) {
        snprintf(err, errlen, "cannot notify the service manager: %s", strerror(errno));
        return TC_EIO;
    }
    return 0;
}

int64_t tc_sdnotify_watchdog_ms(const tc_sdnotify_t *n)
{
    return n ? n->watchdog_ms : 0;
}

void tc_sdnotify_close(tc_sdnotify_t *n)
{
    if (!n)
        return;
    if (n->fd >= 0)
        close(n->fd);
    free(n);
}
