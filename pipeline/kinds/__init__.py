"""Kinds: the registry of claim kinds, one module each (target, move, relative, direction).

Input: none (read at import). Output: `KINDS`, each kind's `ClaimKindSpec` by name, and the
value fields they use. No side effects. To add a kind, write its module beside these, add
it below, add its cues (pipeline/extract/data/cues.toml), its `ClaimKind` literal and value
fields (pipeline/models.py) and a migration for any new column (pipeline/store).
"""

from __future__ import annotations

from pipeline.kinds import direction, move, relative, target
from pipeline.kinds.spec import ClaimKindSpec, GradedRow, LevelInputs, ReturnInputs

#: Every kind by name, in the order the extractor looks for them.
KINDS: dict[str, ClaimKindSpec] = {
    spec.name: spec for spec in (move.SPEC, target.SPEC, relative.SPEC, direction.SPEC)
}

#: The value fields of all kinds, each once, in registry order.
VALUE_FIELDS: tuple[str, ...] = tuple(
    dict.fromkeys(name for spec in KINDS.values() for name in spec.value_fields)
)

__all__ = ["KINDS", "VALUE_FIELDS", "ClaimKindSpec", "GradedRow", "LevelInputs", "ReturnInputs"]
