"""A DNN run that extends an earlier one: the same protocol on more units, other methods.

A unit of all the issue-25 methods costs minutes of a CPU core, most of it in a few methods;
growing a run to more units with only the methods a comparison needs keeps the others on the
units that have them. The earlier folder is read, never written: its whole units are not run
again, and the summary joins both folders' units (each method over the units that have it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from crembo.experiments.store import RunStore, RunStoreError, _diff

#: Protocol settings that may differ between a run and the run it extends.
MAY_DIFFER = ("baselines", "methods", "repeats")

#: The arrays of a DNN unit (``run_dnn``'s store).
DNN_ARTIFACTS = ("predictions", "curves")


@dataclass(frozen=True)
class ExtendedRun:
    """The whole units of an earlier run: its store, records, methods and unit keys."""

    store: RunStore
    records: pd.DataFrame
    baselines: tuple
    methods: tuple
    units: frozenset


def _shared(settings: dict) -> dict:
    out = json.loads(json.dumps(settings))
    for key in MAY_DIFFER:
        out.get("protocol", {}).pop(key, None)
    return out


def open_extended(path, settings: dict) -> ExtendedRun:
    """The run at ``path`` that a run with ``settings`` extends.

    Refuses a folder without a run, or with settings other than ``settings`` in anything
    but :data:`MAY_DIFFER` (the data's fingerprint included).
    """
    path = Path(path)
    run_json = path / "run.json"
    if not run_json.is_file():
        raise RunStoreError(f"extends: {str(path)!r} holds no run (no run.json).")
    try:
        stored = json.loads(run_json.read_text(encoding="utf-8"))
        protocol = stored["protocol"]
        baselines, methods = tuple(protocol["baselines"]), tuple(protocol["methods"])
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
        raise RunStoreError(f"extends: {run_json} is not a run of this program ({exc}).") from exc
    if _shared(stored) != _shared(settings):
        raise RunStoreError(
            f"extends: {path} is a run with other settings "
            f"({_diff(_shared(stored), _shared(settings))}); only "
            f"{', '.join(MAY_DIFFER)} may differ."
        )
    store = RunStore(path, stored, artifacts=DNN_ARTIFACTS)
    records = store.read_records()
    done = store.done_units(records)
    return ExtendedRun(store, store.keep_units(records, done), baselines, methods, frozenset(done))
