"""Counting a decimal's places, for the checklist engine's number items and the plans' ratios."""

from __future__ import annotations

from decimal import Decimal


def decimal_places(number: Decimal) -> int:
    """The places after the point ``number`` is written with (1.50 → 2, 5E+1 → 0; normalise it first
    for the places it needs: 0.050 → 2). It must be finite."""
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int), "a NaN or an infinity has no decimal places"
    return max(-exponent, 0)
