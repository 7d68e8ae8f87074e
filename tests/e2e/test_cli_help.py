"""`rotmon --help` and every subcommand's help are complete and agree with the README: every
command and option the help lists is in the README, and every command the README's command list
names exists (SPEC 2; issue 9)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator

import click
import pytest

from tests.e2e.ptyrun import ROOT
from tui.cli.main import cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(
    cmd: click.Command = cli, path: tuple[str, ...] = (), parent: click.Context | None = None
) -> Iterator[tuple[tuple[str, ...], click.Context]]:
    """Every (command path, context): (), ("snapshot",), ("pack", "check"), ..."""
    name = path[-1] if path else "rotmon"
    ctx = cmd.make_context(name, [], parent=parent, resilient_parsing=True)
    yield path, ctx
    if isinstance(cmd, click.Group):
        for name, sub in cmd.commands.items():
            yield from commands(sub, (*path, name), ctx)


def options_of(ctx: click.Context) -> Iterator[click.Option]:
    for param in ctx.command.get_params(ctx):
        if isinstance(param, click.Option):
            yield param


def leaves() -> list[tuple[str, ...]]:
    """The commands that run something (not the `pack` and `config` groups)."""
    return [p for p, ctx in commands() if not isinstance(ctx.command, click.Group) or p == ()]


@pytest.fixture(autouse=True)
def _columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")  # help wraps to the terminal


def test_the_real_entry_point_prints_the_commands_help() -> None:
    env = dict(os.environ, COLUMNS="100", PYTHONPATH=str(ROOT))
    for args in ([], ["pack", "check"]):
        done = subprocess.run(
            [sys.executable, "-m", "tui", *args, "--help"],
            capture_output=True, text=True, env=env, cwd=ROOT, timeout=30, check=False,
        )  # fmt: skip
        assert done.returncode == 0 and done.stderr == ""
        ctx = dict(commands())[tuple(args)]
        assert done.stdout == ctx.get_help() + "\n"


def test_every_command_and_option_has_help_text() -> None:
    for path, ctx in commands():
        name = " ".join(("rotmon", *path))
        assert ctx.command.help, f"{name} --help says nothing about what it does"
        if isinstance(ctx.command, click.Group):
            for sub, cmd in ctx.command.commands.items():
                assert cmd.get_short_help_str(), f"{name} {sub}: no help in the command list"
        for option in options_of(ctx):
            assert option.help, (name, option.name)
        text = ctx.get_help()
        assert text.startswith(f"Usage: {name}"), text[:80]
        # the shared options are listed under their own headings, on every command
        assert "common options:" in text


def test_the_readme_names_every_command_and_option_of_the_help() -> None:
    for path, ctx in commands():
        if path:
            assert f"rotmon {' '.join(path)}" in README, f"README lacks `rotmon {' '.join(path)}`"
        for option in options_of(ctx):
            for flag in option.opts:
                if flag == "-h":
                    continue
                assert re.search(rf"{re.escape(flag)}(?![\w-])", README), (path, flag)
            if isinstance(option.type, click.Choice):
                for choice in option.type.choices:
                    assert str(choice) in README, (path, option.name, choice)


def test_the_readmes_command_list_names_only_real_commands_and_options() -> None:
    known = {" ".join(path) for path, _ in commands() if path}
    flags = {f for _, ctx in commands() for o in options_of(ctx) for f in o.opts}
    block = README.split("## Commands and options", 1)[1].split("```")[1]
    listed = set()
    for line in block.strip().splitlines():
        if line.startswith("common:"):
            words = line.split()[1:]
        else:
            assert line.startswith("rotmon"), line
            words = line.split()[1:]
            command = " ".join(w for w in words[:2] if re.fullmatch(r"[a-z]+", w))
            if command:
                assert command in known, f"README lists `rotmon {command}`: no such command"
                listed.add(command)
        for flag in re.findall(r"--[a-z][a-z-]*", " ".join(words)):
            assert flag in flags, f"README lists {flag}: no such option"
    leaves_ = {" ".join(path) for path in leaves() if path}
    assert leaves_ <= listed, f"the README's command list lacks {sorted(leaves_ - listed)}"
