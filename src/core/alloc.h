/* Allocation for a daemon: out of memory is not a condition callers can recover from, so
 * these wrappers log the size and abort() instead of returning NULL (STYLE.md rule 11).
 * No caller checks their result. */
#ifndef TC_ALLOC_H
#define TC_ALLOC_H

#include <stddef.h>

/** malloc() that never returns NULL. */
void *tc_malloc(size_t size);
/** calloc() that never returns NULL. */
void *tc_calloc(size_t count, size_t size);
/** realloc() that never returns NULL. */
void *tc_realloc(void *p, size_t size);
/** strdup() that never returns NULL; @p s must not be NULL. */
char *tc_strdup(const char *s);
/** Copy of the first @p len bytes of @p s, NUL-terminated. */
char *tc_strndup(const char *s, size_t len);

#endif
