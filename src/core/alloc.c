/* Aborting allocation wrappers; see alloc.h for why they never return NULL. */
#include "core/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t size)
{
    fprintf(stderr, "level=fatal module=alloc msg=\"out of memory\" size=%zu\n", size);
    abort();
}

void *tc_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        oom(size);
    return p;
}

void *tc_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom(count * size);
    return p;
}

void *tc_realloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q)
        oom(size);
    return q;
}

char *tc_strdup(const char *s)
{
    return tc_strndup(s, strlen(s));
}

char *tc_strndup(const char *s, size_t len)
{
    char *p = tc_malloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}
