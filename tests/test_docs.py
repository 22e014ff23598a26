"""The docs cannot drift from the CLI: every command and option they name exists, and the built
CLI reference shows every command with every option."""

from __future__ import annotations

import html
import re
import subprocess
import sys

import click
import pytest
from conftest import ROOT

from kb.cli import cli

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Code spans and the lines of code blocks: where the docs write commands out.
CODE = re.compile(r"`([^`\n]+)`|^(?: {4}|\t)(.+)$", re.MULTILINE)
COMMAND = re.compile(r"(?<![\w./:-])kb ([a-z]+)\b")
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z-]*|-[a-z])\b")


def options(command: click.Command) -> set[str]:
    """Every flag a command accepts, long and short."""
    return {flag for param in command.params if isinstance(param, click.Option)
            for flag in (*param.opts, *param.secondary_opts)}


def written_commands(text: str):
    """(command name, the flags written after it) for each `kb COMMAND ...` in code."""
    for match in CODE.finditer(text):
        code = match.group(1) or match.group(2)
        starts = list(COMMAND.finditer(code))
        for i, here in enumerate(starts):
            end = starts[i + 1].start() if i + 1 < len(starts) else len(code)
            yield here.group(1), OPTION.findall(code[here.end():end])


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_command_and_option_the_docs_write_exists(page):
    wrong = []
    for name, flags in written_commands(page.read_text("utf-8")):
        command = cli.commands.get(name)
        if command is None:
            wrong.append(f"kb {name}: no such command")
            continue
        wrong += [f"kb {name} {flag}: no such option" for flag in flags
                  if flag not in options(command) | {"-h", "--help"}]
    assert wrong == [], f"{page.relative_to(ROOT)}: " + "; ".join(wrong)


def test_the_check_finds_a_wrong_option():
    found = list(written_commands("Run `kb serve --claims x` or\n\n    kb claims --colour red"))
    assert found == [("serve", ["--claims"]), ("claims", ["--colour"])]
    assert "--claims" not in options(cli.commands["serve"])


def test_built_cli_reference_shows_every_command_and_option(tmp_path):
    """mkdocs (strict) renders the reference from the click commands themselves."""
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(tmp_path)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    page = html.unescape((tmp_path / "cli" / "index.html").read_text("utf-8"))
    missing = [f"kb {name}" for name in cli.commands if f"kb {name} [OPTIONS]" not in page]
    missing += [f"kb {name} {flag}" for name, command in cli.commands.items()
                for flag in options(command) if flag not in page]
    assert missing == []
