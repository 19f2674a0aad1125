"""The garbage collector's settings for a serving process: rare full collections, none over start-up's objects.

A full (generation 2) collection walks every tracked object while the event loop waits.
Under the hot-row load those pauses set the tail: p99 155 ms with Python's default
settings against 12 ms with collections off (docs/benchmarks.md). Once start-up is done,
``settle`` moves everything allocated so far (schemas, compiled plans, modules) into the
permanent generation, where no collection looks at it again, and collects the young
generations less often, so that cyclic garbage is swept in fewer, larger passes.
``MINIMOMEN_GC_TUNING=0`` keeps Python's defaults.
"""

from __future__ import annotations

import gc
import os

THRESHOLDS = (50_000, 20, 100)


def settle() -> None:
    """Freeze what start-up allocated and raise the collection thresholds (serving processes only)."""
    if os.environ.get("MINIMOMEN_GC_TUNING", "1") == "0":
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
