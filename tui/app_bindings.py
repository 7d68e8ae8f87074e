"""The app-wide keys of RotmonApp: feed, app, alert-log and time-travel bindings.

One list, in the order the footer and the help screen show them; every binding has an id that
a config file's ``[keys]`` table may remap.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

from tui.screens.dashboard import ALERTS_GROUP

APP_GROUP = Binding.Group("App")
TIME_GROUP = Binding.Group("Time travel")

BINDINGS: list[BindingType] = [
    Binding("r", "refresh_now", "Refresh", group=APP_GROUP, id="feed.refresh"),
    Binding("p", "toggle_pause", "Pause / resume", group=APP_GROUP, id="feed.pause"),
    Binding("t", "cycle_theme", "Theme", show=False, group=APP_GROUP, id="app.theme"),
    Binding("question_mark", "help", "Help", group=APP_GROUP, id="app.help"),
    Binding(
        "ctrl+p",
        "command_palette",
        "Command palette",
        show=False,
        group=APP_GROUP,
        priority=True,
        id="app.palette",
    ),
    Binding("escape,backspace", "back", "Back", show=False, group=APP_GROUP, id="app.back"),
    Binding("q", "quit_app", "Quit", group=APP_GROUP, id="app.quit"),
    Binding(
        "A",
        "acknowledge_all",
        "Acknowledge every alert",
        show=False,
        group=ALERTS_GROUP,
        id="alert.ack_all",
    ),
    Binding("D", "diagnostics", "Diagnostics", show=False, group=APP_GROUP, id="app.diagnostics"),
    # priority: the jump opens when the key is read, so the keys typed after it in the same
    # read reach the jump box (tui.app.RotmonApp.check_action lets ``:`` type into a box)
    Binding(
        "colon",
        "jump",
        "Jump to a symbol",
        show=False,
        group=APP_GROUP,
        id="app.jump",
        priority=True,
    ),
    Binding(
        "H",
        "alert_history",
        "Alert history",
        show=False,
        group=ALERTS_GROUP,
        id="alert.history",
    ),
    Binding(
        "less_than_sign",
        "step_asof(-1)",
        "As-of −1 trading day",
        show=False,
        group=TIME_GROUP,
        id="asof.previous_day",
    ),
    Binding(
        "greater_than_sign",
        "step_asof(1)",
        "As-of +1 trading day",
        show=False,
        group=TIME_GROUP,
        id="asof.next_day",
    ),
    Binding(
        "left_curly_bracket",
        "step_asof(-5)",
        "As-of −1 week",
        show=False,
        group=TIME_GROUP,
        id="asof.previous_week",
    ),
    Binding(
        "right_curly_bracket",
        "step_asof(5)",
        "As-of +1 week",
        show=False,
        group=TIME_GROUP,
        id="asof.next_week",
    ),
]
