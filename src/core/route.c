/* Default gateways from Linux's routing tables; see route.h. Every line is read with
 * sscanf widths that bound each field, so a line of any length or content is either a
 * route or skipped. */
#include "core/route.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

#define RTF_UP 0x0001      /* <linux/route.h>: the route is usable */
#define RTF_GATEWAY 0x0002 /* it goes through a gateway */

/* The next line of @p text into @p line (cut to its size); @return the text after it, or
 * NULL at the end. */
static const char *next_line(const char *text, char *line, size_t size)
{
    if (!*text)
        return NULL;
    size_t len = strcspn(text, "\n");
    size_t copy = len < size - 1 ? len : size - 1;
    memcpy(line, text, copy);
    line[copy] = '\0';
    return text[len] ? text + len + 1 : text + len;
}

int tc_route_gateway4(const char *text, char *out, size_t outlen)
{
    char line[512];
    unsigned long best_metric = 0;
    int found = 0;
    /* The first line is the header ("Iface Destination Gateway ..."). */
    const char *p = next_line(text, line, sizeof line);
    while (p && (p = next_line(p, line, sizeof line))) {
        char iface[32];
        unsigned int dest, gw, flags, refcnt, use, mask;
        unsigned long metric;
        if (sscanf(line, "%31s %8x %8x %4x %u %u %lu %8x", iface, &dest, &gw, &flags, &refcnt,
                   &use, &metric, &mask) != 8)
            continue;
        if (dest != 0 || mask != 0 || gw == 0 || (flags & (RTF_UP | RTF_GATEWAY)) !=
                                                     (RTF_UP | RTF_GATEWAY))
            continue;
        if (found && metric >= best_metric)
            continue;
        /* The kernel printed the address's four bytes as one number of this machine's
         * byte order: the same bytes in memory are the address. */
        uint32_t raw = (uint32_t)gw;
        struct in_addr a;
        memcpy(&a, &raw, sizeof a);
        char ip[INET_ADDRSTRLEN];
        if (!inet_ntop(AF_INET, &a, ip, sizeof ip))
            continue;
        if (strlen(ip) >= outlen)
            continue;
        memcpy(out, ip, strlen(ip) + 1);
        best_metric = metric;
        found = 1;
    }
    return found ? 0 : TC_ENOENT;
}

/* 32 hexadecimal digits into 16 bytes. @return 0 or -1. */
static int hex16(const char *hex, uint8_t bytes[16])
{
    for (int i = 0; i < 16; i++) {
        unsigned int b;
        char two[3] = {hex[2 * i], hex[2 * i + 1], '\0'};
        char *end = NULL;
        if (!two[0] || !two[1])
            return -1;
        b = (unsigned int)strtoul(two, &end, 16);
        if (*end)
            return -1;
        bytes[i] = (uint8_t)b;
    }
    return 0;
}

int tc_route_gateway6(const char *text, char *out, size_t outlen)
{
    char line[512];
    unsigned long best_metric = 0;
    int found = 0;
    const char *p = text;
    while ((p = next_line(p, line, sizeof line))) {
        char dest[33], src[33], hop[33], dev[32];
        unsigned int dest_len, src_len, refcnt, use, flags;
        unsigned long metric;
        if (sscanf(line, "%32[0-9a-fA-F] %2x %32[0-9a-fA-F] %2x %32[0-9a-fA-F] %8lx %8x %8x "
                         "%8x %31s",
                   dest, &dest_len, src, &src_len, hop, &metric, &refcnt, &use, &flags,
                   dev) != 10)
            continue;
        uint8_t d[16], h[16];
        static const uint8_t zero[16];
        if (strlen(dest) != 32 || strlen(hop) != 32 || hex16(dest, d) != 0 ||
            hex16(hop, h) != 0)
            continue;
        if (dest_len != 0 || memcmp(d, zero, 16) != 0 || memcmp(h, zero, 16) == 0 ||
            (flags & (RTF_UP | RTF_GATEWAY)) != (RTF_UP | RTF_GATEWAY))
            continue;
        if (found && metric >= best_metric)
            continue;
        char ip[INET6_ADDRSTRLEN], hop_text[INET6_ADDRSTRLEN + 32];
        if (!inet_ntop(AF_INET6, h, ip, sizeof ip))
            continue;
        /* fe80::/10 is only meaningful on one link. */
        bool link_local = h[0] == 0xfe && (h[1] & 0xc0) == 0x80;
        if (link_local)
            snprintf(hop_text, sizeof hop_text, "%s%%%s", ip, dev);
        else
            snprintf(hop_text, sizeof hop_text, "%s", ip);
        if (strlen(hop_text) >= outlen)
            continue;
        memcpy(out, hop_text, strlen(hop_text) + 1);
        best_metric = metric;
        found = 1;
    }
    return found ? 0 : TC_ENOENT;
}
