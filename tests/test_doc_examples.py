"""The Python examples of README.md and docs/*.md run as written.

Every fenced ```python block of a page is executed, in order and in one namespace per
page (later blocks use names defined by earlier ones), in a temporary working directory
(examples write files such as ``sweep.npz``).  A block preceded by an HTML comment
``<!-- not run: reason -->`` is skipped: examples that need a cluster, a GPU, a dataset,
optional packages or a long run, or that show a pattern with placeholders.  Pages whose
examples take more than a few seconds run in the slow suite only (``SLOW_PAGES``).

An example that stops working fails here; the values it prints are not compared (the
doctests of the modules and the test files check values).
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SKIP = re.compile(r"<!--\s*not run:.*?-->\s*$")
# Pages whose examples take more than a few seconds (measured on 2 shared cores: 390 s and
# 100 s; README.md's takes 8 s, index.md's and reproducing.md's under 1 s).
SLOW_PAGES = {"kac-rice-finite-n.md", "landscape.md"}


def python_blocks(text: str) -> list[tuple[int, str, bool]]:
    """(first line number, code, skipped) of each ```python block of a Markdown page."""
    blocks = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            start = i + 1
            end = start
            while end < len(lines) and lines[end].strip() != "```":
                end += 1
            prev = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            blocks.append((start + 1, "\n".join(lines[start:end]), bool(SKIP.search(prev))))
            i = end
        i += 1
    return blocks


def test_block_extraction():
    text = "a\n\n```python\nx = 1\n```\n\n<!-- not run: needs a GPU -->\n```python\ny\n```\n"
    assert python_blocks(text) == [(4, "x = 1", False), (9, "y", True)]


def _params():
    params = []
    for page in PAGES:
        blocks = python_blocks(page.read_text(encoding="utf-8"))
        if not any(not skipped for _, _, skipped in blocks):
            continue
        marks = [pytest.mark.slow] if page.name in SLOW_PAGES else [pytest.mark.heavy]
        params.append(pytest.param(page, id=page.name, marks=marks))
    return params


@pytest.mark.parametrize("page", _params())
def test_page_examples_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__main__"}
    for line, code, skipped in python_blocks(page.read_text(encoding="utf-8")):
        if skipped:
            continue
        try:
            exec(compile(code, f"{page.name}:{line}", "exec"), namespace)
        except Exception as exc:
            raise AssertionError(f"{page.name}, block at line {line}: {exc!r}") from exc
