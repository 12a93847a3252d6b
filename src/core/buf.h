/* A growable byte buffer with a hard cap, used to build documents and to hold anything read
 * from the network. Appends past the cap fail with TC_ETOOBIG and leave the buffer
 * unchanged (STYLE.md rule 14). The buffer owns its bytes until tc_buf_steal(). */
#ifndef TC_BUF_H
#define TC_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct tc_buf {
    char *data;   /* owned; always NUL-terminated when non-NULL */
    size_t len;   /* bytes used, excluding the terminator */
    size_t cap;   /* bytes allocated */
    size_t limit; /* most bytes this buffer may ever hold; 0 means no limit */
} tc_buf_t;

/** Initialise an empty buffer that refuses to grow past @p limit bytes (0: unlimited). */
void tc_buf_init(tc_buf_t *b, size_t limit);
/** Release the bytes; the buffer can be initialised again. */
void tc_buf_free(tc_buf_t *b);
/** Append @p len bytes. @return 0 or TC_ETOOBIG. */
int tc_buf_append(tc_buf_t *b, const void *p, size_t len);
/** Append a NUL-terminated string. @return 0 or TC_ETOOBIG. */
int tc_buf_puts(tc_buf_t *b, const char *s);
/** Append printf-formatted text. @return 0 or TC_ETOOBIG. */
int tc_buf_printf(tc_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** va_list form of tc_buf_printf(). */
int tc_buf_vprintf(tc_buf_t *b, const char *fmt, va_list ap);
/** Append @p s with the five HTML-special characters escaped (&, <, >, ", '). */
int tc_buf_html(tc_buf_t *b, const char *s);
/** Append @p len bytes of @p s made safe to print on a terminal or in a log line, for
 *  messages that quote untrusted text (config keys and values, file names): control bytes
 *  become \n, \t, \r or \xNN, DEL becomes \x7f, every byte that is not part of a valid
 *  UTF-8 sequence becomes \xNN, and the code points a terminal acts on or that reorder a
 *  line (C1 controls U+0080-U+009F, U+2028/U+2029, bidirectional marks, embeddings,
 *  overrides and isolates) become \uNNNN. Valid printable UTF-8 and backslashes are
 *  kept, so "Zahlungs-API ü" reads as written.
 *  @return 0, or TC_ETOOBIG with the buffer unchanged. */
int tc_buf_escape(tc_buf_t *b, const char *s, size_t len);
/** @return non-zero when the @p len bytes of @p s are valid UTF-8 (no overlong forms,
 *  surrogates or code points above U+10FFFF, no sequence cut short). */
int tc_utf8_valid(const char *s, size_t len);
/** Replace every byte of @p s that is not part of a valid UTF-8 sequence (including a
 *  sequence cut short at the end, as when a message was truncated) with '?', in place.
 *  Text from probes and clients goes through this before it reaches JSON or pages. */
void tc_utf8_clean(char *s);
/** Copy at most @p outlen - 1 bytes of @p s into @p out for a message: cut before a
 *  character that does not fit (never inside one) and marked with "…" when cut, invalid
 *  bytes replaced as by tc_utf8_clean(). Every excerpt of outside text in a message goes through this, since a
 *  byte-count cut ("%.100s") splits a character and JSON encoders refuse the result.
 *  @p s may be NULL (gives ""). @return @p out, for use as a printf argument. */
const char *tc_utf8_excerpt(char *out, size_t outlen, const char *s);

/** Hand the bytes to the caller (who frees them with free()) and empty the buffer.
 *  @param len receives the length; may be NULL. */
char *tc_buf_steal(tc_buf_t *b, size_t *len);

#endif
