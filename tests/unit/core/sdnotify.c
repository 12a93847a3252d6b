/* Unit tests for src/core/sdnotify.c: what arrives on a datagram socket standing in for
 * systemd's (a path and an abstract name), the watchdog interval and whom it is for, the
 * environment being cleared, and the malformed variables that are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/err.h"
#include "core/sdnotify.h"

/* A receiving socket bound to @p name ("/path" or "@abstract"). */
static int listen_on(const char *name)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    size_t len = strlen(name);
    memcpy(a.sun_path, name, len);
    socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    if (name[0] == '@')
        a.sun_path[0] = '\0';
    else
        alen++;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, alen), 0);
    return fd;
}

/* The next datagram, as text; fails the test if none is waiting. */
static void expect_message(int fd, const char *want)
{
    char buf[2048];
    ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
    assert_true(n >= 0);
    buf[n] = '\0';
    assert_string_equal(buf, want);
}

static void no_socket_no_handle(void **state)
{
    (void)state;
    unsetenv("NOTIFY_SOCKET");
    setenv("WATCHDOG_USEC", "1000000", 1);
    tc_sdnotify_t *n = (tc_sdnotify_t *)1;
    char err[256];
    assert_int_equal(tc_sdnotify_open(&n, err, sizeof err), 0);
    assert_null(n);
    /* Everything on a NULL handle is a no-op. */
    assert_int_equal(tc_sdnotify_send(NULL, TC_SDNOTIFY_READY, "x", err, sizeof err), 0);
    assert_int_equal(tc_sdnotify_watchdog_ms(NULL), 0);
    tc_sdnotify_close(NULL);
    unsetenv("WATCHDOG_USEC");
}

static void sends_to_a_path(void **state)
{
    (void)state;
    char path[] = "/tmp/tc-sdnotify-XXXXXX";
    assert_non_null(mkdtemp(path));
    char sock[64];
    snprintf(sock, sizeof sock, "%s/notify", path);
    int fd = listen_on(sock);
    setenv("NOTIFY_SOCKET", sock, 1);
    setenv("WATCHDOG_USEC", "2500000", 1);
    char pid[32];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    setenv("WATCHDOG_PID", pid, 1);

    tc_sdnotify_t *n = NULL;
    char err[256] = "";
    assert_int_equal(tc_sdnotify_open(&n, err, sizeof err), 0);
    assert_non_null(n);
    assert_int_equal(tc_sdnotify_watchdog_ms(n), 2500);
    /* Removed, so that child processes cannot speak for this one. */
    assert_null(getenv("NOTIFY_SOCKET"));
    assert_null(getenv("WATCHDOG_USEC"));
    assert_null(getenv("WATCHDOG_PID"));

    assert_int_equal(tc_sdnotify_send(n, TC_SDNOTIFY_READY, "serving \"Page\"", err, sizeof err),
                     0);
    expect_message(fd, "READY=1\nSTATUS=serving \"Page\"");
    assert_int_equal(tc_sdnotify_send(n, TC_SDNOTIFY_WATCHDOG, NULL, err, sizeof err), 0);
    expect_message(fd, "WATCHDOG=1");
    assert_int_equal(tc_sdnotify_send(n, TC_SDNOTIFY_STOPPING, NULL, err, sizeof err), 0);
    expect_message(fd, "STOPPING=1");
    /* A status cannot add assignments of its own. */
    assert_int_equal(tc_sdnotify_send(n, TC_SDNOTIFY_STATUS, "bad\nMAINPID=1\r\x1b", err,
                                      sizeof err),
                     0);
    expect_message(fd, "STATUS=bad MAINPID=1  ");

    assert_int_equal(tc_sdnotify_send(n, TC_SDNOTIFY_RELOADING, NULL, err, sizeof err), 0);
    char buf[256];
    ssize_t got = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
    assert_true(got > 0);
    buf[got] = '\0';
    unsigned long long usec = 0;
    assert_int_equal(sscanf(buf, "RELOADING=1\nMONOTONIC_USEC=%llu", &usec), 1);
    assert_true(usec > 0);

    /* The socket went away (the manager is gone): reported, not fatal. */
    close(fd);
    unlink(sock);
    assert_int_equal(tc_sdnotify_send(n, TC_SDNOTIFY_WATCHDOG, NULL, err, sizeof err), TC_EIO);
    assert_non_null(strstr(err, "cannot notify"));
    tc_sdnotify_close(n);
    rmdir(path);
}

static void sends_to_an_abstract_name(void **state)
{
    (void)state;
    char name[64];
    snprintf(name, sizeof name, "@tc-sdnotify-test-%ld", (long)getpid());
    int fd = listen_on(name);
    setenv("NOTIFY_SOCKET", name, 1);
    unsetenv("WATCHDOG_USEC");
    tc_sdnotify_t *n = NULL;
    char err[256];
    assert_int_equal(tc_sdnotify_open(&n, err, sizeof err), 0);
    assert_non_null(n);
    assert_int_equal(tc_sdnotify_watchdog_ms(n), 0);
    assert_int_equal(tc_sdnotify_send(n, TC_SDNOTIFY_READY, NULL, err, sizeof err), 0);
    expect_message(fd, "READY=1");
    tc_sdnotify_close(n);
    close(fd);
}

static void watchdog_for_another_process_is_not_ours(void **state)
{
    (void)state;
    setenv("NOTIFY_SOCKET", "@tc-unused", 1);
    setenv("WATCHDOG_USEC", "30000000", 1);
    char pid[32];
    snprintf(pid, sizeof pid, "%ld", (long)getpid() + 1);
    setenv("WATCHDOG_PID", pid, 1);
    tc_sdnotify_t *n = NULL;
    char err[256];
    assert_int_equal(tc_sdnotify_open(&n, err, sizeof err), 0);
    assert_int_equal(tc_sdnotify_watchdog_ms(n), 0);
    tc_sdnotify_close(n);

    /* Below a millisecond still pings (rounded up). */
    setenv("NOTIFY_SOCKET", "@tc-unused", 1);
    setenv("WATCHDOG_USEC", "300", 1);
    assert_int_equal(tc_sdnotify_open(&n, err, sizeof err), 0);
    assert_int_equal(tc_sdnotify_watchdog_ms(n), 1);
    tc_sdnotify_close(n);
}

static void refuses_malformed_variables(void **state)
{
    (void)state;
    static const struct {
        const char *socket, *usec, *pid, *says;
    } cases[] = {
        {"relative/path", NULL, NULL, "neither an absolute path"},
        {"vsock:2:1234", NULL, NULL, "neither an absolute path"},
        {"@", NULL, NULL, "neither an absolute path"},
        {"/run/notify", "soon", NULL, "WATCHDOG_USEC"},
        {"/run/notify", "0", NULL, "WATCHDOG_USEC"},
        {"/run/notify", "-5", NULL, "WATCHDOG_USEC"},
        {"/run/notify", "99999999999999999999999", NULL, "WATCHDOG_USEC"},
        {"/run/notify", "1000", "me", "WATCHDOG_PID"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        setenv("NOTIFY_SOCKET", cases[i].socket, 1);
        if (cases[i].usec)
            setenv("WATCHDOG_USEC", cases[i].usec, 1);
        else
            unsetenv("WATCHDOG_USEC");
        if (cases[i].pid)
            setenv("WATCHDOG_PID", cases[i].pid, 1);
        else
            unsetenv("WATCHDOG_PID");
        tc_sdnotify_t *n = (tc_sdnotify_t *)1;
        char err[256] = "";
        assert_int_equal(tc_sdnotify_open(&n, err, sizeof err), TC_EINVAL);
        assert_null(n);
        assert_non_null(strstr(err, cases[i].says));
        assert_null(getenv("NOTIFY_SOCKET"));
    }
    char longest[200];
    memset(longest, 'a', sizeof longest - 1);
    longest[0] = '/';
    longest[sizeof longest - 1] = '\0';
    setenv("NOTIFY_SOCKET", longest, 1);
    tc_sdnotify_t *n = NULL;
    char err[256] = "";
    assert_int_equal(tc_sdnotify_open(&n, err, sizeof err), TC_EINVAL);
    assert_non_null(strstr(err, "longer"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_socket_no_handle),
        cmocka_unit_test(sends_to_a_path),
        cmocka_unit_test(sends_to_an_abstract_name),
        cmocka_unit_test(watchdog_for_another_process_is_not_ours),
        cmocka_unit_test(refuses_malformed_variables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
