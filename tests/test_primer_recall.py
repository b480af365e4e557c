"""The primer's recall ledgers: parsing, validation and matching, on tiny synthetic ledgers.

Never reads the corpus: the pins are replaced by two made-up applications.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from benchmarks import primer
from benchmarks.corpus import PinnedFile
from benchmarks.primer import Finding, LedgerEntry, read_ledgers, render_recall

VERSIONS = {"shop": "1.2.0", "blog": "0.9"}

GOOD_LEDGER = """\
    # Recall ledger: shop 1.2.0

    Read the views and the services they call. A paragraph line that mentions
    `shop/x.py:1 SLS101` is free text, not an entry.

    - `shop/store.py:12 SLS201` **cross-module**: invoice written to disk (views.pay -> store.save).
    - `shop/views.py:30 SLS101` **local**: cart dict mutated by the view (views.add).
    - `shop/presence.py:8 SLS101` **cross-module, long-lived**: presence.online set (views.ping).
    - `shop/settings.py:4 SLS106` **local**: SECRET_KEY falls back to os.urandom(24).
"""


def write(directory: Path, name: str, text: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")


def finding(app: str, site: str, code: str) -> Finding:
    path, line = site.split(":")
    return Finding(app, path, int(line), 1, code, "message")


def test_entries_are_read_with_their_tags_and_free_text_is_ignored(tmp_path: Path) -> None:
    write(tmp_path, "shop.md", GOOD_LEDGER)
    ledgers = read_ledgers(VERSIONS, tmp_path)
    assert ledgers.problems == []
    assert [(e.path, e.line, e.code, e.tags) for e in ledgers.entries] == [
        ("shop/store.py", 12, "SLS201", ("cross-module",)),
        ("shop/views.py", 30, "SLS101", ("local",)),
        ("shop/presence.py", 8, "SLS101", ("cross-module", "long-lived")),
        ("shop/settings.py", 4, "SLS106", ("local",)),
    ]
    assert ledgers.entries[0].note == "invoice written to disk (views.pay -> store.save)."
    assert {e.app for e in ledgers.entries} == {"shop"}


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("- `shop/a.py SLS201` **local**: no line number", "malformed entry"),
        ("- `shop/a.py:0 SLS201` **local**: line numbers start at 1", "malformed entry"),
        ("- `shop/a.py:3 SLS20` **local**: not a code", "malformed entry"),
        ("- `shop/a.py:3 SLS201` local: tags must be bold", "malformed entry"),
        ("- `shop/a.py:3 SLS201` **local**:", "malformed entry"),
        ("- `shop/a.py:3 SLS201` **global**: unknown tag", "tags must be distinct"),
        ("- `shop/a.py:3 SLS201` **local, local**: twice", "tags must be distinct"),
        ("- `shop/store.py:12 SLS201` **local**: same site again", "listed twice"),
    ],
)
def test_malformed_entries_are_problems_naming_file_and_line(
    tmp_path: Path, line: str, why: str
) -> None:
    write(tmp_path, "shop.md", GOOD_LEDGER + "    " + line + "\n")
    ledgers = read_ledgers(VERSIONS, tmp_path)
    appended = len(textwrap.dedent(GOOD_LEDGER).splitlines()) + 1
    assert len(ledgers.problems) == 1
    assert ledgers.problems[0].startswith(f"shop.md:{appended}: ")
    assert why in ledgers.problems[0]
    assert len(ledgers.entries) == 4  # the good entries still count


def test_unknown_application_title_and_version_are_problems(tmp_path: Path) -> None:
    write(tmp_path, "forum.md", "# Recall ledger: forum 1.0\n- `f.py:1 SLS101` **local**: x\n")
    write(tmp_path, "blog.md", "# Recall ledger: blog 1.0\n- `b.py:1 SLS101` **local**: x\n")
    write(tmp_path, "shop.md", "# Ledger of shop\n- `s.py:1 SLS101` **local**: x\n")
    ledgers = read_ledgers(VERSIONS, tmp_path)
    assert ledgers.problems == [
        "blog.md:1: blog is pinned at 0.9, not 1.0",
        "forum.md: not a corpus application: 'forum'",
        "shop.md:1: expected '# Recall ledger: shop 1.2.0'",
    ]
    assert sorted(e.app for e in ledgers.entries) == ["blog", "shop"]


def test_a_missing_directory_has_no_entries(tmp_path: Path) -> None:
    ledgers = read_ledgers(VERSIONS, tmp_path / "recall")
    assert ledgers.entries == []
    assert ledgers.problems == []


def test_recall_counts_exact_sites_per_application_and_tag(tmp_path: Path) -> None:
    write(tmp_path, "shop.md", GOOD_LEDGER)
    entries = read_ledgers(VERSIONS, tmp_path).entries
    findings = [
        finding("shop", "shop/views.py:30", "SLS101"),  # reported
        finding("shop", "shop/store.py:12", "SLS202"),  # same line, other code: not counted
        finding("blog", "shop/presence.py:8", "SLS101"),  # other application: not counted
        finding("shop", "shop/presence.py:9", "SLS101"),  # other line: not counted
    ]
    text = render_recall(findings, entries, ["shop", "blog"], ["SLS101", "SLS201", "SLS202"])
    table = text.split("\n\n")[1]  # title, table, then the notes
    rows = {line.split()[0]: line.split(maxsplit=1)[1] for line in table.splitlines()}
    assert rows["shop"].split() == [
        "1/4", "(25%)", "1/2", "(50%)", "0/2", "(0%)", "0/1", "(0%)"
    ]
    assert rows["blog"] == "no ledger"
    assert rows["total"].split()[:2] == ["1/4", "(25%)"]
    assert "shop shop/store.py:12 SLS201 (reported as SLS202)" in text
    assert "listed for codes that no rule reports yet: SLS106 (1)" in text


def test_a_site_named_by_a_grouped_finding_counts_as_reported(tmp_path: Path) -> None:
    """One finding per object per function names the other sites it covers (each keeps its
    own line for noqa): those sites are reported, for the same path and code only."""
    write(tmp_path, "shop.md", GOOD_LEDGER)
    entries = read_ledgers(VERSIONS, tmp_path).entries
    grouped = "'CART' is mutated while serving requests, also on lines 12, 30; use Redis"
    findings = [
        Finding("shop", "shop/views.py", 20, 5, "SLS101", grouped),  # names 30: reported
        Finding("shop", "shop/store.py", 3, 5, "SLS101", grouped),  # other code at 12: not
        Finding("shop", "shop/presence.py", 2, 5, "SLS101", "'online', also on line 8; x"),
    ]
    text = render_recall(findings, entries, ["shop"], ["SLS101", "SLS201"])
    shop = next(line for line in text.splitlines() if line.startswith("shop "))
    assert shop.split()[1:3] == ["2/4", "(50%)"]


def test_an_empty_tag_column_is_a_dash_not_a_division_by_zero() -> None:
    entries = [LedgerEntry("blog", "b.py", 1, "SLS101", ("local",), "x")]
    text = render_recall([], entries, ["blog"], ["SLS101"])
    blog = next(line for line in text.splitlines() if line.startswith("blog"))
    assert blog.split() == ["blog", "0/1", "(0%)", "0/1", "(0%)", "-", "-"]
    assert "no rule reports yet" not in text


def test_main_without_lint_writes_recall_and_check_fails_on_a_bad_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pins = [
        PinnedFile(name, version, f"{name}-{version}.tar.gz", "0" * 64, "app", "made up")
        for name, version in VERSIONS.items()
    ]
    monkeypatch.setattr(primer, "load_pins", lambda: pins)
    monkeypatch.setattr(primer, "ensure_corpus", lambda: pytest.fail("must not lint"))
    for name, path in {
        "FINDINGS": tmp_path / "findings.txt",
        "COUNTS": tmp_path / "counts.txt",
        "JUDGEMENT": tmp_path / "judgement.md",
        "RECALL_DIR": tmp_path / "recall",
    }.items():
        monkeypatch.setattr(primer, name, path)
    (tmp_path / "findings.txt").write_text(
        "shop shop/views.py:30:5: SLS101 module-level dict 'cart' is mutated\n", encoding="utf-8"
    )
    (tmp_path / "judgement.md").write_text(
        "- `shop shop/views.py:30:5 SLS101` **true**: the cart.\n", encoding="utf-8"
    )
    write(tmp_path / "recall", "shop.md", GOOD_LEDGER)

    assert primer.main(["--no-lint", "--check"]) == 0
    counts = (tmp_path / "counts.txt").read_text(encoding="utf-8")
    assert "recall: ledger entries" in counts
    assert "1/4 (25%)" in counts
    assert (tmp_path / "findings.txt").read_text(encoding="utf-8").count("\n") == 1

    write(tmp_path / "recall", "blog.md", "# Recall ledger: blog 0.9\n- `b.py:1 SLS101`\n")
    assert primer.main(["--no-lint", "--check"]) == 1
    assert "recall ledger: blog.md:2: malformed entry" in capsys.readouterr().out
    assert primer.main(["--no-lint"]) == 0  # reported, but only --check fails
