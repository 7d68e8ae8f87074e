"""Reusable rotmon widgets: data in, messages out."""
