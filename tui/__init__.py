"""rotmon's terminal application: the Textual app, its screens, the CLI and the polling feed."""

__version__ = "0.1.0"
