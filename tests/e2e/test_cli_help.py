"""`rotmon --help` and every subcommand's help are complete and agree with the README: every
command and option the help lists is in the README, and every command the README's command list
names exists (SPEC 2; issue 9)."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.e2e.ptyrun import ROOT
from tui.__main__ import build_parser

README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every (command path, parser): (), ("snapshot",), ("pack", "check"), ..."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*path, name))


def leaves() -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """The commands that run something (not the `pack` and `config` groups)."""
    out = []
    for path, parser in commands(build_parser()):
        groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not groups or path == ():
            out.append((path, parser))
    return out


@pytest.fixture(autouse=True)
def _columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")  # argparse wraps to the terminal


def test_the_real_entry_point_prints_the_parsers_help() -> None:
    env = dict(os.environ, COLUMNS="100", PYTHONPATH=str(ROOT))
    for args in ([], ["pack", "check"]):
        done = subprocess.run(
            [sys.executable, "-m", "tui", *args, "--help"],
            capture_output=True, text=True, env=env, cwd=ROOT, timeout=30, check=False,
        )  # fmt: skip
        assert done.returncode == 0 and done.stderr == ""
        parser = dict(commands(build_parser()))[tuple(args)]
        assert done.stdout == parser.format_help()


def test_every_command_and_option_has_help_text() -> None:
    for path, parser in commands(build_parser()):
        name = " ".join(("rotmon", *path))
        assert parser.description, f"{name} --help says nothing about what it does"
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    assert choice.help, f"{name} {choice.dest}: no help in the command list"
                continue
            assert action.help and action.help != argparse.SUPPRESS, (name, action.dest)
        text = parser.format_help()
        assert text.startswith(f"usage: {name}")


def test_the_readme_names_every_command_and_option_of_the_help() -> None:
    for path, parser in commands(build_parser()):
        if path:
            assert f"rotmon {' '.join(path)}" in README, f"README lacks `rotmon {' '.join(path)}`"
        for action in parser._actions:
            for option in action.option_strings:
                if option in ("-h",):
                    continue
                assert re.search(rf"{re.escape(option)}(?![\w-])", README), (path, option)
            if action.choices and not isinstance(action, argparse._SubParsersAction):
                for choice in action.choices:
                    assert str(choice) in README, (path, action.dest, choice)


def test_the_readmes_command_list_names_only_real_commands_and_options() -> None:
    known = {" ".join(path) for path, _ in commands(build_parser()) if path}
    options = {o for _, p in commands(build_parser()) for a in p._actions for o in a.option_strings}
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
        for option in re.findall(r"--[a-z][a-z-]*", " ".join(words)):
            assert option in options, f"README lists {option}: no such option"
    leaves_ = {" ".join(path) for path, _ in leaves() if path}
    assert leaves_ <= listed, f"the README's command list lacks {sorted(leaves_ - listed)}"
