"""Adapters to the outside world (Yahoo, FRED, iShares, packs) and the embedded demo market."""
