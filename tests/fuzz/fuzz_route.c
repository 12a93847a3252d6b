/* libFuzzer driver for the routing-table readers (core/route.c): the input is taken as the
 * contents of /proc/net/route and of /proc/net/ipv6_route. A gateway that is found must be
 * an address inet_pton() reads back (IPv6: up to its "%device" scope) and fit the buffer.
 *
 * Run: build-fuzz/fuzz_route tests/fuzz/corpus/route */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = tc_strndup((const char *)data, size);
    char out[64];
    uint8_t bin[16];
    if (tc_route_gateway4(text, out, sizeof out) == 0 &&
        (strlen(out) >= sizeof out || inet_pton(AF_INET, out, bin) != 1))
        abort();
    if (tc_route_gateway6(text, out, sizeof out) == 0) {
        char addr[64];
        size_t len = strcspn(out, "%");
        memcpy(addr, out, len);
        addr[len] = '\0';
        if (inet_pton(AF_INET6, addr, bin) != 1)
            abort();
    }
    free(text);
    return 0;
}
