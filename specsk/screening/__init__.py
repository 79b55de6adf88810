"""Dataset screening: find silent, clipped, DC-offset, noise-like and duplicate clips.

:func:`screen_clips` returns a per-clip report; :class:`ClipScreener` is the estimator (a
passthrough diagnostic in pipelines, with :meth:`ClipScreener.filter` to drop flagged clips
and their labels before training).
"""

from ._screener import REASONS, ClipScreener, screen_clips

__all__ = ["REASONS", "ClipScreener", "screen_clips"]
