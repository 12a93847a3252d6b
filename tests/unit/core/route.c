/* Unit tests for src/core/route.c: default gateways from /proc/net/route and
 * /proc/net/ipv6_route as Linux prints them (the IPv4 figures are in this machine's byte
 * order, so the rows assume a little-endian host, as every machine tocsin is built on is). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/err.h"
#include "core/route.h"

#define HEAD4 "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"

static void test_gateway4(void **state)
{
    (void)state;
    static const struct {
        const char *name, *text, *want; /* want NULL: none */
    } rows[] = {
        {"a container's table",
         HEAD4 "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
               "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",
         "192.0.2.1"},
        {"the lowest metric wins",
         HEAD4 "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
               "eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
               "tun0\t00000000\t01010A0A\t0003\t0\t0\t900\t00000000\t0\t0\t0\n",
         "10.0.0.1"},
        {"no default route", HEAD4 "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",
         NULL},
        {"a default route that is down", HEAD4
         "eth0\t00000000\t010200C0\t0002\t0\t0\t0\t00000000\t0\t0\t0\n", NULL},
        {"a default route without a gateway (point to point)", HEAD4
         "ppp0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n", NULL},
        {"a route with a mask is not the default", HEAD4
         "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t000000FF\t0\t0\t0\n", NULL},
        {"empty", "", NULL},
        {"only the header", HEAD4, NULL},
        {"garbage lines are skipped", HEAD4 "eth0 zz\n\n\t\t\t\nx 0 0 0 0 0 0 0\n"
                                            "eth0\t00000000\t0200A8C0\t0003\t0\t0\t5\t00000000\n",
         "192.168.0.2"},
        {"no newline at the end",
         HEAD4 "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0", "192.0.2.1"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char out[64] = "";
        int rc = tc_route_gateway4(rows[i].text, out, sizeof out);
        if (rows[i].want ? rc != 0 || strcmp(out, rows[i].want) != 0 : rc != TC_ENOENT)
            fail_msg("%s: rc %d, out \"%s\"", rows[i].name, rc, out);
    }
    /* An address that does not fit the caller's buffer is no answer, not a cut one. */
    char tiny[8];
    assert_int_equal(tc_route_gateway4(rows[0].text, tiny, sizeof tiny), TC_ENOENT);
}

#define Z32 "00000000000000000000000000000000"

static void test_gateway6(void **state)
{
    (void)state;
    static const struct {
        const char *name, *text, *want;
    } rows[] = {
        {"a container's table",
         "fd000000000000000000000000000000 40 " Z32 " 00 " Z32 " 00000100 00000001 00000000 "
         "00000001     eth0\n"
         Z32 " 00 " Z32 " 00 fd000000000000000000000000000001 00000400 00000003 00000000 "
         "00000003     eth0\n"
         Z32 " 00 " Z32 " 00 " Z32 " ffffffff 00000001 00000000 00200200       lo\n",
         "fd00::1"},
        {"a link-local next hop carries its device",
         Z32 " 00 " Z32 " 00 fe800000000000000000000000000001 00000400 00000003 00000000 "
         "00000003 enp3s0\n",
         "fe80::1%enp3s0"},
        {"the lowest metric wins",
         Z32 " 00 " Z32 " 00 20010db8000000000000000000000001 00000600 1 0 00000003 wlan0\n"
         Z32 " 00 " Z32 " 00 20010db8000000000000000000000002 00000100 1 0 00000003 eth0\n",
         "2001:db8::2"},
        {"the reject route of lo is no gateway",
         Z32 " 00 " Z32 " 00 " Z32 " ffffffff 00000001 00000000 00200200       lo\n", NULL},
        {"a /64 is not the default",
         "20010db8000000000000000000000000 40 " Z32 " 00 fe800000000000000000000000000001 "
         "00000400 00000003 00000000 00000003 eth0\n",
         NULL},
        {"short digits are skipped",
         "0000 00 " Z32 " 00 fe80 00000400 00000003 00000000 00000003 eth0\n", NULL},
        {"empty", "", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char out[80] = "";
        int rc = tc_route_gateway6(rows[i].text, out, sizeof out);
        if (rows[i].want ? rc != 0 || strcmp(out, rows[i].want) != 0 : rc != TC_ENOENT)
            fail_msg("%s: rc %d, out \"%s\"", rows[i].name, rc, out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gateway4),
        cmocka_unit_test(test_gateway6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
