/* Markdown to HTML for incident and post-mortem bodies. The only module that includes
 * cmark.h: CommonMark in safe mode, so raw HTML in a body is dropped and javascript:,
 * vbscript:, file: and most data: links lose their target. The output is safe to place
 * inside any HTML element that accepts flow content. */
#ifndef TC_MARKDOWN_H
#define TC_MARKDOWN_H

#include <stddef.h>

/** Render CommonMark @p md (NUL-terminated; invalid UTF-8 is replaced) as HTML. A single
 *  newline is kept as a line break (<br />), because status updates are usually typed as
 *  plain text with one line per thought.
 *  @param len receives the length of the result; may be NULL.
 *  @return malloc'd, NUL-terminated HTML the caller frees; never NULL ("" for empty input). */
char *tc_markdown_html(const char *md, size_t *len);

#endif
