/* Unit tests for src/config/config_page.c, the page: section's branding: the favicon and
 * the logo (read beside the config, content matching the extension, size-checked), the
 * accent colour (refused below WCAG AA on either scheme's backgrounds, with the ratio it
 * got; a dark variant derived when only one colour is given), page.css, the header links
 * and the footer line. Each refusal names the key's line and column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "core/buf.h"
#include "core/color.h"
#include "core/err.h"
#include "web/html.h"

#define NAME "t.yaml"
#define PAGE "page:\n  name: Acme\n"

static tc_config_t *parse_ok(const char *name, const char *text)
{
    tc_config_t *cfg = NULL;
    char *errors = NULL;
    int rc = tc_config_parse(name, text, strlen(text), &cfg, &errors);
    if (rc != 0) {
        print_message("unexpected errors:\n%s", errors ? errors : "(none)\n");
        free(errors);
    }
    assert_int_equal(rc, 0);
    assert_null(errors);
    assert_non_null(cfg);
    return cfg;
}

/* Parse @p text, which must fail, and compare its errors with @p want. */
static void refused(const char *text, const char *want)
{
    tc_config_t *cfg = NULL;
    char *errors = NULL;
    int rc = tc_config_parse(NAME, text, strlen(text), &cfg, &errors);
    if (rc != TC_ECONFIG || !errors || strcmp(errors, want) != 0) {
        print_message("config:\n%s\nwant: %sgot:  %s", text, want, errors ? errors : "(none)\n");
        fail();
    }
    assert_null(cfg);
    free(errors);
}

/* Write @p len bytes to DIR/@p file. */
static void write_file(const char *dir, const char *file, const char *bytes, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(bytes, 1, len, f);
    fclose(f);
}

static void remove_file(const char *dir, const char *file)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    remove(path);
}

/* page.favicon: read beside the config file at load; each refusal says why, at the key. */
static void test_favicon(void **state)
{
    (void)state;
    char dir[] = "/tmp/tocsin-favicon-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    static const char png[] = "\x89PNG\r\n\x1a\n rest of a PNG";
    static const char ico[] = {0, 0, 1, 0, 1, 0, 16, 16};
    static const char svg[] = "<?xml version=\"1.0\"?>\n"
                              "<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
    static const struct {
        const char *file;
        const char *bytes;
        size_t len;
    } files[] = {
        {"icon.png", png, sizeof png - 1},
        {"icon.ico", ico, sizeof ico},
        {"logo.SVG", svg, sizeof svg - 1},
        {"fake.png", "GIF89a", 6},
        {"text.svg", "not an image", 12},
    };
    char path[256];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i].file);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fwrite(files[i].bytes, 1, files[i].len, f);
        fclose(f);
    }
    /* One byte over 64 KiB. */
    snprintf(path, sizeof path, "%s/big.ico", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int i = 0; i < (64 << 10) + 1; i++)
        fputc(0, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/folder.png", dir);
    assert_int_equal(mkdir(path, 0700), 0);

    char name[128];
    snprintf(name, sizeof name, "%s/tocsin.yaml", dir);
    static const struct {
        const char *value;
        const char *type; /* NULL: refused with error, where NAME and DIR stand for the
                             config's and the folder's paths */
        const char *error;
    } cases[] = {
        {"icon.png", "image/png", NULL},
        {"icon.ico", "image/x-icon", NULL},
        {"logo.SVG", "image/svg+xml", NULL},
        {"icon.gif", NULL, "NAME:3:12: page: favicon must be a .ico, .png or .svg file\n"},
        {"noext", NULL, "NAME:3:12: page: favicon must be a .ico, .png or .svg file\n"},
        {"fake.png", NULL, "NAME:3:12: page: favicon \"fake.png\" does not hold png image "
                           "data\n"},
        {"text.svg", NULL, "NAME:3:12: page: favicon \"text.svg\" does not hold svg image "
                           "data\n"},
        {"missing.ico", NULL, "NAME:3:12: page: favicon cannot read \"DIR/missing.ico\": No "
                              "such file or directory\n"},
        {"big.ico", NULL, "NAME:3:12: page: favicon \"DIR/big.ico\" is larger than 64 "
                          "KiB\n"},
        {"folder.png", NULL, "NAME:3:12: page: favicon \"DIR/folder.png\" is not a regular "
                             "file\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[256];
        snprintf(yaml, sizeof yaml, PAGE "  favicon: %s\n", cases[i].value);
        tc_config_t *cfg = NULL;
        char *errors = NULL;
        int rc = tc_config_parse(name, yaml, strlen(yaml), &cfg, &errors);
        if (cases[i].type) {
            assert_int_equal(rc, 0);
            assert_string_equal(cfg->page.favicon_type, cases[i].type);
            size_t k = 0;
            while (strcmp(files[k].file, cases[i].value) != 0)
                k++;
            assert_int_equal(cfg->page.favicon_len, files[k].len);
            assert_memory_equal(cfg->page.favicon, files[k].bytes, files[k].len);
            tc_config_free(cfg);
            continue;
        }
        assert_int_equal(rc, TC_ECONFIG);
        /* The messages name the config and the icon by their full paths: NAME and DIR. */
        char want[512];
        const char *dir_at = strstr(cases[i].error, "DIR");
        if (dir_at)
            snprintf(want, sizeof want, "%s%.*s%s%s", name,
                     (int)(dir_at - cases[i].error - 4), cases[i].error + 4, dir, dir_at + 3);
        else
            snprintf(want, sizeof want, "%s%s", name, cases[i].error + 4);
        assert_string_equal(errors, want);
        free(errors);
    }
    /* Without the key, the page uses tocsin's own icon. */
    tc_config_t *cfg = parse_ok(name, PAGE);
    assert_null(cfg->page.favicon);
    tc_config_free(cfg);

    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i].file);
        remove(path);
    }
    snprintf(path, sizeof path, "%s/big.ico", dir);
    remove(path);
    snprintf(path, sizeof path, "%s/folder.png", dir);
    rmdir(path);
    rmdir(dir);
}


/* page.logo: PNG, SVG, JPEG or WebP beside the config, served at /logo.<ext>; anything else,
 * a file that is not what its name says, or one over 256 KiB is refused at the key. */
static void test_logo(void **state)
{
    (void)state;
    char dir[] = "/tmp/tocsin-logo-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    static const char png[] = "\x89PNG\r\n\x1a\n rest of a PNG";
    static const char jpg[] = "\xff\xd8\xff\xe0 a JPEG";
    static const char webp[] = "RIFF\x10\0\0\0WEBPVP8 ";
    static const char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 9 3\"/>";
    write_file(dir, "logo.png", png, sizeof png - 1);
    write_file(dir, "logo.jpeg", jpg, sizeof jpg - 1);
    write_file(dir, "logo.webp", webp, sizeof webp - 1);
    write_file(dir, "logo.svg", svg, sizeof svg - 1);
    write_file(dir, "fake.webp", "RIFF\x10\0\0\0WAVE", 12);
    char *big = calloc(1, (256 << 10) + 1);
    memcpy(big, png, sizeof png - 1);
    write_file(dir, "big.png", big, (256 << 10) + 1);
    free(big);
    char name[128];
    snprintf(name, sizeof name, "%s/tocsin.yaml", dir);
    static const struct {
        const char *file, *type, *path;
    } ok[] = {
        {"logo.png", "image/png", "/logo.png"},
        {"logo.jpeg", "image/jpeg", "/logo.jpg"},
        {"logo.webp", "image/webp", "/logo.webp"},
        {"logo.svg", "image/svg+xml", "/logo.svg"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char yaml[256];
        snprintf(yaml, sizeof yaml, PAGE "  logo: %s\n", ok[i].file);
        tc_config_t *cfg = parse_ok(name, yaml);
        assert_string_equal(cfg->page.logo_type, ok[i].type);
        assert_string_equal(cfg->page.logo_path, ok[i].path);
        assert_true(cfg->page.logo_len > 0);
        tc_config_free(cfg);
    }
    static const struct {
        const char *file, *error;
    } bad[] = {
        {"logo.gif", ":3:9: page: logo must be a .png, .svg, .jpg or .webp file\n"},
        {"fake.webp", ":3:9: page: logo \"fake.webp\" does not hold webp image data\n"},
        {"big.png", ":3:9: page: logo \"DIR/big.png\" is larger than 256 KiB\n"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char yaml[256], want[512];
        snprintf(yaml, sizeof yaml, PAGE "  logo: %s\n", bad[i].file);
        const char *d = strstr(bad[i].error, "DIR");
        if (d)
            snprintf(want, sizeof want, "%s%.*s%s%s", name, (int)(d - bad[i].error),
                     bad[i].error, dir, d + 3);
        else
            snprintf(want, sizeof want, "%s%s", name, bad[i].error);
        tc_config_t *cfg = NULL;
        char *errors = NULL;
        assert_int_equal(tc_config_parse(name, yaml, strlen(yaml), &cfg, &errors), TC_ECONFIG);
        assert_string_equal(errors, want);
        free(errors);
    }
    const char *files[] = {"logo.png", "logo.jpeg", "logo.webp", "logo.svg", "fake.webp",
                           "big.png"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        remove_file(dir, files[i]);
    rmdir(dir);
}

/* The backgrounds the accent is checked against are the stylesheet's, in both schemes. */
static void test_accent_backgrounds_are_the_pages(void **state)
{
    (void)state;
    const char *css = tc_html_stylesheet();
    assert_non_null(strstr(css, ":root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;"));
    assert_non_null(strstr(css, "@media (prefers-color-scheme:dark){:root{--bg:#111418;"
                                "--card:#1a1f26;"));
}

/* page.accent: readable colours are kept (a single one gets a dark variant that reads on
 * the dark backgrounds); unreadable ones are refused with the ratio they got. */
static void test_accent(void **state)
{
    (void)state;
    tc_config_t *cfg = parse_ok(NAME, PAGE "  accent: \"#0B5CAD\"\n");
    assert_string_equal(cfg->page.accent, "#0b5cad");
    tc_color_t dark, bg;
    assert_true(tc_color_parse(cfg->page.accent_dark, &dark));
    assert_true(tc_color_parse("#1a1f26", &bg));
    assert_true(tc_color_contrast(dark, bg) >= 4.5);
    assert_true(tc_color_contrast(dark, bg) < 6); /* lightened no more than needed */
    assert_true(dark.b > dark.r && dark.b > dark.g); /* the same hue */
    tc_config_free(cfg);

    cfg = parse_ok(NAME, PAGE "  accent: {light: \"#06c\", dark: \"#7cc4fa\"}\n");
    assert_string_equal(cfg->page.accent, "#0066cc");
    assert_string_equal(cfg->page.accent_dark, "#7cc4fa");
    tc_config_free(cfg);

    cfg = parse_ok(NAME, PAGE);
    assert_string_equal(cfg->page.accent, "");
    tc_config_free(cfg);

    static const struct {
        const char *yaml, *error;
    } bad[] = {
        /* 2:1 and the example */
        {"  accent: \"#f29999\"\n",
         NAME ":3:11: page: accent #f29999 has 2.0:1 contrast on the light page background "
              "#f6f7f9; text needs 4.5:1 (WCAG AA)\n"},
        {"  accent: \"#7fdbff\"\n",
         NAME ":3:11: page: accent #7fdbff has 1.5:1 contrast on the light page background "
              "#f6f7f9; text needs 4.5:1 (WCAG AA)\n"},
        {"  accent: {light: \"#0b5cad\", dark: \"#1d4ed8\"}\n",
         NAME ":3:36: page: accent.dark #1d4ed8 has 2.5:1 contrast on the dark page "
              "background #1a1f26; text needs 4.5:1 (WCAG AA)\n"},
        {"  accent: {light: \"#fff\", dark: \"#000\"}\n",
         NAME ":3:19: page: accent.light #ffffff has 1.0:1 contrast on the light page "
              "background #ffffff; text needs 4.5:1 (WCAG AA)\n"
         NAME ":3:33: page: accent.dark #000000 has 1.1:1 contrast on the dark page "
              "background #111418; text needs 4.5:1 (WCAG AA)\n"},
        {"  accent: #7fdbff\n",
         NAME ":3:10: page: accent is empty; write the colour in quotes, e.g. accent: "
              "\"#0b5cad\" (YAML reads # as the start of a comment)\n"},
        {"  accent: blue\n",
         NAME ":3:11: page: accent must be a colour like \"#0b5cad\" or \"#06c\" (in quotes: "
              "YAML reads # as the start of a comment)\n"},
        {"  accent: {light: \"#0b5cad\", tint: \"#000\"}\n",
         NAME ":3:30: page: accent: unknown key \"tint\"\n"
         NAME ":3:11: page: accent: missing required key \"dark\"\n"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char yaml[256];
        snprintf(yaml, sizeof yaml, PAGE "%s", bad[i].yaml);
        refused(yaml, bad[i].error);
    }
}

/* page.css is appended to the stylesheet; it may not end the <style> element, and must be
 * UTF-8 text. page.links and page.footer are read as given; a link goes only to the web,
 * an e-mail address or this server. */
static void test_css_links_footer(void **state)
{
    (void)state;
    char dir[] = "/tmp/tocsin-css-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    write_file(dir, "ok.css", ".banner{border-radius:0}", 24);
    write_file(dir, "end.css", "a{}</STYLE><script>x()</script>", 31);
    write_file(dir, "bin.css", "a{}\xff", 4);
    char name[128], yaml[512];
    snprintf(name, sizeof name, "%s/tocsin.yaml", dir);
    snprintf(yaml, sizeof yaml,
             PAGE "  css: ok.css\n  footer: \"Acme Inc. \\u00b7 Support 24/7\"\n  links:\n"
                  "    - {name: Acme, url: \"https://acme.example\"}\n"
                  "    - {name: Support, url: \"mailto:help@acme.example\"}\n"
                  "    - {name: History, url: /history}\n");
    tc_config_t *cfg = parse_ok(name, yaml);
    assert_string_equal(cfg->page.css, ".banner{border-radius:0}");
    assert_string_equal(cfg->page.footer, "Acme Inc. \u00b7 Support 24/7");
    const char *links[] = {"Acme", "https://acme.example", "Support",
                           "mailto:help@acme.example", "History", "/history", NULL};
    for (size_t i = 0; i < 7; i++)
        if (links[i])
            assert_string_equal(cfg->page.links[i], links[i]);
        else
            assert_null(cfg->page.links[i]);
    tc_config_free(cfg);

    static const struct {
        const char *yaml, *error;
    } bad[] = {
        {"  css: end.css\n", ":3:8: page: css \"end.css\" holds \"</style\", which would end "
                             "the page's stylesheet\n"},
        {"  css: bin.css\n", ":3:8: page: css \"bin.css\" is not UTF-8 text\n"},
        {"  links:\n    - {name: X, url: \"javascript:alert(1)\"}\n",
         ":4:22: page: links url must start with https://, http://, mailto: or /\n"},
        {"  links:\n    - {name: X, url: //evil.example}\n",
         ":4:22: page: links url must start with https://, http://, mailto: or /\n"},
        {"  links:\n    - {name: X}\n", ":4:7: page: links item: missing required key "
                                       "\"url\"\n"},
        {"  links: https://acme.example\n", ":3:10: page: links must be a list of {name, url}\n"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char want[512];
        snprintf(yaml, sizeof yaml, PAGE "%s", bad[i].yaml);
        snprintf(want, sizeof want, "%s%s", name, bad[i].error);
        tc_config_t *c2 = NULL;
        char *errors = NULL;
        assert_int_equal(tc_config_parse(name, yaml, strlen(yaml), &c2, &errors), TC_ECONFIG);
        if (strcmp(errors, want) != 0) {
            print_message("want: %sgot:  %s", want, errors);
            fail();
        }
        free(errors);
    }
    /* Nine links do not fit a header. */
    tc_buf_t many;
    tc_buf_init(&many, 0);
    tc_buf_puts(&many, PAGE "  links:\n");
    for (int i = 0; i < 9; i++)
        tc_buf_printf(&many, "    - {name: L%d, url: /l%d}\n", i, i);
    refused(many.data, NAME ":4:5: page: links has 9 links; at most 8 fit a header\n");
    tc_buf_free(&many);
    remove_file(dir, "ok.css");
    remove_file(dir, "end.css");
    remove_file(dir, "bin.css");
    rmdir(dir);
}

/* page.language: a code tocsin speaks, in either case; English without the key. */
static void test_language(void **state)
{
    (void)state;
    tc_config_t *cfg = parse_ok(NAME, PAGE);
    assert_int_equal(cfg->page.language, TC_LANG_EN);
    tc_config_free(cfg);
    cfg = parse_ok(NAME, PAGE "  language: JA\n");
    assert_int_equal(cfg->page.language, TC_LANG_JA);
    tc_config_free(cfg);
    refused(PAGE "  language: pt-BR\n",
            NAME ":3:13: page: language \"pt-BR\" is not one tocsin speaks (use one of en, de, "
                 "fr, es, pt, ja)\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_favicon),
        cmocka_unit_test(test_logo),
        cmocka_unit_test(test_accent_backgrounds_are_the_pages),
        cmocka_unit_test(test_accent),
        cmocka_unit_test(test_css_links_footer),
        cmocka_unit_test(test_language),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
