"""The screens of the rotmon app: the dashboard, help, and the drill-down screens."""
