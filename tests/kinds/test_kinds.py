from __future__ import annotations

from dataclasses import fields
from typing import get_args

import pytest

from pipeline.kinds import KINDS, VALUE_FIELDS, ClaimKindSpec
from pipeline.kinds.direction import describe
from pipeline.models import Claim, ClaimKind


def test_kinds_registry_covers_every_claim_kind_literal() -> None:
    assert set(KINDS) == set(get_args(ClaimKind))
    assert all(name == spec.name for name, spec in KINDS.items())


def test_kinds_value_fields_are_claim_fields() -> None:
    claim_fields = {f.name for f in fields(Claim)}
    assert set(VALUE_FIELDS) <= claim_fields
    for spec in KINDS.values():
        assert spec.required_value is None or spec.value_fields


def test_kinds_spec_needs_exactly_one_grading_rule() -> None:
    with pytest.raises(ValueError, match="exactly one of `level` and `beats`"):
        ClaimKindSpec(
            name="broken",
            value_fields=(),
            find_triggers=list,
            describe=describe,
            reason=str,  # type: ignore[arg-type]
            value_agrees=lambda p, g: True,
        )
