"""rotmon's command line: ``main`` (click) and one module per command (see ``tui.cli.main``)."""
