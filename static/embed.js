/* tocsin status embed, served as /embed.js and compiled into the daemon.
 *
 *   <script src="https://status.example.com/embed.js" async></script>
 *
 * shows a small status pill where the tag is and, while an incident is open (or, when none
 * is, while a maintenance is in progress), a banner in the corner of the window with its
 * title and a link, which the visitor can dismiss (button or Escape; it stays dismissed
 * until the incident or maintenance changes). It reads /api/v2/summary.json from
 * the server the script came from, once a minute while the page is visible. Options on the
 * tag: data-pill="off" (banner only), data-banner="off" (pill only).
 *
 * No dependencies and nothing that a host page's Content-Security-Policy blocks besides the
 * script and the request themselves: elements live in a shadow root (the host's styles do not
 * reach them) and are styled through the CSSOM, which style-src does not govern; every text
 * from the API is set with textContent. */
(function () {
    'use strict';
    var script = document.currentScript;
    if (!script || !window.fetch) {
        return;
    }
    var base = script.src.replace(/\/embed\.js(?:[?#].*)?$/, '');
    var wantPill = script.getAttribute('data-pill') !== 'off';
    var wantBanner = script.getAttribute('data-banner') !== 'off';
    var KEY = 'tocsin-embed-dismissed:' + base;
    /* The status page's colours: white text on each passes WCAG AA. */
    var COLOR = {
        none: '#1a7f37', minor: '#9a6700', major: '#bc4c00', critical: '#cf222e',
        maintenance: '#0969da'
    };
    var dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
    var THEME = dark ? {bg: '#1a1f26', fg: '#e6e9ee', line: '#3a424e', link: '#90cdf4'}
                     : {bg: '#ffffff', fg: '#1d2330', line: '#d0d7de', link: '#0550ae'};
    var FONT = '13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif';
    var STATUS = {
        investigating: 'Investigating', identified: 'Identified', monitoring: 'Monitoring',
        resolved: 'Resolved', postmortem: 'Postmortem', in_progress: 'Maintenance in progress',
        verifying: 'Maintenance being verified'
    };

    function el(tag, styles, text) {
        var e = document.createElement(tag);
        for (var k in styles) {
            e.style.setProperty(k, styles[k]);
        }
        if (text) {
            e.textContent = text;
        }
        return e;
    }

    /* A host element placed by @where, and the shadow root the parts go into. */
    function root(where, styles) {
        var host = el('div', styles);
        host.setAttribute('data-tocsin-embed', '');
        where(host);
        return {host: host, shadow: host.attachShadow ? host.attachShadow({mode: 'open'}) : host};
    }

    function link(href, styles, text) {
        var a = el('a', styles, text);
        a.href = href;
        a.target = '_blank';
        a.rel = 'noopener';
        return a;
    }

    var pill = null, pillHost = null;
    if (wantPill) {
        var pillRoot = root(function (host) {
            /* In <head> nothing shows: the pill then goes to the end of <body>. */
            if (script.parentNode && script.parentNode !== document.head) {
                script.parentNode.insertBefore(host, script.nextSibling);
            } else {
                document.body.appendChild(host);
            }
        }, {display: 'none'}); /* shown once there is a status to say */
        pillHost = pillRoot.host;
        pill = link(base + '/', {
            display: 'inline-flex', 'align-items': 'center', gap: '6px',
            padding: '3px 10px', border: '1px solid ' + THEME.line, 'border-radius': '999px',
            background: THEME.bg, color: THEME.fg, font: FONT, 'text-decoration': 'none'
        });
        pill.setAttribute('data-part', 'pill');
        pillRoot.shadow.appendChild(pill);
    }

    var banner = null, bannerRoot = null, shownKey = null;

    function dismissed(key) {
        try {
            return window.localStorage.getItem(KEY) === key;
        } catch (e) {
            return false; /* storage blocked (sandbox, privacy settings): ask again */
        }
    }

    function dismiss() {
        try {
            window.localStorage.setItem(KEY, shownKey);
        } catch (e) {
            /* the banner still goes away for this page view */
        }
        var focused = bannerRoot && (bannerRoot.shadow.activeElement ||
                                     (bannerRoot.host.contains(document.activeElement) &&
                                      document.activeElement));
        removeBanner();
        if (focused && pill) {
            pill.focus();
        }
    }

    function removeBanner() {
        if (bannerRoot) {
            bannerRoot.host.remove();
            bannerRoot = banner = null;
        }
    }

    /* "until 14:00" in the visitor's own time, for a maintenance with an end. */
    function until(item) {
        var end = item.scheduled_until ? new Date(item.scheduled_until) : null;
        if (!end || isNaN(end.getTime())) {
            return '';
        }
        return ' until ' + end.toLocaleTimeString([], {hour: '2-digit', minute: '2-digit'});
    }

    function showBanner(summary, incident, more) {
        var key = incident.id + '@' + incident.updated_at;
        if (dismissed(key)) {
            removeBanner();
            return;
        }
        if (banner && shownKey === key) {
            return;
        }
        removeBanner();
        shownKey = key;
        bannerRoot = root(function (host) {
            document.body.appendChild(host);
        }, {position: 'fixed', left: '16px', bottom: '16px', 'z-index': '2147483000'});
        var name = summary.page && summary.page.name ? summary.page.name : 'Service';
        banner = el('div', {
            display: 'flex', gap: '12px', 'align-items': 'flex-start', 'max-width': '22rem',
            padding: '12px 14px', background: THEME.bg, color: THEME.fg, font: FONT,
            border: '1px solid ' + THEME.line,
            'border-left': '5px solid ' + (COLOR[incident.impact] || COLOR.minor),
            'border-radius': '8px', 'box-shadow': '0 4px 16px rgba(0,0,0,.18)'
        });
        banner.setAttribute('role', 'region');
        banner.setAttribute('aria-label', name + ' status');
        banner.setAttribute('data-part', 'banner');
        var text = el('div', {flex: '1'});
        /* A polite live region: screen readers announce an incident that appears. */
        var maintenance = incident.impact === 'maintenance';
        var said = el('div');
        said.setAttribute('role', 'status');
        said.appendChild(el('strong', {display: 'block', 'font-weight': '600'}, incident.name));
        said.appendChild(el('span', {display: 'block'},
                            (STATUS[incident.status] || incident.status) +
                            (maintenance ? until(incident) : '') +
                            (more ? ' \u00b7 ' + more + ' more open' : '')));
        text.appendChild(said);
        var what = maintenance ? 'View maintenance' : 'View incident';
        var details = link(base + '/incidents/' + encodeURIComponent(incident.id),
                           {color: THEME.link, 'text-decoration': 'underline'}, what);
        details.setAttribute('aria-label', what + ': ' + incident.name);
        text.appendChild(details);
        banner.appendChild(text);
        var close = el('button', {
            border: '0', background: 'transparent', color: THEME.fg, cursor: 'pointer',
            font: '18px/1 system-ui,sans-serif', padding: '2px 4px'
        }, '\u00d7');
        close.type = 'button';
        close.setAttribute('aria-label', 'Dismiss');
        close.addEventListener('click', dismiss);
        banner.appendChild(close);
        banner.addEventListener('keydown', function (ev) {
            if (ev.key === 'Escape') {
                dismiss();
            }
        });
        bannerRoot.shadow.appendChild(banner);
    }

    function render(summary) {
        if (!summary || !summary.status) {
            return;
        }
        if (pill) {
            var indicator = summary.status.indicator;
            var name = summary.page && summary.page.name ? summary.page.name : 'Service';
            pill.textContent = '';
            var dot = el('span', {
                width: '8px', height: '8px', 'border-radius': '50%',
                background: COLOR[indicator] || COLOR.none, 'flex-shrink': '0'
            });
            dot.setAttribute('aria-hidden', 'true');
            pill.appendChild(dot);
            pill.appendChild(el('span', {}, summary.status.description));
            pill.setAttribute('aria-label', name + ' status: ' + summary.status.description);
            pill.setAttribute('data-indicator', indicator);
            pillHost.style.setProperty('display', 'inline-block');
        }
        /* An open incident first; a maintenance under way when there is none. */
        var open = wantBanner && summary.incidents ? summary.incidents : [];
        if (!open.length && wantBanner && summary.scheduled_maintenances) {
            open = summary.scheduled_maintenances.filter(function (m) {
                return m.status === 'in_progress' || m.status === 'verifying';
            });
        }
        if (open.length) {
            showBanner(summary, open[0], open.length - 1);
        } else {
            removeBanner();
        }
    }

    function load() {
        if (document.hidden) {
            return;
        }
        fetch(base + '/api/v2/summary.json', {credentials: 'omit'})
            .then(function (r) {
                return r.ok ? r.json() : null;
            })
            .then(render)
            .catch(function () {}); /* unreachable: keep what is shown, try again later */
    }

    load();
    setInterval(load, 60000);
})();
