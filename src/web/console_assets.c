/* The console's stylesheet and script, served as snapshot documents under /admin/assets/
 * (so the console's policy can forbid inline style and script). The stylesheet starts with
 * the public page's, so the preview of an incident looks as it will on the page, then adds
 * the console's own rules. Colours meet WCAG AA (4.5:1 for text) in light and dark. The
 * script only helps: every form works without it. */
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "web/html.h"
#include "web/render.h"

static const char *const console_css =
    ":root{--accent:#0969da;--good:#1a7f37;--warn:#9a6700;--bad:#cf222e;--accent-fg:#fff}"
    "@media (prefers-color-scheme:dark){:root{--accent:#4493f8;--good:#3fb950;--warn:#d29922;"
    "--bad:#ff7b72;--accent-fg:#0d1117}}"
    "main{max-width:66rem}"
    ".skip{position:absolute;left:-999rem}.skip:focus{left:1rem;top:.5rem;background:var(--card);"
    "padding:.4rem .8rem;z-index:1}"
    "header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;"
    "padding:.6rem 1rem;background:var(--card);border-bottom:1px solid var(--line)}"
    "header.top .brand{margin:0}header.top .brand span{color:var(--muted);font-weight:400}"
    "header.top nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:0;"
    "padding:0}header.top nav a{color:var(--link)}"
    "header.top nav a[aria-current]{font-weight:700;color:var(--fg)}"
    ".who{margin-left:auto;color:var(--muted)}"
    "label{display:block;font-weight:600;margin-bottom:.25rem}"
    "label.inline,fieldset.statuses label{display:inline-block;font-weight:400;margin-right:1rem}"
    "input,select,textarea{font:inherit;color:inherit;background:var(--card);"
    "border:1px solid var(--muted);border-radius:.3rem;padding:.4rem .5rem;max-width:100%}"
    "input[type=text],input[type=password],input:not([type]),textarea{width:100%}"
    "input[type=search]{min-width:14rem}"
    "fieldset{border:1px solid var(--line);border-radius:.4rem;margin:0 0 1rem;"
    "padding:.5rem 1rem}legend{font-weight:600;padding:0 .3rem}"
    "button,.button{font:inherit;font-weight:600;background:var(--accent);color:var(--accent-fg);"
    "border:1px solid var(--accent);border-radius:.3rem;padding:.45rem 1rem;cursor:pointer;"
    "text-decoration:none;display:inline-block}"
    "button.secondary{background:transparent;color:var(--fg);border-color:var(--muted)}"
    "button.link{background:none;border:0;color:var(--link);padding:0;font-weight:400;"
    "text-decoration:underline}"
    "button.danger{background:var(--bad);border-color:var(--bad);color:var(--accent-fg)}"
    "button:focus-visible,.button:focus-visible,a:focus-visible,input:focus-visible,"
    "select:focus-visible,textarea:focus-visible{outline:3px solid var(--accent);"
    "outline-offset:2px}"
    ".notice{padding:.6rem 1rem;border-radius:.4rem;border:1px solid var(--line);"
    "border-left:.35rem solid var(--good);background:var(--card)}"
    ".notice.error{border-left-color:var(--bad)}"
    ".field-error{display:block;color:var(--bad);font-weight:600;margin:.15rem 0}"
    "table.grid{width:100%;border-collapse:collapse;background:var(--card);margin:0 0 1rem}"
    "table.grid th,table.grid td{text-align:left;padding:.45rem .6rem;"
    "border-bottom:1px solid var(--line);vertical-align:top}"
    "table.grid tr.group th{background:rgba(127,127,127,.08)}"
    ".muted,.hint{color:var(--muted)}.reason{color:var(--bad)}"
    ".monitors,.list{margin:0;padding-left:1.1rem}"
    ".state{font-weight:600}.state.up{color:var(--good)}.state.degraded{color:var(--warn)}"
    ".state.down{color:var(--bad)}.state.unknown{color:var(--muted)}"
    "main .status{font-weight:600}main .status.operational{color:var(--good)}"
    "main .status.degraded_performance{color:var(--warn)}"
    "main .status.partial_outage,main .status.major_outage{color:var(--bad)}"
    "main .status.under_maintenance{color:var(--link)}"
    /* The console's own status line and tags: text on the card colour, the meaning in a
     * coloured edge, so contrast never depends on a status colour. */
    ".tag{display:inline-block;font-size:.8rem;font-weight:600;padding:0 .4rem;"
    "border-radius:.25rem;border:1px solid var(--muted);border-left-width:.3rem}"
    ".tag.impact-minor{border-left-color:var(--warn)}.tag.impact-major,"
    ".tag.impact-critical{border-left-color:var(--bad)}"
    ".tag.impact-maintenance{border-left-color:var(--link)}"
    ".statusline{padding:.8rem 1.1rem;border-radius:.4rem;background:var(--card);"
    "border:1px solid var(--line);border-left:.35rem solid var(--good)}"
    ".statusline.minor{border-left-color:var(--warn)}.statusline.major,"
    ".statusline.critical{border-left-color:var(--bad)}"
    ".statusline.maintenance{border-left-color:var(--link)}"
    ".columns{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:0 1.5rem}"
    ".toolbar{display:flex;flex-wrap:wrap;justify-content:space-between;gap:1rem;"
    "align-items:end;margin:0 0 1rem}.toolbar form label{display:inline}"
    ".timeline{padding-left:1.2rem}.timeline>li{margin:0 0 1rem}"
    ".preview .public{border:1px dashed var(--muted);border-radius:.4rem;padding:.75rem}"
    ".danger h2{color:var(--bad)}.bad{color:var(--bad)}"
    ".login{max-width:24rem;margin:2rem auto}"
    ".visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;"
    "clip:rect(0 0 0 0);white-space:nowrap}"
    ".columns.wide{grid-template-columns:repeat(auto-fit,minmax(22rem,1fr))}"
    ".crumbs{margin:0}.actions{display:flex;gap:.75rem;flex-wrap:wrap}";

static const char console_js[] =
    "'use strict';\n"
    "// Progressive help for the console's forms; everything works without this file.\n"
    "(function () {\n"
    "  var defaults = [];\n"
    "  document.querySelectorAll('input[name=status][data-message]').forEach(function (r) {\n"
    "    defaults.push(r.dataset.message);\n"
    "  });\n"
    "  // Choosing a status offers its usual message, unless the message was written by hand.\n"
    "  document.addEventListener('change', function (ev) {\n"
    "    var r = ev.target;\n"
    "    if (r.name !== 'status' || !r.dataset.message) return;\n"
    "    var box = r.form && r.form.querySelector('textarea[name=message]');\n"
    "    if (box && (box.value.trim() === '' || defaults.indexOf(box.value.trim()) >= 0)) {\n"
    "      box.value = r.dataset.message;\n"
    "      box.dispatchEvent(new Event('input', {bubbles: true}));\n"
    "    }\n"
    "  });\n"
    "  // Live preview: the server renders it with the public page's own renderer.\n"
    "  document.querySelectorAll('form[data-preview]').forEach(function (form) {\n"
    "    var section = document.querySelector('section.preview');\n"
    "    var box = document.getElementById('preview-box');\n"
    "    if (!section || !box) return;\n"
    "    var timer = null;\n"
    "    function refresh() {\n"
    "      var body = new URLSearchParams(new FormData(form));\n"
    "      fetch('/admin/preview', {method: 'POST', body: body, credentials: 'same-origin'})\n"
    "        .then(function (r) { return r.ok ? r.text() : null; })\n"
    "        .then(function (html) {\n"
    "          if (html === null) return;\n"
    "          var doc = new DOMParser().parseFromString(html, 'text/html');\n"
    "          var fresh = doc.getElementById('preview-box');\n"
    "          if (!fresh) return;\n"
    "          box.replaceChildren.apply(box, Array.prototype.slice.call(fresh.childNodes));\n"
    "          section.hidden = false;\n"
    "        })\n"
    "        .catch(function () {});\n"
    "    }\n"
    "    form.addEventListener('input', function () {\n"
    "      clearTimeout(timer);\n"
    "      timer = setTimeout(refresh, 400);\n"
    "    });\n"
    "  });\n"
    "})();\n";

char *tc_render_console_css(size_t *len)
{
    tc_buf_t b;
    tc_buf_init(&b, 0);
    tc_buf_puts(&b, tc_html_stylesheet());
    tc_buf_puts(&b, console_css);
    return tc_buf_steal(&b, len);
}

char *tc_render_console_js(size_t *len)
{
    *len = sizeof console_js - 1;
    return tc_strdup(console_js);
}
