/* XML 1.0 text for the documents that are XML (the Atom and RSS feeds, the SVG badges): the
 * characters XML allows and the escaping of the five special ones. Outside text may hold
 * bytes no XML parser accepts, even as character references (C0 controls, U+FFFE, U+FFFF,
 * invalid UTF-8); those are dropped so that a document always parses. Appends to a caller's
 * buffer and keeps nothing. */
#ifndef TC_XML_H
#define TC_XML_H

#include <stddef.h>

#include "core/buf.h"

/** The character at @p s (at most @p avail bytes): its length in bytes when it is valid
 *  UTF-8 and a character XML 1.0 allows (Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] |
 *  [#xE000-#xFFFD] | [#x10000-#x10FFFF]), with its code point in @p cp (may be NULL);
 *  0 otherwise (overlong forms, surrogates and sequences cut short count as 0 too). */
size_t tc_xml_char(const unsigned char *s, size_t avail, unsigned long *cp);

/** Append the @p len bytes of @p s as XML text or attribute value: &, <, > and " become
 *  references; an apostrophe becomes &apos; with @p apos, else stays as it is; characters
 *  tc_xml_char() refuses are dropped one byte at a time. */
void tc_xml_text(tc_buf_t *b, const char *s, size_t len, int apos);

/** tc_xml_text() over a NUL-terminated string; NULL appends nothing. */
void tc_xml_str(tc_buf_t *b, const char *s, int apos);

#endif
