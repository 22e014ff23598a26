"""The kb command line: a thin click layer over the library. Heavy imports happen per command."""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path

import click

DEFAULT_CLAIMS = "claims"
DEFAULT_OUT = "_site"


def claims_option(func):
    """The shared --claims option: the claims folder to read."""
    return click.option(
        "--claims", "claims_dir", default=lambda: os.environ.get("KB_CLAIMS", DEFAULT_CLAIMS),
        show_default="claims (or $KB_CLAIMS)", type=click.Path(file_okay=False, path_type=Path),
        help="The claims folder.",
    )(func)


def domain_errors(func):
    """Turn domain exceptions into one clear line and exit status 1, never a traceback."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from .errors import KbError, LoadError

        try:
            return func(*args, **kwargs)
        except LoadError as exc:
            for problem in exc.problems:
                click.echo(str(problem))
            raise SystemExit(1) from None
        except KbError as exc:
            problems = getattr(exc, "problems", None)
            for problem in problems or ():
                click.echo(str(problem))
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            raise click.ClickException(f"{exc.filename or ''}: {exc.strerror or exc}") from None

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kb")
def cli():
    """kb: a fact-checked knowledge base of numeric claims.

    Record every numeric claim of an article as RDF with its source anchor and confidence,
    check it against evidence and against the other claims, and publish the result.
    """


# ---------------------------------------------------------------- checking (issues 2, 4, 5)


@cli.command()
@claims_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@domain_errors
def check(claims_dir: Path, as_json: bool):
    """Check the knowledge base; exit 1 if it has errors.

    Each error is printed on one line as FILE:LINE: KIND ID: what is wrong; how to fix it.
    """
    from .pipeline import check as run_check

    report = run_check(claims_dir).report
    if as_json:
        click.echo(json.dumps({"errors": [p.as_dict() for p in report.errors],
                               "ok": report.ok}, ensure_ascii=False, indent=2))
    else:
        for problem in report.errors:
            click.echo(str(problem))
        summary = "no errors" if report.ok else f"{len(report.errors)} error(s)"
        click.echo(f"kb check: {summary}", err=True)
    sys.exit(0 if report.ok else 1)


# ---------------------------------------------------------------- export and build (issues 2, 5)


@cli.command()
@claims_option
@click.option("--format", "fmt", type=click.Choice(["trig", "turtle", "nquads", "jsonld", "csv"]),
              default="trig", show_default=True, help="Serialisation to write.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to FILE (atomically) instead of standard output.")
@domain_errors
def export(claims_dir: Path, fmt: str, output: Path | None):
    """Export the whole knowledge base in one format."""
    from .atomic import write_file
    from .build import CheckFailed
    from .export import serialize
    from .pipeline import check as run_check

    checked = run_check(claims_dir)
    if checked.report.errors:
        raise CheckFailed(checked.report.errors)
    text = serialize(checked.collection, checked.dataset, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_file(output, text)
        click.echo(f"wrote {output}", err=True)


@cli.command()
@claims_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT,
              show_default=True, help="Output folder; replaced atomically.")
@domain_errors
def build(claims_dir: Path, out: Path):
    """Load, graph and check the claims, then write the site and open data to --out."""
    from .build import build as run_build

    result = run_build(claims_dir, out)
    click.echo(f"built {out}: {len(result.files)} files", err=True)


# ---------------------------------------------------------------- site (issue 5)


# ---------------------------------------------------------------- queries and stores (issue 6)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="kb")
