"""The weight of "/" on bench/run's realistic page (issue 16's goal, issue 18's day bars): 20
components with 90 days of bars and 90 days of history stay under 60 KB plain and 800
elements (35 KB and 488 when written; BENCHMARKS.md "Page: Lighthouse"). The page it
measures is deterministic (bench/gen-history's fixed seed), so only a change to the page
moves these figures; the bound is loose so that wording does not."""

import re
import subprocess

from conftest import REPO, TOCSIN_BIN, free_port, sanitizer_env


def test_status_page_with_20_components_stays_light():
    p = subprocess.run(["bash", str(REPO / "bench" / "page-weight"), TOCSIN_BIN,
                        str(free_port())], capture_output=True, text=True, timeout=120,
                       env=sanitizer_env())
    assert p.returncode == 0, p.stderr
    plain = int(re.search(r"^/\s+(\d+)\s+(\d+)", p.stdout, re.M).group(1))
    elements = int(re.search(r"^/ has (\d+) elements", p.stdout, re.M).group(1))
    assert plain < 60_000, p.stdout
    assert elements < 800, p.stdout
