/* The page: section of the config: the page's name, address, zone and words, and its
 * branding (favicon, logo, accent colour, extra CSS, header links, footer text). Files named
 * here are read at load, and at each reload, so the page serves them from memory; each is
 * checked where it is named, so a broken file or an unreadable colour is a config error with
 * its line and column, never a page that shows something else. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config_int.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/color.h"
#include "core/err.h"
#include "core/lang.h"

#define MAX_FAVICON (64 << 10) /* an icon is a few KB; a bigger file is a mistake */
#define MAX_LOGO (256 << 10)   /* a header logo; every page view may fetch it */
#define MAX_CSS (64 << 10)     /* inlined into every page */
#define MAX_LINKS 8            /* a header, not a site map */

static const char *const page_keys[] = {
    "id",   "name",   "url",    "time_zone", "description", "impact_labels", "notice",
    "favicon", "logo", "accent", "css",     "links",       "footer",        "language", NULL};
static const char *const impact_keys[] = {"none", "minor", "major", "critical", "maintenance",
                                          NULL};
static const char *const accent_keys[] = {"light", "dark", NULL};
static const char *const link_keys[] = {"name", "url", NULL};

/* The page's backgrounds in each scheme: web/html.c's --bg and --card (a unit test keeps
 * them equal). Text in the accent colour sits on both. */
static const char *const light_backgrounds[] = {"#f6f7f9", "#ffffff", NULL};
static const char *const dark_backgrounds[] = {"#111418", "#1a1f26", NULL};

/* Read the regular file @p path whole, up to @p max bytes. Opened without blocking and
 * checked to be a regular file, so a FIFO or a device named in the config can neither hang
 * the loader nor feed it without end. The bytes (caller frees) are followed by a NUL, so a
 * text file reads as a string. @return 0, or TC_EIO with a sentence in @p err. */
static int read_small_file(const char *path, size_t max, char **out, size_t *outlen, char *err,
                           size_t errlen)
{
    *out = NULL;
    *outlen = 0;
    char *data = NULL;
    int rc = TC_EIO;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        snprintf(err, errlen, "cannot read \"%s\": %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "\"%s\" is not a regular file", path);
        goto out;
    }
    /* One byte more than allowed tells a file that is too big from one that fits. */
    data = tc_malloc(max + 1);
    size_t n = 0;
    while (n <= max) {
        ssize_t got = read(fd, data + n, max + 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(err, errlen, "cannot read \"%s\": %s", path, strerror(errno));
            goto out;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    if (n > max) {
        snprintf(err, errlen, "\"%s\" is larger than %zu KiB", path, max >> 10);
        goto out;
    }
    data[n] = '\0';
    *out = data;
    *outlen = n;
    data = NULL;
    rc = 0;
out:
    free(data);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* An image format a page may use: its file extension, Content-Type, the bytes it starts with
 * (at @offset; NULL: SVG, which is text and must hold "<svg"), and where a logo in it is
 * served. */
typedef struct image_kind {
    const char *ext, *type, *magic;
    size_t offset, magic_len;
    const char *logo_path;
} image_kind_t;

static const image_kind_t favicon_kinds[] = {
    {".ico", "image/x-icon", "\0\0\1\0", 0, 4, NULL},
    {".png", "image/png", "\x89PNG\r\n\x1a\n", 0, 8, NULL},
    {".svg", "image/svg+xml", NULL, 0, 0, NULL},
    {NULL, NULL, NULL, 0, 0, NULL},
};

static const image_kind_t logo_kinds[] = {
    {".png", "image/png", "\x89PNG\r\n\x1a\n", 0, 8, "/logo.png"},
    {".svg", "image/svg+xml", NULL, 0, 0, "/logo.svg"},
    {".jpg", "image/jpeg", "\xff\xd8\xff", 0, 3, "/logo.jpg"},
    {".jpeg", "image/jpeg", "\xff\xd8\xff", 0, 3, "/logo.jpg"},
    {".webp", "image/webp", "WEBP", 8, 4, "/logo.webp"},
    {NULL, NULL, NULL, 0, 0, NULL},
};

/* page.KEY: an image file of one of @p kinds, at most @p max bytes, whose content matches
 * its extension (a PNG saved as .ico would be served with the wrong type and shown by no
 * browser). @return the kind read, with the bytes in @p data (caller frees), or NULL. */
static const image_kind_t *read_image(tc_yaml_t *y, tc_ynode_t page, const tc_config_t *c,
                                      const char *key, const image_kind_t *kinds,
                                      const char *formats, size_t max, char **data,
                                      size_t *len)
{
    const image_kind_t *kind = NULL;
    char *name = NULL;
    *data = NULL;
    tc_yaml_get_string(y, page, "page", key, 0, &name);
    if (!name)
        return NULL;
    tc_ynode_t at = tc_yaml_lookup(y, page, key);
    const char *dot = strrchr(name, '.');
    const image_kind_t *k = kinds;
    while (k->ext && !(dot && strcasecmp(dot, k->ext) == 0))
        k++;
    if (!k->ext) {
        tc_yaml_error(y, at, "page: %s must be a %s file", key, formats);
        free(name);
        return NULL;
    }
    char *path = tc_strdup(name);
    tc_config__make_absolute(c, &path);
    char err[PATH_MAX + 128];
    if (read_small_file(path, max, data, len, err, sizeof err) != 0) {
        tc_yaml_error(y, at, "page: %s %s", key, err);
    } else if (k->magic ? *len < k->offset + k->magic_len ||
                              memcmp(*data + k->offset, k->magic, k->magic_len) != 0
                        : !strstr(*data, "<svg")) {
        tc_yaml_error(y, at, "page: %s \"%s\" does not hold %s image data", key, name,
                      k->ext + 1);
    } else {
        kind = k;
    }
    if (!kind) {
        free(*data);
        *data = NULL;
    }
    free(path);
    free(name);
    return kind;
}

/* Is @p color readable as text on each of @p backgrounds? If not, record on @p at which
 * background it fails worst and by how much. */
static bool readable(tc_yaml_t *y, tc_ynode_t at, const char *what, tc_color_t color,
                     const char *scheme, const char *const *backgrounds)
{
    double worst = 21;
    const char *worst_on = NULL;
    for (size_t i = 0; backgrounds[i]; i++) {
        tc_color_t bg;
        tc_color_parse(backgrounds[i], &bg);
        double ratio = tc_color_contrast(color, bg);
        if (ratio < worst) {
            worst = ratio;
            worst_on = backgrounds[i];
        }
    }
    if (worst >= TC_COLOR_TEXT_CONTRAST)
        return true;
    char hex[8], ratio[16];
    tc_color_format(color, hex);
    tc_color_format_ratio(worst, TC_COLOR_TEXT_CONTRAST, ratio);
    tc_yaml_error(y, at,
                  "page: %s %s has %s contrast on the %s page background %s; text needs "
                  "%.1f:1 (WCAG AA)",
                  what, hex, ratio, scheme, worst_on, TC_COLOR_TEXT_CONTRAST);
    return false;
}

/* One colour of page.accent: "#rgb" or "#rrggbb". YAML reads an unquoted # as a comment, so
 * the error says to quote it. */
static bool accent_color(tc_yaml_t *y, tc_ynode_t map, const char *section, const char *key,
                         const char *what, tc_color_t *out)
{
    char *text = NULL;
    tc_ynode_t at = tc_yaml_lookup(y, map, key);
    if (at && tc_yaml_type(y, at) == TC_YAML_SCALAR && !tc_yaml_raw(y, at)[0]) {
        /* accent: #0b5cad is "accent:" and a comment. */
        tc_yaml_error(y, at, "page: %s is empty; write the colour in quotes, e.g. %s: "
                             "\"#0b5cad\" (YAML reads # as the start of a comment)",
                      what, key);
        return false;
    }
    tc_yaml_get_string(y, map, section, key, 1, &text);
    if (!text)
        return false;
    bool ok = tc_color_parse(text, out);
    if (!ok)
        tc_yaml_error(y, at, "page: %s must be a colour like \"#0b5cad\" or \"#06c\" (in quotes: "
                      "YAML reads # as the start of a comment)",
                      what);
    free(text);
    return ok;
}

/* page.accent: the colour of links and buttons. A colour string is the light pages' accent,
 * and dark pages get the same hue lightened until text in it reads on their background; a
 * mapping {light, dark} gives both. Each given colour must reach WCAG AA for text (4.5:1)
 * on the page backgrounds of its scheme: one colour cannot do that in both schemes. */
static void parse_accent(tc_yaml_t *y, tc_ynode_t page, tc_config_t *c)
{
    tc_ynode_t at = tc_yaml_lookup(y, page, "accent");
    tc_color_t light, dark;
    if (!at)
        return;
    if (tc_yaml_type(y, at) == TC_YAML_MAPPING) {
        if (tc_yaml_check_mapping(y, at, "page: accent", accent_keys) != 0)
            return;
        bool ok = accent_color(y, at, "page: accent", "light", "accent.light", &light) &&
                  readable(y, tc_yaml_lookup(y, at, "light"), "accent.light", light, "light",
                           light_backgrounds);
        ok = accent_color(y, at, "page: accent", "dark", "accent.dark", &dark) &&
             readable(y, tc_yaml_lookup(y, at, "dark"), "accent.dark", dark, "dark",
                      dark_backgrounds) &&
             ok;
        if (!ok)
            return;
    } else {
        if (!accent_color(y, page, "page", "accent", "accent", &light) ||
            !readable(y, at, "accent", light, "light", light_backgrounds))
            return;
        /* White reads on the dark backgrounds, so the tint always ends. */
        double t = 0;
        dark = light;
        for (; t < 1; t += 0.02) {
            dark = tc_color_tint(light, t);
            bool all = true;
            for (size_t i = 0; dark_backgrounds[i]; i++) {
                tc_color_t bg;
                tc_color_parse(dark_backgrounds[i], &bg);
                all = all && tc_color_contrast(dark, bg) >= TC_COLOR_TEXT_CONTRAST;
            }
            if (all)
                break;
        }
        if (t >= 1)
            dark = (tc_color_t){255, 255, 255};
    }
    tc_color_format(light, c->page.accent);
    tc_color_format(dark, c->page.accent_dark);
}

/* page.css: a stylesheet appended to the page's own, inlined into every page inside
 * <style>, so it must not be able to end that element. */
static void parse_css(tc_yaml_t *y, tc_ynode_t page, tc_config_t *c)
{
    char *name = NULL;
    tc_yaml_get_string(y, page, "page", "css", 0, &name);
    if (!name)
        return;
    tc_ynode_t at = tc_yaml_lookup(y, page, "css");
    char *path = tc_strdup(name);
    tc_config__make_absolute(c, &path);
    char err[PATH_MAX + 128];
    char *text = NULL;
    size_t len = 0;
    if (read_small_file(path, MAX_CSS, &text, &len, err, sizeof err) != 0) {
        tc_yaml_error(y, at, "page: css %s", err);
    } else if (!tc_utf8_valid(text, len) || memchr(text, '\0', len)) {
        tc_yaml_error(y, at, "page: css \"%s\" is not UTF-8 text", name);
    } else {
        for (const char *p = strchr(text, '<'); p; p = strchr(p + 1, '<'))
            if (strncasecmp(p, "</style", 7) == 0) {
                tc_yaml_error(y, at, "page: css \"%s\" holds \"</style\", which would end "
                                     "the page's stylesheet", name);
                goto out;
            }
        c->page.css = text;
        text = NULL;
    }
out:
    free(text);
    free(path);
    free(name);
}

/* A link's target: a web address, an e-mail address, or a path on this server. Anything
 * else (javascript:, data:) has no place in a page's header. */
static bool link_target_ok(const char *url)
{
    static const char *const schemes[] = {"https://", "http://", "mailto:", NULL};
    if (url[0] == '/' && url[1] != '/')
        return true;
    for (size_t i = 0; schemes[i]; i++)
        if (strncasecmp(url, schemes[i], strlen(schemes[i])) == 0 && url[strlen(schemes[i])])
            return true;
    return false;
}

/* page.links: [{name, url}], shown in order in every page's header. */
static void parse_links(tc_yaml_t *y, tc_ynode_t page, tc_config_t *c)
{
    tc_ynode_t list = tc_yaml_lookup(y, page, "links");
    if (!list)
        return;
    size_t n = tc_yaml_size(y, list);
    if (tc_yaml_type(y, list) != TC_YAML_SEQUENCE) {
        tc_yaml_error(y, list, "page: links must be a list of {name, url}");
        return;
    }
    if (n > MAX_LINKS) {
        tc_yaml_error(y, list, "page: links has %zu links; at most %d fit a header", n,
                      MAX_LINKS);
        return;
    }
    c->page.links = tc_calloc(2 * n + 1, sizeof *c->page.links);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        tc_ynode_t item = tc_yaml_item(y, list, i);
        char *name = NULL, *url = NULL;
        if (tc_yaml_check_mapping(y, item, "page: links item", link_keys) != 0)
            continue;
        tc_yaml_get_string(y, item, "page: links item", "name", 1, &name);
        tc_yaml_get_string(y, item, "page: links item", "url", 1, &url);
        if (url && !link_target_ok(url)) {
            tc_yaml_error(y, tc_yaml_lookup(y, item, "url"),
                          "page: links url must start with https://, http://, mailto: or /");
        } else if (name && url) {
            c->page.links[k++] = name;
            c->page.links[k++] = url;
            continue;
        }
        free(name);
        free(url);
    }
}

void tc_config__parse_page(tc_yaml_t *y, tc_ynode_t root, tc_config_t *c)
{
    tc_ynode_t page = tc_yaml_lookup(y, root, "page");
    if (!page) {
        tc_yaml_error(y, root, "missing required section \"page\"");
        return;
    }
    if (tc_yaml_check_mapping(y, page, "page", page_keys) != 0)
        return;
    tc_yaml_get_string(y, page, "page", "name", 1, &c->page.name);
    tc_yaml_get_string(y, page, "page", "id", 0, &c->page.id);
    tc_yaml_get_string(y, page, "page", "url", 0, &c->page.url);
    tc_yaml_get_string(y, page, "page", "description", 0, &c->page.description);
    tc_yaml_get_string(y, page, "page", "notice", 0, &c->page.notice);
    tc_yaml_get_string(y, page, "page", "footer", 0, &c->page.footer);
    tc_yaml_get_string(y, page, "page", "time_zone", 0, &c->page.time_zone);
    if (c->page.id && !tc_config__valid_id(c->page.id))
        tc_yaml_error(y, tc_yaml_lookup(y, page, "id"),
                      "page: id may hold only letters, digits, '-', '_' and '.' (1-64)");
    tc_ynode_t labels = tc_yaml_lookup(y, page, "impact_labels");
    if (labels && tc_yaml_check_mapping(y, labels, "impact_labels", impact_keys) == 0)
        for (int i = 0; impact_keys[i]; i++)
            tc_yaml_get_string(y, labels, "impact_labels", impact_keys[i], 0,
                               &c->page.impact_labels[i]);
    if (!tc_clock_zone_exists(c->page.time_zone))
        tc_yaml_error(y, tc_yaml_lookup(y, page, "time_zone"),
                      "page: unknown time zone \"%s\" (use an IANA name such as "
                      "America/Los_Angeles or Etc/UTC)",
                      c->page.time_zone);
    const image_kind_t *k = read_image(y, page, c, "favicon", favicon_kinds, ".ico, .png or .svg",
                                       MAX_FAVICON, &c->page.favicon, &c->page.favicon_len);
    c->page.favicon_type = k ? k->type : NULL;
    k = read_image(y, page, c, "logo", logo_kinds, ".png, .svg, .jpg or .webp", MAX_LOGO,
                   &c->page.logo, &c->page.logo_len);
    c->page.logo_type = k ? k->type : NULL;
    c->page.logo_path = k ? k->logo_path : NULL;
    char *language = NULL;
    tc_yaml_get_string(y, page, "page", "language", 0, &language);
    if (language && tc_lang_parse(language, &c->page.language) != 0)
        tc_yaml_error(y, tc_yaml_lookup(y, page, "language"),
                      "page: language \"%s\" is not one tocsin speaks (use one of %s)",
                      language, tc_lang_list());
    free(language);
    parse_accent(y, page, c);
    parse_css(y, page, c);
    parse_links(y, page, c);
}

void tc_config__page_free(tc_config_t *c)
{
    free(c->page.id);
    free(c->page.name);
    free(c->page.url);
    free(c->page.time_zone);
    free(c->page.description);
    free(c->page.notice);
    free(c->page.footer);
    free(c->page.favicon);
    free(c->page.logo);
    free(c->page.css);
    for (char **p = c->page.links; p && *p; p++)
        free(*p);
    free(c->page.links);
    for (int i = 0; i < 5; i++)
        free(c->page.impact_labels[i]);
}
