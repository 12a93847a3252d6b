"""Every configuration example in the documentation passes `tocsin check-config`.

README.md shows its configuration in pieces: the first ```yaml block is a whole config (page,
groups, components) and later blocks add sections (monitors, channels, subscribers). Each
later block is checked on top of that first one, so a monitor feeding an undeclared
component (issue 12 item 13: README's `ws-upgrade` fed `websocket`) fails here.
docs/internals/*.md blocks that are lists of monitors are checked the same way; blocks that
are not config (a bare `conditions:` list) are skipped, and the counts below make sure the
test never silently checks nothing.
"""

import re
import subprocess

import pytest

from conftest import REPO, TOCSIN_BIN, assert_no_sanitizer_report, run_cli, sanitizer_env

# The sections a config file may have at its top level (root_keys in src/config/config.c).
SECTIONS = {"page", "server", "storage", "groups", "components", "monitors", "channels",
            "recurring_maintenance", "incident_templates", "export",
            "notifications", "subscribers", "admin", "self_check"}


def yaml_blocks(path):
    """(first line number, text) of each ```yaml block of @path."""
    blocks, current, start = [], None, 0
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if current is None and line.strip() == "```yaml":
            current, start = [], no + 1
        elif current is not None and line.strip() == "```":
            blocks.append((start, "\n".join(current) + "\n"))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def top_keys(text):
    return [m.group(1) for m in re.finditer(r"^([A-Za-z_]+):", text, re.M)]


def env_for(text):
    """A value for every ${VAR} without a default: URLs for *_URL, else a token-like word
    (push tokens need 16-128 letters, digits, '-' or '_')."""
    env = sanitizer_env()
    for name in set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", text)):
        env[name] = ("https://hooks.example.com/" + name.lower() if name.endswith("_URL")
                     else "example-" + name.lower().replace("_", "-") + "-0123456789")
    return env


def base_config():
    """README's first block: the whole config the other examples are added to."""
    start, text = yaml_blocks(REPO / "README.md")[0]
    assert "page" in top_keys(text), "README's first yaml block should be a whole config"
    return text


def as_config(text):
    """The config to check for one block, or None when the block is not config."""
    keys = top_keys(text)
    if "page" in keys:
        return text
    if keys and set(keys) <= SECTIONS:
        base = base_config()
        shared = set(keys) & set(top_keys(base))
        assert not shared, f"the example repeats sections of README's first block: {shared}"
        return base + text
    if text.lstrip().startswith("- id:") and re.search(r"^\s*kind:", text, re.M):
        return base_config() + "monitors:\n" + "".join("  " + l + "\n"
                                                     for l in text.splitlines())
    return None


def examples():
    out = []
    for path in [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]:
        for start, text in yaml_blocks(path):
            out.append(pytest.param(path, start, text,
                                    id=f"{path.relative_to(REPO)}:{start}"))
    return out


@pytest.mark.parametrize("path, start, text", examples())
def test_doc_example_passes_check_config(tmp_path, path, start, text):
    config = as_config(text)
    if config is None:
        pytest.skip("not a config example")
    # Files an example names (a websocket's send_file) stand in as small files of the test's.
    for k, path in enumerate(re.findall(r"send_file: (\S+)", config)):
        sample = tmp_path / ("sample-%d.bin" % k)
        sample.write_bytes(b"\0" * 64)
        config = config.replace("send_file: " + path, "send_file: " + str(sample), 1)
    cfg = tmp_path / "example.yaml"
    cfg.write_text(config, encoding="utf-8")
    res = subprocess.run([TOCSIN_BIN, "check-config", "-c", str(cfg)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env_for(config), timeout=30)
    assert_no_sanitizer_report(res.stderr)
    assert res.returncode == 0, (
        f"{path.relative_to(REPO)}, block at line {start}, fails check-config:\n"
        f"{res.stderr}\n--- checked config ---\n{config}")


def test_examples_are_found():
    """The extraction finds the examples it is meant to check."""
    readme = [t for _, t in yaml_blocks(REPO / "README.md")]
    assert len(readme) >= 4
    assert all(as_config(t) is not None for t in readme), "a README yaml block is not config"
    probes = [t for _, t in yaml_blocks(REPO / "docs" / "internals" / "PROBES.md")]
    assert len(probes) >= 5 and all(as_config(t) is not None for t in probes)


def test_example_config_file_passes_check_config():
    res = run_cli("check-config", "-c", REPO / "examples" / "tocsin.yaml")
    assert res.returncode == 0, res.stderr

