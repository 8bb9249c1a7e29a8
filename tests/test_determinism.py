"""Seeded chapters give the same headline numbers twice on the same machine. CI covers the
fast chapters here; `ssl-course determinism` covers every chapter, new ones included."""
from __future__ import annotations

from ssl_course.course.determinism import compare_runs, format_rows


def test_fast_chapters_repeat_their_numbers():
    rows = compare_runs(["01", "07"])
    assert [r["chapter"][:2] for r in rows] == ["01", "07"]
    assert all(r["numbers"] >= 2 for r in rows), format_rows(rows)
    assert all(not r["differ"] for r in rows), format_rows(rows)


def test_a_difference_is_reported(tmp_path):
    rows = [dict(chapter="99_demo", numbers=1, differ={"99.x": (0.5, 0.6)})]
    assert "DIFFERENT: 99.x 0.5 vs 0.6" in format_rows(rows)
