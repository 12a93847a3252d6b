/* tocsin status page: the detail of one day of the uptime bars, served as /page.js and
 * compiled into the daemon. The page is complete without it; this adds what a <title>
 * tooltip cannot: a day's detail on focus and on tap as well as on hover.
 *
 * The server draws each row's bars as one <svg class="bars"> and lists the days with
 * something to say in its data-days attribute; the JSON document #tc-days holds what the
 * rows share: the first day's date, the number of days, the words, and the incidents the
 * days name (format: src/web/day_bars.h). Each <svg> becomes a slider over its days
 * (arrow keys, Home, End, Page Up/Down; its value text is the day's detail for screen
 * readers), and one popover, placed after the focused row's bars so that Tab reaches its
 * incident links next, shows the chosen day. No markup per day, no request, no inline
 * script: the page's Content-Security-Policy allows scripts from its own origin only. */
(function () {
    'use strict';
    var doc = document.getElementById('tc-days');
    if (!doc || !window.JSON || !document.querySelectorAll) {
        return;
    }
    var data;
    try {
        data = JSON.parse(doc.textContent);
    } catch (e) {
        return;
    }
    var first = /^(\d{4})-(\d\d)-(\d\d)$/.exec(data.first || '');
    var N = data.days;
    if (!first || !(N > 0)) {
        return;
    }
    var T = data.text;
    var START = Date.UTC(+first[1], +first[2] - 1, +first[3]);
    var DAY_MS = 86400000;
    var SVG = 'http://www.w3.org/2000/svg';
    /* The order of the seconds in data-days, and the key of each one's words. */
    var STATUSES = ['major_outage', 'partial_outage', 'degraded_performance', 'under_maintenance'];
    var QUIET = {uptime: 100, seconds: [0, 0, 0, 0], incidents: []};
    var dateFormat = null;
    try {
        /* The page's days are local dates; formatting them as UTC keeps them the same date. */
        dateFormat = new Intl.DateTimeFormat(document.documentElement.lang || 'en',
                                             {year: 'numeric', month: 'short', day: 'numeric',
                                              timeZone: 'UTC'});
    } catch (e) {
        /* no Intl: ISO dates below */
    }

    function dateOf(i) {
        var t = new Date(START + i * DAY_MS);
        return dateFormat ? dateFormat.format(t) : t.toISOString().slice(0, 10);
    }

    /* data-days into one entry per day; a day not listed is quiet. */
    function parseDays(text) {
        var days = [];
        (text || '').split(' ').forEach(function (entry) {
            var f = entry.split(':');
            if (f.length < 2) {
                return;
            }
            var range = f[0].split('-');
            var from = +range[0], to = range.length > 1 ? +range[1] : from;
            var day = {uptime: -1, seconds: [0, 0, 0, 0], incidents: []};
            if (f[1] !== '-') {
                var nums = f[1].split(',');
                day.uptime = parseFloat(nums[0]);
                for (var k = 0; k < STATUSES.length; k++) {
                    day.seconds[k] = +(nums[k + 1] || 0);
                }
            }
            if (f[2]) {
                day.incidents = f[2].split('.').map(Number).filter(function (x) {
                    return data.incidents[x];
                });
            }
            for (var d = from; d <= to && d < N; d++) {
                days[d] = day;
            }
        });
        return days;
    }

    /* A template of the page's language (web/i18n.h): "{}" is the next argument, "{2}"
     * the second, "{{" a brace. */
    function fill(template) {
        var args = arguments, next = 1;
        return template.replace(/\{\{|\{(\d*)\}/g, function (all, n) {
            if (all === '{{') {
                return '{';
            }
            var v = args[n ? +n : next++];
            return v === undefined ? '' : String(v);
        });
    }

    /* "<1 min", "12 min", "2 h 05 min". */
    function duration(seconds) {
        var m = seconds / 60;
        if (m < 1) {
            return T.lt1;
        }
        m = Math.round(m);
        if (m < 60) {
            return fill(T.min, m);
        }
        var rest = m % 60;
        return fill(T.hmin, Math.floor(m / 60), (rest < 10 ? '0' : '') + rest);
    }

    /* The figures of a day as lines of text: uptime, then the time in each status. */
    function figures(day) {
        if (day.uptime < 0) {
            return [T.nodata];
        }
        var lines = [fill(T.uptime, day.uptime.toFixed(2).replace('.', T.decimal))];
        for (var k = 0; k < STATUSES.length; k++) {
            if (day.seconds[k] > 0) {
                lines.push(fill(T[STATUSES[k]], duration(day.seconds[k])));
            }
        }
        if (lines.length === 1 && !day.incidents.length) {
            lines.push(T.quiet);
        }
        return lines;
    }

    function el(tag, cls, text) {
        var e = document.createElement(tag);
        if (cls) {
            e.className = cls;
        }
        if (text) {
            e.textContent = text;
        }
        return e;
    }

    var pop = el('div', 'day-pop');
    pop.id = 'tc-day-pop';
    pop.hidden = true;
    var owner = null; /* the bars whose day the popover shows */
    var hideTimer = 0;

    function hide() {
        clearTimeout(hideTimer);
        pop.hidden = true;
        if (owner) {
            owner.marker.remove();
            owner = null;
        }
    }

    /* A mouse that leaves the bars may be on its way to a link in the popover. */
    function hideSoon() {
        clearTimeout(hideTimer);
        hideTimer = setTimeout(function () {
            if (!owner || (document.activeElement !== owner.svg &&
                           !pop.contains(document.activeElement))) {
                hide();
            }
        }, 400);
    }

    function setup(svg) {
        var days = parseDays(svg.getAttribute('data-days'));
        var box = svg.viewBox.baseVal;
        var step = box.width / N;
        var chosen = N - 1; /* today, until the reader picks another day */
        var self = {svg: svg, marker: document.createElementNS(SVG, 'rect')};
        self.marker.setAttribute('class', 'sel');
        self.marker.setAttribute('width', String(step * 0.72));
        self.marker.setAttribute('height', String(box.height));

        function day(i) {
            return days[i] || QUIET;
        }

        function choose(i) {
            chosen = Math.max(0, Math.min(N - 1, i));
            var d = day(chosen);
            var names = d.incidents.map(function (x) {
                return data.incidents[x][1];
            });
            svg.setAttribute('aria-valuenow', String(chosen + 1));
            svg.setAttribute('aria-valuetext', dateOf(chosen) + ': ' +
                             figures(d).concat(names).join(', '));
        }

        function show(i) {
            clearTimeout(hideTimer);
            i = Math.max(0, Math.min(N - 1, i));
            if (owner === self && !pop.hidden && i === chosen) {
                return; /* the mouse moved within the same day */
            }
            choose(i);
            var d = day(chosen);
            pop.textContent = '';
            var head = el('p');
            head.appendChild(el('strong', null, dateOf(chosen)));
            pop.appendChild(head);
            figures(d).forEach(function (line) {
                pop.appendChild(el('p', null, line));
            });
            if (d.incidents.length) {
                var list = el('ul');
                d.incidents.forEach(function (x) {
                    var inc = data.incidents[x];
                    var item = el('li', 'impact impact-' + inc[2]);
                    var a = el('a', null, inc[1]);
                    a.href = '/incidents/' + encodeURIComponent(inc[0]);
                    item.appendChild(a);
                    list.appendChild(item);
                });
                pop.appendChild(list);
            }
            if (owner && owner !== self) {
                owner.marker.remove();
            }
            owner = self;
            self.marker.setAttribute('x', String(chosen * step));
            svg.appendChild(self.marker);
            if (svg.nextSibling !== pop) {
                svg.parentNode.insertBefore(pop, svg.nextSibling);
            }
            pop.hidden = false;
            /* Under the chosen day, kept inside the row. */
            var row = svg.parentNode.getBoundingClientRect();
            var bars = svg.getBoundingClientRect();
            var x = bars.left - row.left + (chosen + 0.5) * bars.width / N;
            var w = pop.offsetWidth;
            pop.style.left = Math.max(0, Math.min(x - w / 2, row.width - w)) + 'px';
        }

        function dayAt(clientX) {
            var r = svg.getBoundingClientRect();
            return Math.floor((clientX - r.left) / r.width * N);
        }

        svg.setAttribute('role', 'slider');
        svg.setAttribute('tabindex', '0');
        svg.setAttribute('aria-valuemin', '1');
        svg.setAttribute('aria-valuemax', String(N));
        choose(chosen);

        svg.addEventListener('focus', function () {
            show(chosen);
        });
        svg.addEventListener('keydown', function (ev) {
            /* As every slider: Up and Page Up increase the value, here a later day. */
            var moves = {ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1,
                         PageUp: 7, PageDown: -7};
            if (ev.key in moves) {
                show(chosen + moves[ev.key]);
            } else if (ev.key === 'Home') {
                show(0);
            } else if (ev.key === 'End') {
                show(N - 1);
            } else if (ev.key === 'Escape') {
                hide();
            } else {
                return;
            }
            ev.preventDefault();
        });
        /* A tap or a click picks the day under it (the focus that follows shows it again);
         * a finger sliding along the bars (touch-action: pan-y) moves through the days. */
        svg.addEventListener('pointerdown', function (ev) {
            show(dayAt(ev.clientX));
        });
        svg.addEventListener('pointermove', function (ev) {
            if (ev.pointerType === 'mouse' || ev.buttons) {
                show(dayAt(ev.clientX));
            }
        });
        svg.addEventListener('pointerleave', function (ev) {
            if (ev.pointerType === 'mouse' && document.activeElement !== svg) {
                hideSoon();
            }
        });
    }

    pop.addEventListener('pointerenter', function () {
        clearTimeout(hideTimer);
    });
    pop.addEventListener('pointerleave', function (ev) {
        if (ev.pointerType === 'mouse') {
            hideSoon();
        }
    });
    pop.addEventListener('keydown', function (ev) {
        if (ev.key === 'Escape' && owner) {
            owner.svg.focus();
            hide();
        }
    });
    /* The popover goes when the focus leaves the bars and it, or a tap lands elsewhere. */
    document.addEventListener('focusout', function (ev) {
        var next = ev.relatedTarget;
        if (owner && (ev.target === owner.svg || pop.contains(ev.target)) &&
            next !== owner.svg && !(next && pop.contains(next))) {
            hide();
        }
    });
    document.addEventListener('pointerdown', function (ev) {
        if (owner && !owner.svg.contains(ev.target) && !pop.contains(ev.target)) {
            hide();
        }
    });

    var all = document.querySelectorAll('svg.bars[data-days]');
    for (var i = 0; i < all.length; i++) {
        setup(all[i]);
    }
})();
