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


# -- the lists the docs give are the code's lists ------------------------------------------------

def page_text(name: str) -> str:
    return (ROOT / "docs" / name).read_text("utf-8")


def choices(command: str, option: str) -> list[str]:
    """The values a click.Choice option of a kb command accepts, in order."""
    [param] = [p for p in cli.commands[command].params if option in p.opts]
    assert isinstance(param.type, click.Choice)
    return list(param.type.choices)


def after(text: str, prefix: str, pattern: str) -> str:
    """What pattern matches right after prefix in text (prefix must be there)."""
    match = re.search(re.escape(prefix) + pattern, text)
    assert match, f"{prefix!r} followed by {pattern!r} not found"
    return match.group(1)


def in_parentheses(text: str, prefix: str) -> list[str]:
    """The comma-separated words in the parentheses that follow prefix."""
    return [w.strip() for w in after(text, prefix, r" \(([^()]*)\)").split(",")]


def alternatives(text: str, prefix: str) -> list[str]:
    """The a|b|c that follows prefix."""
    return after(text, prefix, r"([a-z-]+(?:\|[a-z-]+)+)").split("|")


def test_docs_list_the_choices_the_cli_accepts():
    stores, claims_format = page_text("stores.md"), page_text("claims-format.md")
    assert alternatives(stores, "`--store ") == choices("claims", "--store")
    assert alternatives(stores, "`kb export --format ") == choices("export", "--format")
    assert alternatives(stores, "`kb findings [--kind ") == choices("findings", "--kind")
    assert in_parentheses(claims_format, "`verdict`") == choices("claims", "--verdict")


def test_docs_list_the_kinds_the_loader_accepts():
    from kb.model import BOUND_KINDS, ENTITY_KINDS
    from kb.tiers import DOCUMENT_KINDS

    text = page_text("claims-format.md")
    entities = text[text.index("**entities.yaml**"):]
    documents = text[text.index("`documents`:"):]
    assert in_parentheses(entities, "`kind`") == list(ENTITY_KINDS)
    assert in_parentheses(documents, "`kind`") == list(DOCUMENT_KINDS)
    bound_row = after(text, "| `bound` |", r"(.*)")
    assert re.findall(r"`([a-z-]+)`", bound_row) == list(BOUND_KINDS)


FIELDS_FILES = {"collection.yaml": "collection.yaml", "entities.yaml": "entities.yaml",
                "properties.yaml": "properties.yaml",
                "source.yaml": "sources/mini-article/source.yaml"}


@pytest.mark.parametrize("name", FIELDS_FILES)
def test_docs_list_the_fields_the_loader_accepts(name, mini):
    """The fields the claims format gives for a file are those the loader allows in it."""
    from kb.load import load_lenient

    path = mini / FIELDS_FILES[name]
    text = path.read_text("utf-8")
    first, rest = text.split("\n", 1)
    # An unknown field makes the loader name the allowed ones (in a list, in its first entry).
    path.write_text(f"{first}\n  zzzzzz: 1\n{rest}" if first.startswith("- ")
                    else f"zzzzzz: 1\n{text}", encoding="utf-8")
    _, problems = load_lenient(mini)
    [message] = [str(p) for p in problems if "unknown field 'zzzzzz'" in str(p)]
    allowed = sorted(message.split("allowed: ", 1)[1].split(", "))

    doc = page_text("claims-format.md")
    paragraph = doc[doc.index(f"**{name}**"):].split("\n\n", 1)[0]
    paragraph = paragraph.split(":", 1)[1]  # after "**NAME** (list):"
    while re.search(r"\([^()]*\)", paragraph):  # what parentheses hold describes a field
        paragraph = re.sub(r"\([^()]*\)", "", paragraph)
    assert sorted(re.findall(r"`([a-z0-9_]+)`", paragraph)) == allowed
