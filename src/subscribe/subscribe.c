/* The subscriber domain's rules (subscribe.h). */
#include "subscribe/subscribe.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* The key an address counts under: IPv6 addresses by their /64, since one host usually
 * holds a whole /64 and could otherwise rotate through it. */
void tc_subscribe_limit_key(const char *addr, char *out, size_t outlen)
{
    struct in6_addr a6;
    if (strchr(addr, ':') && inet_pton(AF_INET6, addr, &a6) == 1 &&
        !IN6_IS_ADDR_V4MAPPED(&a6)) {
        memset(&a6.s6_addr[8], 0, 8);
        if (inet_ntop(AF_INET6, &a6, out, (socklen_t)outlen))
            return;
    }
    snprintf(out, outlen, "%s", addr);
}

bool tc_subscribe_limited(tc_subscribe_limiter_t *l, const char *client, int per_minute,
                          int64_t now_ms)
{
    char addr[INET6_ADDRSTRLEN + 8];
    tc_subscribe_limit_key(client, addr, sizeof addr);
    int64_t minute = now_ms / 60000;
    size_t slot = TC_SUBSCRIBE_LIMIT_SLOTS, oldest = 0;
    for (size_t i = 0; i < TC_SUBSCRIBE_LIMIT_SLOTS; i++) {
        if (strcmp(l->slots[i].addr, addr) == 0) {
            slot = i;
            break;
        }
        if (l->slots[i].minute < l->slots[oldest].minute)
            oldest = i;
    }
    if (slot == TC_SUBSCRIBE_LIMIT_SLOTS) {
        slot = oldest;
        snprintf(l->slots[slot].addr, sizeof l->slots[slot].addr, "%s", addr);
        l->slots[slot].count = 0;
        l->slots[slot].minute = minute;
    }
    if (l->slots[slot].minute != minute) {
        l->slots[slot].minute = minute;
        l->slots[slot].count = 0;
    }
    return ++l->slots[slot].count > per_minute;
}

bool tc_subscribe_valid_email(const char *s)
{
    size_t len = strlen(s);
    const char *at = strchr(s, '@');
    if (len > TC_SUBSCRIBE_MAX_EMAIL || !at || at == s || at - s > 64 || strchr(at + 1, '@'))
        return false;
    for (const char *p = s; p < at; p++)
        if ((unsigned char)*p <= ' ' || strchr("\"(),:;<>[\\]", *p) || *p == 0x7f)
            return false;
    const char *dom = at + 1;
    if (!dom[0] || dom[0] == '.' || dom[0] == '-' || !strchr(dom, '.') ||
        dom[strlen(dom) - 1] == '.' || strstr(dom, ".."))
        return false;
    for (const char *p = dom; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '.' || (unsigned char)*p >= 0x80))
            return false;
    return true;
}

bool tc_subscribe_valid_confirm_token(const char *token)
{
    size_t n = strlen(token);
    if (n != 32)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789abcdefABCDEF", token[i]))
            return false;
    return true;
}

bool tc_subscribe_follows(const char *components, const char *const *ids, size_t n)
{
    if (!components || n == 0)
        return true;
    json_t *list = json_loads(components, 0, NULL);
    bool yes = false;
    size_t k;
    json_t *v;
    json_array_foreach(list, k, v)
    {
        for (size_t i = 0; i < n && !yes; i++)
            yes = json_string_value(v) && strcmp(json_string_value(v), ids[i]) == 0;
    }
    json_decref(list);
    return yes;
}
