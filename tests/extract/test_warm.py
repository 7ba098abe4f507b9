"""The fork server's warm-up (pipeline/extract/warm.py) loads the models, and never fails."""

from __future__ import annotations

import importlib

import pytest

from pipeline.extract import claims as claims_module
from pipeline.extract import warm


def test_warm_import_loads_the_default_pipeline_once() -> None:
    claims_module.process_nlp.cache_clear()
    importlib.reload(warm)
    assert claims_module.process_nlp.cache_info().currsize == 1


def test_warm_import_never_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    # an error would stop the fork server, and with it every worker
    def broken(settings: object) -> None:
        raise RuntimeError("a model file is damaged")

    monkeypatch.setattr(claims_module, "warm_up", broken)
    importlib.reload(warm)
