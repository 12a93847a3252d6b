/* CommonMark rendering through libcmark. Safe mode is cmark's default since 0.29; the flag
 * is still passed so the intent survives a build against an older cmark, where it is not
 * the default. */
#include "web/markdown.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

char *tc_markdown_html(const char *md, size_t *len)
{
    int opts = CMARK_OPT_SAFE | CMARK_OPT_HARDBREAKS | CMARK_OPT_VALIDATE_UTF8;
    char *html = cmark_markdown_to_html(md ? md : "", md ? strlen(md) : 0, opts);
    /* cmark allocates with malloc() and returns NULL only when that failed; treat it as
     * every other allocation failure (STYLE.md rule 11). */
    if (!html)
        html = tc_strdup("");
    if (len)
        *len = strlen(html);
    return html;
}
