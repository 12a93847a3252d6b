"""Text in the config file: names in other scripts load and render as written; bytes that
are not UTF-8 are a clear FILE:LINE:COL error (never a crash); and error lines escape the
file's own text, so a key cannot forge a second error line or drive the terminal (issue 12
item 8 and the "non-ASCII and invalid UTF-8 in the config" part).
"""

import json
import re
import signal
import xml.dom.minidom

import requests

from conftest import Daemon, run_cli

PAGE = "Zahlungs-API \u00fc Status"
COMPONENTS = {
    "pay": "Zahlungs-API \u00fc",
    "kessai": "\u6c7a\u6e08 API",                   # Japanese: "payment"
    "sms": "\u0421\u041c\u0421-\u0448\u043b\u044e\u0437 \U0001f6a8",  # Cyrillic and an emoji
}

NON_ASCII_CONFIG = f"""\
page:
  id: zahlung
  name: "{PAGE}"
  description: "Betriebsstatus f\u00fcr alle Dienste \u2014 \u30b9\u30c6\u30fc\u30bf\u30b9"
  time_zone: Europe/Berlin
groups:
  - id: kern
    name: "Kerndienste \u00e4\u00f6\u00fc\u00df"
components:
  - id: pay
    name: "{COMPONENTS['pay']}"
    group: kern
    description: "\u00dcberweisungen & Lastschriften <SEPA>"
  - id: kessai
    name: "{COMPONENTS['kessai']}"
    group: kern
  - id: sms
    name: "{COMPONENTS['sms']}"
monitors:
  - id: kessai-push
    name: "\u6c7a\u6e08\u30d0\u30c3\u30c1"
    kind: push
    token: kessai-batch-token-0123
    components: [kessai]
    incident: {{title: "\u6c7a\u6e08 ist gest\u00f6rt", body: "{{{{reason}}}} \u2014 \u00fc"}}
"""


def write_bytes(tmp_path, data, name="tocsin.yaml"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_non_ascii_names_load_and_render(tmp_path):
    res = run_cli("check-config", "-c", write_bytes(tmp_path, NON_ASCII_CONFIG.encode()))
    assert res.returncode == 0, res.stderr

    d = Daemon(tmp_path, "")
    d.config_path.write_bytes(NON_ASCII_CONFIG.encode())
    d.start()
    try:
        page = requests.get(d.url("/"), timeout=5)
        assert page.status_code == 200
        assert "charset=utf-8" in page.headers["Content-Type"].lower()
        html = page.content.decode("utf-8")
        assert PAGE in html
        for name in COMPONENTS.values():
            assert name in html
        assert "&lt;SEPA&gt;" in html

        comps = requests.get(d.url("/api/v2/components.json"), timeout=5)
        got = {c["id"]: c["name"] for c in json.loads(comps.content.decode("utf-8"))
               ["components"]}
        for cid, name in COMPONENTS.items():
            assert got[cid] == name
        summary = requests.get(d.url("/api/v2/summary.json"), timeout=5).json()
        assert summary["page"]["name"] == PAGE

        for feed in ("/history.atom", "/history.rss"):
            r = requests.get(d.url(feed), timeout=5)
            assert r.status_code == 200
            xml.dom.minidom.parseString(r.content)  # well-formed with the names in it
    finally:
        d.stop()


def test_invalid_utf8_in_a_value_is_a_clear_error(tmp_path):
    # A Latin-1 "ü" (0xfc) in the component name, line 6, column 20.
    text = ("page:\n  name: Zahlungen\ncomponents:\n  - id: pay\n"
            "    name: Zahlungs-API \u00fc\n").encode("latin-1")
    path = write_bytes(tmp_path, text)
    for cmd in (["check-config", "-c", path],
                ["serve", "-c", path, "--listen", "127.0.0.1:1", "--data", tmp_path / "d"]):
        res = run_cli(*cmd)
        assert res.returncode == 2, res.stderr
        assert f"{path}:5:24: invalid UTF-8 (byte \\xfc); save the file as UTF-8 text" \
            in res.stderr.splitlines(), res.stderr


def test_invalid_utf8_after_non_ascii_text_and_in_keys(tmp_path):
    cases = [
        # column counts characters: "名前" is two columns
        (b"page:\n  name: \xe5\x90\x8d\xe5\x89\x8d \xc3(\n", "2:12", "\\xc3"),
        (b"page:\n  name: x\n  k\xe6\xb1: 1\n", "3:4", "\\xe6"),
        (b"page:\n  name: x\n  description: cut \xf0\x9f\x9a", "3:20", "\\xf0"),
    ]
    for i, (data, where, byte) in enumerate(cases):
        path = write_bytes(tmp_path, data, f"c{i}.yaml")
        res = run_cli("check-config", "-c", path)
        assert res.returncode == 2
        assert res.stderr == (f"{path}:{where}: invalid UTF-8 (byte {byte}); "
                              "save the file as UTF-8 text\n"), res.stderr


def test_error_lines_escape_the_files_text(tmp_path):
    # A double-quoted key may spell any code point: a newline followed by a fake error,
    # ESC sequences that clear the screen and set the window title, a C1 CSI, BEL, DEL and a
    # right-to-left override.
    key = (r"x\n/etc/tocsin.yaml:1:1: all good\e[2J\e]0;owned\a\x9b31m\x7f\u202e")
    text = f'page:\n  name: Acme\n  "{key}": 1\ncomponents:\n  - id: a\n    name: A\n' \
           f'    group: "\\e[5mblink"\n'
    path = write_bytes(tmp_path, text.encode())
    res = run_cli("check-config", "-c", path)
    assert res.returncode == 2
    lines = res.stderr.splitlines()
    assert lines == [
        f'{path}:3:3: page: unknown key "x\\n/etc/tocsin.yaml:1:1: all good'
        '\\x1b[2J\\x1b]0;owned\\x07\\u009b31m\\x7f\\u202e"',
        f'{path}:7:12: component: unknown group "\\x1b[5mblink" (declare it under groups:)',
    ], res.stderr
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u202e]", res.stderr)


def test_reload_with_invalid_utf8_keeps_serving(tmp_path):
    good = "page:\n  name: Acme\ncomponents:\n  - id: a\n    name: \u00c4 API\n"
    d = Daemon(tmp_path, "")
    d.config_path.write_bytes(good.encode())
    d.start()
    try:
        d.config_path.write_bytes(b'page:\n  name: Acme\n  "k\\e[2J": 1\n'
                                  b"components:\n  - id: a\n    name: \xc4 API\n")
        d.signal(signal.SIGHUP)
        where = f"{d.config_path}:6:11: invalid UTF-8 (byte \\\\xc4)"
        d.wait_for(lambda: any("level=error" in l and where in l
                               for l in d.stderr.splitlines()),
                   timeout=5, what="error log line for the file that is not UTF-8")
        # A key that spells a newline and ESC sequences: one escaped error line in the log.
        d.config_path.write_bytes(b'page:\n  name: Acme\n  "k\\nlevel=info forged\\e[2J": 1\n')
        d.signal(signal.SIGHUP)
        d.wait_for(lambda: any("level=error" in l and "unknown key" in l
                               for l in d.stderr.splitlines()),
                   timeout=5, what="error log line for the forged key")
        assert "\x1b" not in d.stderr
        assert not any(l.startswith("level=info forged") for l in d.stderr.splitlines())
        names = {c["id"]: c["name"] for c in
                 requests.get(d.url("/api/v2/components.json"), timeout=5).json()["components"]}
        assert names == {"a": "\u00c4 API"}
    finally:
        d.stop()
