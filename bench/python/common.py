"""Shared by the CPython side of the bench: arguments, timing, and the JSON the report reads.

Each script prints one JSON object, row key -> {"unit", "samples", "note"}, in the format of
the Parlab side (bench/src/lib.rs), after one warm-up run that is not kept.
"""
import json
import sys
import time

SMOKE = "--smoke" in sys.argv


def runs(default=7):
    if "--runs" in sys.argv:
        return int(sys.argv[sys.argv.index("--runs") + 1])
    return 2 if SMOKE else default


def size(full, smoke):
    return smoke if SMOKE else full


now = time.perf_counter


def sampled(n_runs, f):
    """f() once to warm up, then n_runs kept samples."""
    f()
    return [f() for _ in range(n_runs)]


def emit(rows):
    print(json.dumps(rows, indent=2))
