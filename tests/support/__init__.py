"""Test helpers: a network guard and loopback servers that answer with recorded payloads."""
