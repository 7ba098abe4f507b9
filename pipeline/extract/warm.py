"""Warm: imported by the engine's fork server (pipeline/engine.py, PRELOAD), it reads one
short article with the default settings, so the spaCy pipeline, the classifier, the NER
model and the rules' data load once, there; every worker forked from the server starts
with them in memory (shared until written) instead of loading its own. Settings other
than the defaults (another lexicon) load theirs once per worker, as before.

Importing it never fails: whatever goes wrong, the workers load what they need.
"""

from __future__ import annotations

from contextlib import suppress

with suppress(Exception):
    from pipeline.extract.claims import warm_up
    from pipeline.settings import Settings

    warm_up(Settings())
