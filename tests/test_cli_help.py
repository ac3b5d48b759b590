"""``--help`` of every command: each paragraph of its text wraps at the terminal's width."""

from __future__ import annotations

import inspect

import pytest
from typer.testing import CliRunner

from compengine.cli import COMMANDS, app


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_paragraph_is_wrapped_by_the_terminal(name: str) -> None:
    result = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.output.splitlines()]
    for paragraph in inspect.cleandoc(COMMANDS[name].__doc__ or "").split("\n\n"):
        assert " ".join(paragraph.split()) in lines


@pytest.mark.parametrize("args", [[], *([name] for name in COMMANDS)])
def test_flags_show_no_value_type(args: list[str]) -> None:
    """A flag takes no value: ``--help`` shows none beside it, nor beside itself."""
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert any(line.split()[1:3] == ["--help", "Show"] for line in result.output.splitlines())
