"""Two runs on one database at once: the second waits its turn, nothing is lost."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

SUBJECTS = ("IWM", "NVDA", "MSFT", "AAPL", "QQQ", "SPY")


def _folder(root: Path, name: str, count: int) -> Path:
    folder = root / name
    folder.mkdir()
    for i in range(count):
        subject = SUBJECTS[i % len(SUBJECTS)]
        (folder / f"{name}_{i:03d}.md").write_text(
            f"---\ntitle: {name} note {i}\nauthor: Writer {name} {i}\n"
            f"published: 2024-0{1 + i % 9}-0{1 + i % 9}\n---\n"
            f"Note {i} from {name}: I expect {subject} to rise {5 + i}% by the end of the year.\n",
            encoding="utf-8",
        )
    return folder


def test_two_runs_on_one_database_both_finish_and_lose_nothing(
    tmp_path: Path, prices_dir: Path
) -> None:
    db = tmp_path / "shared.db"
    folders = [_folder(tmp_path, name, 40) for name in ("left", "right")]
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pipeline",
                "--quiet",
                "--db",
                str(db),
                "run",
                str(folder),
                "--prices",
                str(prices_dir),
                "--out",
                str(tmp_path / f"report_{folder.name}"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for folder in folders
    ]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    for run, output in zip(runs, outputs, strict=True):
        assert run.returncode == 0, output
        assert "Traceback" not in output and "locked" not in output, output
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from articles").fetchone() == (80,)
    assert con.execute("select count(distinct article_id) from claims").fetchone() == (80,)
    claims = con.execute("select count(*) from claims").fetchone()[0]
    assert con.execute("select count(*) from outcomes").fetchone() == (claims,)
    assert con.execute("pragma integrity_check").fetchone() == ("ok",)
