"""Start-up: `import pipeline`, `import pipeline.cli` and `thesis --help` load no heavy library.

Deterministic checks of which modules a fresh interpreter imports (sys.modules and
`-X importtime`), not timings; benchmarks/bench_startup.py measures the time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import pipeline

ROOT = Path(__file__).resolve().parent.parent
#: Libraries that a command pays for only when it needs them.
HEAVY = (
    "spacy",
    "thinc",
    "sklearn",
    "scipy",
    "pandas",
    "numpy",
    "pyarrow",
    "trafilatura",
    "lxml",
    "bs4",
    "datasette",
    "httpx",
    "sqlite_utils",
    "jinja2",
    "tqdm",
)


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a new interpreter on this checkout's pipeline."""
    done = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    return done


def _heavy_after(statement: str) -> list[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    loaded = json.loads(_python("-c", code).stdout.splitlines()[-1])
    return sorted({name.split(".")[0] for name in loaded} & set(HEAVY))


@pytest.mark.parametrize("statement", ["import pipeline", "import pipeline.cli"])
def test_startup_importing_loads_no_heavy_library(statement: str) -> None:
    assert _heavy_after(statement) == []


def test_startup_help_imports_no_heavy_library() -> None:
    done = _python("-X", "importtime", "-m", "pipeline", "--help")
    assert "Usage: thesis [OPTIONS] COMMAND [ARGS]..." in done.stdout
    imported = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "click" in imported  # the parse is real: -X importtime listed the imports
    assert sorted(imported & set(HEAVY)) == []


def test_startup_public_api_resolves_every_name_to_its_module() -> None:
    assert sorted(pipeline._EXPORTS) == sorted(pipeline.__all__)
    for name, module in pipeline._EXPORTS.items():
        value = getattr(pipeline, name)
        assert value is getattr(sys.modules[module], name), name


def test_startup_stage_names_are_the_stage_functions_whichever_loads_first() -> None:
    """`extract`, `ingest`, `report` and `track` are run functions and subpackages alike."""
    code = (
        "import pipeline.extract.claims, pipeline.ingest.parse, pipeline.report.render\n"
        "import pipeline.track.resolve, pipeline.run\n"
        "from pipeline import extract, ingest, report, track\n"
        "import pipeline.report.serve\n"
        "print(all(getattr(pipeline, n) is getattr(pipeline.run, n) and callable(f)\n"
        "          for n, f in zip(('extract', 'ingest', 'report', 'track'),\n"
        "                          (extract, ingest, report, track))))"
    )
    assert _python("-c", code).stdout.split() == ["True"]


def test_startup_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="module 'pipeline' has no attribute 'nothing'"):
        pipeline.nothing  # type: ignore[attr-defined]  # noqa: B018
