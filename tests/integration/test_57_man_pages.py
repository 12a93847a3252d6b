"""The man pages tocsin(1) and tocsin.yaml(5), built by CMake from docs/man/*.scd: they format
without a single warning, and they stay honest with the code and the README: every command
and option `tocsin help` lists, every exit code and signal is in tocsin(1); every
configuration key the parsers accept (the key tables in src/config, src/probe and
src/notify), every monitor kind and channel kind is in tocsin.yaml(5), each top-level key with
a section of its own; and the README names every command and top-level key too."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, TOCSIN_BIN, run_cli

MAN_DIR = Path(TOCSIN_BIN).resolve().parent / "docs" / "man"
PAGES = ["tocsin.1", "tocsin.yaml.5"]


def page(name):
    path = MAN_DIR / name
    assert path.is_file(), (f"{path} was not built: is scdoc installed? "
                            "(Debian package scdoc; scripts/install-deps)")
    return path


def rendered(name):
    """The page as a reader sees it, without bold and underline."""
    env = dict(os.environ, MANWIDTH="100", LC_ALL="C.UTF-8", MAN_KEEP_FORMATTING="")
    p = subprocess.run(["man", "-E", "UTF-8", "-l", str(page(name))], capture_output=True,
                       text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    text = re.sub(r".\x08", "", p.stdout)
    return text.replace("\u2010", "-")  # man's hyphen for breaks


def section(text, title):
    """The body of the section whose heading is @title (up to the next heading)."""
    m = re.search(rf"^{re.escape(title)}\n(.*?)(?=^\S)", text, re.M | re.S)
    assert m, f"no section {title!r}"
    return m.group(1)


def unwrapped(text):
    return re.sub(r"-\n\s+", "-", re.sub(r"\s+", " ", text))


@pytest.mark.parametrize("name", PAGES)
def test_formats_without_warnings(name):
    path = page(name)
    if shutil.which("man"):
        env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
        p = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", str(path)],
                           capture_output=True, text=True, env=env, timeout=60)
        assert p.returncode == 0 and p.stderr == "", p.stderr
    p = subprocess.run(["groff", "-ww", "-man", "-z", str(path)], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0 and p.stderr == "", p.stderr


def test_version_in_the_footer():
    version = run_cli("--version").stdout.split()[1]
    assert f'"tocsin {version}"' in page("tocsin.1").read_text()
    assert f'"tocsin {version}"' in page("tocsin.yaml.5").read_text()


def help_commands():
    out = run_cli("help").stdout
    block = out.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    commands = [line.split()[0] for line in block.splitlines() if line.strip()]
    assert "serve" in commands and "help" in commands
    return commands


def test_every_command_and_option_is_in_tocsin_1():
    text = rendered("tocsin.1")
    commands_text = section(text, "COMMANDS")
    for cmd in help_commands():
        # Each command is a heading of its own in COMMANDS, with its synopsis.
        assert re.search(rf"^ {{7}}{re.escape(cmd)}( |$)", commands_text, re.M), cmd
        usage = run_cli("help", cmd).stdout
        for option in set(re.findall(r"(?<![\w-])--?[a-z][a-z-]*", usage)):
            assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text), \
                f"tocsin {cmd}: option {option} is not in tocsin(1)"
    assert "--version" in section(text, "OPTIONS")


def test_exit_codes_and_signals_are_in_tocsin_1():
    text = rendered("tocsin.1")
    exits = section(text, "EXIT STATUS")
    for code in "0123":
        assert re.search(rf"^ {{7}}{code}$", exits, re.M), f"exit code {code}"
    usage = run_cli("help").stdout + run_cli("help", "serve").stdout
    signals = set(re.findall(r"\bSIG[A-Z]+\b", usage))
    assert {"SIGHUP", "SIGTERM", "SIGINT"} <= signals
    for sig in signals:
        assert sig in section(text, "SIGNALS"), sig


def key_tables():
    """Every key table of the config parsers: {(file, table): [keys]}."""
    tables = {}
    for folder in ("config", "probe", "notify"):
        for path in sorted((REPO / "src" / folder).glob("*.c")):
            src = path.read_text()
            for name, body in re.findall(
                    r"static const char \*const (\w*keys)\[\] = \{(.*?)\};", src, re.S):
                tables[(path.name, name)] = re.findall(r'"([^"]+)"', body)
    assert len(tables) > 15, tables.keys()
    return tables


def test_every_config_key_is_in_tocsin_yaml_5():
    roff = page("tocsin.yaml.5").read_text()
    text = rendered("tocsin.yaml.5")
    tables = key_tables()
    for key in tables[("config.c", "root_keys")]:
        # A section of its own, opening with the key as it is written in the file.
        body = section(text, key.upper())
        assert body.lstrip().startswith(f"{key}:"), key
    missing = []
    for (file, table), keys in tables.items():
        for key in keys:
            if not re.search(rf"\\fB{re.escape(key)}:?\\fR", roff):
                missing.append(f"{file} {table}: {key}")
    assert not missing, "keys the parsers accept but tocsin.yaml(5) does not show:\n" + \
        "\n".join(missing)


def test_every_monitor_and_channel_kind_is_in_tocsin_yaml_5():
    text = unwrapped(rendered("tocsin.yaml.5"))
    for folder in ("probe", "notify"):
        for path in (REPO / "src" / folder).glob("*.c"):
            for kind in re.findall(r'\.name = "([a-z-]+)"', path.read_text()):
                assert f"kind: {kind}" in text, f"{folder} kind {kind}"


def test_readme_names_every_command_and_top_level_key():
    readme = (REPO / "README.md").read_text()
    commands = readme.split("## Commands", 1)[1].split("\n## ", 1)[0]
    for cmd in help_commands():
        assert re.search(rf"^tocsin {re.escape(cmd)}\b", commands, re.M), cmd
    for key in key_tables()[("config.c", "root_keys")]:
        assert re.search(rf"^{key}:", readme, re.M), f"README shows no {key}: example"


# What the examples of tocsin.yaml(5) may refer to without declaring it themselves.
EXAMPLE_BASE = {
    "page": "page:\n  name: Examples\n",
    "groups": "groups:\n  - id: api\n    name: API\n",
    "components": ("components:\n  - {id: rest, name: REST API, group: api}\n"
                   "  - {id: deepgram, name: Deepgram}\n  - {id: website, name: Website}\n"),
    "channels": ("channels:\n  - {id: pager, kind: pagerduty, routing_key: k}\n"
                 "  - {id: slack, kind: slack, url: 'https://hooks.example.com/x'}\n"
                 "  - {id: mail, kind: email, url: 'smtp://mail.example.com', "
                 "from: a@example.com, to: [b@example.com]}\n"),
}
EXAMPLE_ENV = {"PGPASSWORD": "pw", "EXPORT_PUSH_TOKEN": "export-token-0123456789",
               "HOOK_SECRET": "s", "SLACK_WEBHOOK_URL": "https://hooks.example.com/s",
               "PD_ROUTING_KEY": "k", "SMTP_PASSWORD": "pw"}


def test_every_example_in_tocsin_yaml_5_passes_check_config(tmp_path):
    source = (REPO / "docs" / "man" / "tocsin.yaml.5.scd").read_text()
    blocks = re.findall(r"^```\n(.*?)^```$", source, re.M | re.S)
    checked = 0
    for n, block in enumerate(blocks):
        sections = dict(EXAMPLE_BASE)
        if block.startswith("  - "):  # one monitor, as the kinds' examples show it
            block = "monitors:\n" + block
        keys = re.findall(r"^([a-z_]+):", block, re.M)
        assert set(keys) <= set(key_tables()[("config.c", "root_keys")]), block
        if len(keys) == 1:
            sections[keys[0]] = block
        else:  # a whole file
            sections = {"": block}
        path = tmp_path / f"example{n}.yaml"
        text = "".join(sections.values())
        if "/etc/tocsin/tls/" in text:  # check-config reads the pair: make one there
            tls = tmp_path / "tls"
            tls.mkdir(exist_ok=True)
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                            str(tls / "privkey.pem"), "-out", str(tls / "fullchain.pem"),
                            "-days", "1", "-subj", "/CN=status.example.com"],
                           check=True, capture_output=True)
            text = text.replace("/etc/tocsin/tls/", f"{tls}/")
        path.write_text(text)
        p = subprocess.run([TOCSIN_BIN, "check-config", "-c", str(path)], capture_output=True,
                           text=True, timeout=30, env=dict(os.environ, **EXAMPLE_ENV))
        assert p.returncode == 0, f"example {n} of tocsin.yaml(5):\n{block}\n{p.stderr}"
        checked += 1
    assert checked >= 15, checked
