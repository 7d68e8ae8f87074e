"""rotmon's themes: gain/loss/neutral/stale are theme variables, so no widget holds a colour."""

from __future__ import annotations

from typing import Any

from textual.theme import Theme

VARIABLE_DEFAULTS: dict[str, str] = {
    "gain": "#3fb950",
    "loss": "#f85149",
    "neutral": "#8b949e",
    "stale": "#6e7681",
}
"""Fallbacks when a built-in Textual theme (without our variables) is selected."""

DARK = Theme(
    name="rotmon-dark",
    primary="#58a6ff",
    secondary="#79c0ff",
    accent="#e3b341",
    warning="#d29922",
    error="#f85149",
    success="#3fb950",
    foreground="#d6dde6",
    background="#0d1117",
    surface="#161b22",
    panel="#1c2330",
    dark=True,
    variables={
        "gain": "#3fb950",
        "loss": "#f85149",
        "neutral": "#8b949e",
        "stale": "#6e7681",
        "border": "#58a6ff",
        "border-blurred": "#30363d",
        "block-cursor-background": "#2f81f7",
        "block-cursor-foreground": "#ffffff",
        "block-cursor-blurred-background": "#1f2a3a",
    },
)

LIGHT = Theme(
    name="rotmon-light",
    primary="#0969da",
    secondary="#218bff",
    accent="#9a6700",
    warning="#9a6700",
    error="#cf222e",
    success="#1a7f37",
    foreground="#1f2328",
    background="#ffffff",
    surface="#f6f8fa",
    panel="#eaeef2",
    dark=False,
    variables={
        "gain": "#1a7f37",
        "loss": "#cf222e",
        "neutral": "#57606a",
        "stale": "#8c959f",
        "border": "#0969da",
        "border-blurred": "#d0d7de",
        "block-cursor-background": "#0969da",
        "block-cursor-foreground": "#ffffff",
        "block-cursor-blurred-background": "#ddf4ff",
    },
)

# The ANSI themes name the terminal's own 16 colours and keep its default foreground and
# background; they differ only in the accent and in what stands out against a dark or a light
# terminal.
_ANSI_BASE: dict[str, Any] = {
    "ansi": True,
    "primary": "ansi_blue",
    "secondary": "ansi_cyan",
    "warning": "ansi_yellow",
    "error": "ansi_red",
    "success": "ansi_green",
    "foreground": "ansi_default",
    "background": "ansi_default",
    "surface": "ansi_default",
    "panel": "ansi_default",
    "boost": "ansi_default",
}
_ANSI_VARIABLES = {
    "gain": "ansi_green",
    "loss": "ansi_red",
    "stale": "ansi_bright_black",
    "border": "ansi_blue",
}

ANSI_DARK = Theme(
    name="rotmon-ansi-dark",
    accent="ansi_yellow",
    dark=True,
    variables={
        **_ANSI_VARIABLES,
        "neutral": "ansi_white",
        "border-blurred": "ansi_bright_black",
        "block-cursor-foreground": "ansi_black",
        "block-cursor-background": "ansi_white",
        "block-cursor-blurred-background": "ansi_bright_black",
        "ansi-background": "ansi_black",
        "ansi-foreground": "ansi_white",
    },
    **_ANSI_BASE,
)

ANSI_LIGHT = Theme(
    name="rotmon-ansi-light",
    accent="ansi_magenta",
    dark=False,
    variables={
        **_ANSI_VARIABLES,
        "neutral": "ansi_black",
        "border-blurred": "ansi_white",
        "block-cursor-foreground": "ansi_bright_white",
        "block-cursor-background": "ansi_blue",
        "block-cursor-blurred-background": "ansi_white",
        "ansi-background": "ansi_white",
        "ansi-foreground": "ansi_black",
    },
    **_ANSI_BASE,
)

THEMES: tuple[Theme, ...] = (DARK, LIGHT, ANSI_DARK, ANSI_LIGHT)
TRUECOLOR_CYCLE: tuple[str, ...] = (DARK.name, LIGHT.name)
ANSI_CYCLE: tuple[str, ...] = (ANSI_DARK.name, ANSI_LIGHT.name)


def theme_cycle(ansi: bool, current: str) -> tuple[str, ...]:
    """The themes `t` steps through; a configured theme outside the cycle joins it."""
    cycle = ANSI_CYCLE if ansi else TRUECOLOR_CYCLE
    return cycle if current in cycle else (current, *cycle)


def next_theme(ansi: bool, current: str) -> str:
    cycle = theme_cycle(ansi, current)
    return cycle[(cycle.index(current) + 1) % len(cycle)]
