"""Keeping the cyclic garbage collector off what an API process holds for its whole life.

An API process holds the embedding model, the search index and the app itself: about 700,000 objects the
collector tracks, none of which will ever be garbage. Every full collection walked all of them with the event loop
stopped: 0.3 to 0.75 s, about once every 15 s under filing load, for every request in flight (issue 13's profile of
``benchmarks/filing.py``: a few percent of the throughput and most of the p99). ``gc.freeze`` moves what exists out
of the collector's sight; a full collection then walks only what was made since (about 25,000 objects).
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> None:
    """Collect what is garbage now, then freeze the rest: call once the process has loaded what it keeps.

    Safe to call again (after the search engine loaded, say): each call freezes what was made since. A cycle among
    frozen objects is never freed, and none is expected: they are the ones the process keeps until it exits.
    """
    gc.collect()
    gc.freeze()
