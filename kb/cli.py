"""The kb command line: a thin click layer over the library.

The modules that import rdflib, pyoxigraph, YAML, jinja2 or an http server (the pipeline, the
stores, the build, kb serve) are imported inside the commands that use them, so that `kb --help`
and a query on a fresh store start in milliseconds; tests/test_store.py checks what they load.
So are the listings (and through them the stores), which kb check does not use: they were 15 ms
of its start (docs/benchmarks.md). Everything else is imported here.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from .atomic import write_file
from .choices import EXPORT_FORMATS, LISTING_FORMATS, SORT_KEYS, STORE_KINDS
from .errors import KbError, LoadError, ProblemsError, UsageError, quoted
from .findings import KINDS as FINDING_KINDS
from .output import claim_text, format_listing, json_text, triples_text
from .queries import Iri, Lit, boolean, decimal
from .timing import peak_rss_mb, reset, stages
from .verdicts import VERDICTS

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
        try:
            return func(*args, **kwargs)
        except KbError as exc:
            for problem in exc.problems if isinstance(exc, ProblemsError) else ():
                click.echo(str(problem))
            if isinstance(exc, LoadError):  # its problems are the whole message
                raise SystemExit(1) from None
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from None

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kb")
def cli():
    """kb: a fact-checked knowledge base of numeric claims.

    Record every numeric claim of an article as RDF with its source anchor and confidence,
    check it against evidence and against the other claims, and publish the result.
    """


# ---------------------------------------------------------------- checking


@cli.command()
@claims_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--site", "site_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Also check a built site (e.g. _site) against the knowledge base.")
@click.option("--strict", is_flag=True, help="Exit 1 also when there are findings.")
@click.option("--all", "show_all", is_flag=True,
              help="Also list the relations that hold (they are always in --json).")
@domain_errors
def check(claims_dir: Path, as_json: bool, site_dir: Path | None, strict: bool,
          show_all: bool):
    """Check the knowledge base; exit 1 if it has errors (with --strict, also findings).

    Each error is printed on one line as FILE:LINE: KIND ID: what is wrong; how to fix it.
    Then each finding (a relation that does not hold, a contradiction, a claim its evidence
    refutes) as: finding KIND ID: what was found.
    With --site DIR, each way the built site differs from the knowledge base is printed as
    DIR/PAGE: what differs.
    """
    from .pipeline import check as run_check

    checked = run_check(claims_dir)
    report = checked.report
    site_problems = _site_problems(checked, site_dir) if site_dir and report.ok else []
    failing = [f for f in report.findings if not f.holds]
    if as_json:
        # Imported here: without --json, kb check imports the consistency checks in its
        # forked child only (see kb.validate.start_checks).
        from .consistency import finding_record

        out = {"errors": [p.as_dict() for p in report.errors], "ok": report.ok,
               "findings": [finding_record(f) for f in report.findings]}
        if site_dir:
            out["site"] = [p.as_dict() for p in site_problems]
            out["ok"] = report.ok and not site_problems
        click.echo(json_text(out), nl=False)
    else:
        for problem in report.errors:
            click.echo(str(problem))
        for problem in site_problems:
            click.echo(f"{site_dir}/{problem}")
        for f in report.findings if show_all else failing:
            click.echo(f"finding {f.kind} {f.id}: {f.message}")
        summary = "no errors" if report.ok else f"{len(report.errors)} error(s)"
        summary += f", {len(failing)} finding(s)"
        if site_dir:
            summary += (f"; site {site_dir} not checked (fix the errors first)" if not report.ok
                        else f"; site {site_dir}: " + (f"{len(site_problems)} problem(s)"
                                                       if site_problems else "consistent"))
        click.echo(f"kb check: {summary}", err=True)
    sys.exit(0 if report.ok and not site_problems and not (strict and failing) else 1)


def _site_problems(checked, site_dir: Path) -> list:
    from .siteverify import verify_site

    return verify_site(checked, site_dir)


@cli.command()
@claims_option
@click.argument("target", metavar="SOURCE-ID-or-FILE")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of mentions.")
@click.option("--uncovered", is_flag=True,
              help="Only the mentions that no claim or ignored mention covers.")
@domain_errors
def mentions(claims_dir: Path, target: str, as_json: bool, uncovered: bool):
    """List the numeric mentions of a source (by id) or of a text file.

    Each mention comes with its line, its offsets in code points (num_start/num_end: the
    number itself, which a claim's quote or an ignored mention must cover; start/end: with
    its bound and unit words), value, unit, bound and, for a source, what covers it.
    """
    from .consistency import MENTION_FIELDS, MENTION_TABLE, mentions_of
    from .listings import Listing

    try:
        rows, is_source = mentions_of(claims_dir, target)
    except UsageError as exc:
        raise click.BadParameter(str(exc), param_hint="SOURCE-ID-or-FILE") from None
    if uncovered:
        rows = [r for r in rows if not r["covered_by"]]
    if as_json:
        click.echo(json_text(rows), nl=False)
        return
    columns = MENTION_TABLE if is_source else MENTION_TABLE[:-1]
    listing = Listing("mentions", MENTION_FIELDS, rows, columns)
    click.echo(format_listing(listing, "table"), nl=False)
    click.echo(f"kb mentions: {len(rows)} mention(s)", err=True)


@cli.command()
@claims_option
@click.argument("target", metavar="FILE-or-SOURCE-ID")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: the normalised text and the offset map back to the raw text.")
@click.option("--keep-brands", is_flag=True,
              help="Keep brand strings injected into spun pages (deleted by default).")
@domain_errors
def normalize(claims_dir: Path, target: str, as_json: bool, keep_brands: bool):
    """Print the de-spun text of a file or a source (东谈主 → 人, 好意思元 → 美元 …).

    The lexicon is kb/data/despin.yaml. With --json, each swap is listed with its raw and
    normalised offsets (code points, end exclusive); text between swaps is unchanged.
    """
    from .consistency import read_target_text
    from .despin import normalise

    try:
        raw = read_target_text(claims_dir, target)
    except UsageError as exc:
        raise click.BadParameter(str(exc), param_hint="FILE-or-SOURCE-ID") from None
    norm = normalise(raw, delete=not keep_brands)
    if as_json:
        click.echo(json_text({"text": norm.text, "swaps": norm.offset_map()}), nl=False)
    else:
        click.echo(norm.text, nl=False)
    click.echo(f"kb normalize: {len(norm.swaps)} swap(s)", err=True)


@cli.command("new")
@claims_option
@click.argument("text_file", metavar="SOURCE.txt",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "source_id", required=True, metavar="SLUG",
              help="The new source's id (lowercase letters, digits, single hyphens).")
@click.option("--title", help="The article's title.")
@click.option("--date", "published", metavar="DATE",
              help="When it was published: 2025-10-24 or 2025-10-24T03:14:00.")
@click.option("--url", help="Where it was published (http:// or https://).")
@click.option("--publisher", help="Who published it.")
@click.option("--language", help="The text's language tag (en, zh, pt-BR); by default read "
              "from its script: zh, ja, ko, or en for English prose.")
@domain_errors
def new_source_command(claims_dir: Path, text_file: Path, source_id: str, title, published,
                       url, publisher, language):
    """Start a new source from SOURCE.txt: its text, source.yaml, one draft claim per numeric
    mention, and ignored.yaml for the look-alikes (model numbers, index names), with reasons.

    Writes claims/sources/SLUG/ whole or not at all and never overwrites a source. `kb check`
    reports each draft claim until a reviewer completes it (docs/mentions.md).
    """
    from .newsource import SourceInfo, new_source

    made = new_source(claims_dir, source_id, text_file,
                      SourceInfo(title, publisher, url, published, language))
    how = " (read from the text; pass --language to set it)" if made.language_guessed else ""
    click.echo(f"kb new: wrote {made.folder}: {made.drafts} draft claim(s), {made.ignored} "
               f"ignored mention(s); language {made.language}{how}")


# ---------------------------------------------------------------- export and build


@cli.command()
@claims_option
@click.option("--format", "fmt", type=click.Choice(tuple(EXPORT_FORMATS)),
              default="trig", show_default=True, help="Serialisation to write.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to FILE (atomically) instead of standard output.")
@domain_errors
def export(claims_dir: Path, fmt: str, output: Path | None):
    """Export the whole knowledge base in one format."""
    from .build import CheckFailed
    from .export import serialize
    from .pipeline import check as run_check

    checked = run_check(claims_dir)
    if checked.report.errors:
        raise CheckFailed(checked.report.errors)
    text = serialize(checked.collection, checked.graph, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_file(output, text)
        click.echo(f"wrote {output}", err=True)


@cli.command()
@claims_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT,
              show_default=True, help="Output folder; replaced atomically.")
@click.option("--timings", type=click.Path(dir_okay=False, path_type=Path),
              help="Write each stage's wall time and peak memory to FILE as JSON.")
@click.option("--allow-removals", is_flag=True,
              help="Publish the site even if claims that --out publishes are gone.")
@domain_errors
def build(claims_dir: Path, out: Path, timings: Path | None, allow_removals: bool):
    """Load, graph and check the claims, then write the site and open data to --out.

    Claims the previous site published and the claims folder no longer has are listed, and
    the site is published without them only with --allow-removals.
    """
    from .build import build as run_build

    reset()
    start = time.perf_counter()
    try:
        result = run_build(claims_dir, out, allow_removals)
    finally:
        if timings is not None:
            _write_timings(timings, time.perf_counter() - start)
    if result.removed:
        _note(f"build: removed {len(result.removed)} claim(s) since the last build: "
              + ", ".join(result.removed))
    pages = sum(1 for name in result.files if name.endswith(".html"))
    click.echo(f"built {out}: {pages} pages, {len(result.files)} files, checked against the "
               "knowledge base", err=True)


def _write_timings(path: Path, total: float) -> None:

    write_file(path, json_text({"stages": stages(), "total_seconds": round(total, 3),
                                "peak_rss_mb": peak_rss_mb()}))


# ---------------------------------------------------------------- site


@cli.command()
@click.option("--site", "site_dir", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_OUT, show_default=True, help="The built site to serve.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0 picks a free one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; the default keeps the preview on this machine.")
@domain_errors
def serve(site_dir: Path, port: int, host: str):
    """Serve the built site over http for a local preview; Ctrl-C stops it."""
    from .serve import make_server

    server = make_server(site_dir, host, port)
    click.echo(f"serving {site_dir} at {server.url} (Ctrl-C to stop)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.server_close()


# ---------------------------------------------------------------- queries and stores


def store_options(func):
    """The shared --claims, --store and --endpoint options: which store answers."""
    func = click.option(
        "--endpoint", metavar="URL", envvar="KB_ENDPOINT",
        help="Read from this SPARQL endpoint (implies --store sparql; or $KB_ENDPOINT).")(func)
    func = click.option(
        "--store", "store_kind", type=click.Choice(STORE_KINDS), envvar="KB_STORE",
        help="Where queries run (default: 'store' in collection.yaml, or $KB_STORE).")(func)
    return claims_option(func)


def output_options(func):
    """The shared --table/--json/--nl/--csv options: how a listing is printed."""
    for flag, text in reversed(LISTING_FORMATS.items()):
        func = click.option(f"--{flag}", "fmt", flag_value=flag, help=text)(func)
    return func


def _open_store(claims_dir: Path, store_kind: str | None, endpoint: str | None):
    """Open the chosen store, saying on stderr when it is rebuilt or the claims have errors."""
    from .connect import open_kb

    store = open_kb(claims_dir, store_kind, endpoint, notify=_note)
    if store.problem_count:
        _note(f"warning: {store.problem_count} entr{'y' if store.problem_count == 1 else 'ies'}"
              f" of {claims_dir} could not be loaded and are left out; run kb check")
    return store


def _note(message: str) -> None:
    click.echo(f"kb: {message}", err=True)


def _emit(listing, fmt: str | None, command: str, empty: str) -> None:
    """Print a listing; an empty one says so on stderr and exits 1 (like grep)."""

    fmt = fmt or ("table" if sys.stdout.isatty() else "nl")
    if not listing.rows:
        if fmt == "json":
            click.echo("[]")
        click.echo(f"kb {command}: {empty}", err=True)
        sys.exit(1)
    click.echo(format_listing(listing, fmt), nl=False)


def _decimal_in_unit_range(ctx, param, value):
    """A confidence bound: a number in [0, 1], kept exact as a Decimal."""
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not 0 <= number <= 1:
        raise click.BadParameter(f"{quoted(value)} is not a number in [0, 1]")
    return number


def _time_range(ctx, param, value):
    """A date or period (2022, 2025-06, 2025-06-30 or START/END) as (first day, last day)."""
    if value is None:
        return None
    # Here, not at the top: kb.model makes a dozen dataclasses (10 ms) that only --time needs.
    from .model import parse_time_text

    try:
        spec = parse_time_text(value, "period")
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return spec.start, spec.end


def _sort_key(ctx, param, value):
    if value.removeprefix("-") not in SORT_KEYS:
        raise click.BadParameter(f"{quoted(value)} is not one of {', '.join(SORT_KEYS)} "
                                 "(prefix '-' to sort descending)")
    return value


def _unknown_filter(exc) -> click.BadParameter:
    return click.BadParameter(str(exc), param_hint=f"'{exc.option}'")


@cli.command()
@click.argument("sparql")
@click.option("-p", "--param", "params", nargs=2, multiple=True, metavar="NAME VALUE",
              help="Bind ?NAME to VALUE: <iri>, a number, true, false or text. Repeatable.")
@click.option("--allow-service", is_flag=True,
              help="Run a query with SERVICE clauses, which send requests to other servers.")
@store_options
@output_options
@domain_errors
def query(sparql: str, params, allow_service: bool, claims_dir: Path, store_kind, endpoint,
          fmt):
    """Run a SPARQL query: SELECT, ASK or CONSTRUCT, as text or @FILE.rq (@- reads stdin).

    The default graph is the union of the collection's named graphs. CONSTRUCT prints sorted
    N-Triples. A federated query (SERVICE) runs only with --allow-service.
    """
    from .listings import query as run_query

    text = _query_text(sparql)
    bindings = {name: _param_term(name, value) for name, value in params}
    answer = run_query(_open_store(claims_dir, store_kind, endpoint), text, bindings,
                       allow_service)
    if getattr(answer, "form", "select") == "ask":
        click.echo(json_text({"boolean": answer.boolean}) if fmt == "json"
                   else ("true" if answer.boolean else "false"), nl=fmt != "json")
    elif getattr(answer, "form", "select") == "construct":
        if not answer.triples:
            _note("query: the query constructed no triples")
            sys.exit(1)
        click.echo(triples_text(answer.triples), nl=False)
    else:
        _emit(answer, fmt, "query", "no results")


def _query_text(sparql: str) -> str:
    """The query itself, or the contents of @FILE (@- for standard input)."""
    if not sparql.startswith("@"):
        return sparql
    name = sparql[1:]
    try:
        if name == "-":
            return sys.stdin.read()
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise click.BadParameter(f"cannot read {name}: {reason}",
                                 param_hint="'SPARQL'") from None


def _param_term(name: str, value: str):
    """A --param value as an RDF term: <iri>, integer, decimal, true/false, else a string."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise click.BadParameter(f"'{name}' is not a variable name", param_hint="'--param'")
    if value.startswith("<") and value.endswith(">"):
        term = Iri(value[1:-1])
        try:
            term.n3()
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--param'") from None
        return term
    if re.fullmatch(r"[+-]?\d+", value):
        return Lit(str(int(value)), "http://www.w3.org/2001/XMLSchema#integer")
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+)", value):
        return decimal(value)
    if value in ("true", "false"):
        return boolean(value == "true")
    return Lit(value)


@cli.command()
@click.option("--subject", metavar="ENTITY", help="Only claims about this entity id.")
@click.option("--property", "prop", metavar="PROPERTY", help="Only claims of this property id.")
@click.option("--verdict", type=click.Choice(VERDICTS),
              help="Only claims with this verdict.")
@click.option("--min-confidence", callback=_decimal_in_unit_range, metavar="X",
              help="Only claims with confidence >= X.")
@click.option("--max-confidence", callback=_decimal_in_unit_range, metavar="X",
              help="Only claims with confidence <= X.")
@click.option("--source", metavar="SOURCE", help="Only claims made by this source id.")
@click.option("--has-finding", is_flag=True,
              help="Only claims involved in a finding (a relation that fails, a "
                   "contradiction, a conflict with evidence).")
@click.option("--time", "time_range", callback=_time_range, metavar="WHEN",
              help="Only claims whose time overlaps WHEN: 2022, 2025-06, 2025-06-30 or "
                   "START/END.")
@click.option("--sort", default="id", show_default=True, callback=_sort_key, metavar="KEY",
              help=f"Sort by {', '.join(SORT_KEYS)}; prefix '-' to sort descending.")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="Show at most N claims.")
@store_options
@output_options
@domain_errors
def claims(subject, prop, verdict, min_confidence, max_confidence, source, has_finding,
           time_range, sort, limit, claims_dir: Path, store_kind, endpoint, fmt):
    """List claims, filtered and sorted."""
    from .claimindex import index_of
    from .listings import ClaimFilter, UnknownId
    from .listings import claims as list_claims

    filters = ClaimFilter(subject=subject, property=prop, source=source, verdict=verdict,
                          min_confidence=min_confidence, max_confidence=max_confidence,
                          time=time_range, has_finding=has_finding)
    store = _open_store(claims_dir, store_kind, endpoint)
    try:
        listing = list_claims(store, filters, sort=sort, limit=limit, index=index_of(store))
    except UnknownId as exc:
        raise _unknown_filter(exc) from None
    _emit(listing, fmt, "claims", "no claims match these filters")


@cli.command()
@click.argument("claim_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the claim as JSON.")
@store_options
@domain_errors
def show(claim_id: str, as_json: bool, claims_dir: Path, store_kind, endpoint):
    """Show everything about one claim: the claim, its review, evidence, findings, relations."""
    from .listings import show as show_claim

    record = show_claim(_open_store(claims_dir, store_kind, endpoint), claim_id)
    click.echo(json_text(record) if as_json else claim_text(record), nl=False)


@cli.command()
@click.option("--lang", default="en", show_default=True,
              help="Language of the label shown (falls back to any label).")
@store_options
@output_options
@domain_errors
def entities(lang: str, claims_dir: Path, store_kind, endpoint, fmt):
    """List the entities claims are about, with how many claims concern each."""
    from .listings import entities as list_entities

    listing = list_entities(_open_store(claims_dir, store_kind, endpoint), lang)
    _emit(listing, fmt, "entities", "the knowledge base has no entities")


@cli.command()
@click.option("--kind", type=click.Choice(tuple(FINDING_KINDS)), help="Only findings of this kind.")
@click.option("--claim", "claim_id", metavar="ID", help="Only findings that involve this claim.")
@click.option("--all", "include_holding", is_flag=True,
              help="Include evaluated relations that hold.")
@store_options
@output_options
@domain_errors
def findings(kind, claim_id, include_holding: bool, claims_dir: Path, store_kind, endpoint,
             fmt):
    """List the findings: failed relations, contradictions and conflicts with evidence."""
    from .listings import UnknownId, check_ids
    from .listings import findings as list_findings

    store = _open_store(claims_dir, store_kind, endpoint)
    try:
        listing = list_findings(store, kind, claim_id, include_holding)
        if not listing.rows and claim_id:
            check_ids(store, [("--claim", "claim", claim_id)])
    except UnknownId as exc:
        raise _unknown_filter(exc) from None
    _emit(listing, fmt, "findings", "no findings" + (" match" if kind or claim_id else ""))


@cli.command()
@store_options
@output_options
@domain_errors
def stats(claims_dir: Path, store_kind, endpoint, fmt):
    """Count claims by verdict, entity and source, and the knowledge base's totals."""
    from .listings import stats as count

    _emit(count(_open_store(claims_dir, store_kind, endpoint)), fmt, "stats",
          "the knowledge base is empty")


@cli.command()
@claims_option
@click.option("--endpoint", metavar="URL", envvar="KB_ENDPOINT",
              help="The server's SPARQL endpoint (or $KB_ENDPOINT, or 'endpoint' in "
                   "collection.yaml).")
@click.option("--update-endpoint", metavar="URL",
              help="Its SPARQL Update endpoint, if not the same URL.")
@click.option("--graph-store", metavar="URL",
              help="Its Graph Store Protocol endpoint: replace each graph with one PUT "
                   "instead of SPARQL Update batches.")
@click.option("--graph", "graphs", metavar="IRI", multiple=True,
              help="Push only this named graph (repeatable; default: all, and drop the "
                   "server's graphs of sources since removed).")
@domain_errors
def push(claims_dir: Path, endpoint, update_endpoint, graph_store, graphs):
    """Check the knowledge base, then write each named graph to a SPARQL server.

    Each graph is replaced atomically: readers see the old graph or the new one, never a mix.
    """
    from .pipeline import check as run_check
    from .stores.memory import MemoryStore
    from .stores.sparql import SparqlStore
    from .stores.sparql import push as push_graphs

    checked = run_check(claims_dir)
    if checked.report.errors:
        for problem in checked.report.errors:
            click.echo(str(problem))
        raise click.ClickException(f"{len(checked.report.errors)} error(s); nothing was pushed")
    config = checked.collection.config
    endpoint = endpoint or config.endpoint
    if not endpoint:
        raise click.UsageError("kb push needs --endpoint URL (or $KB_ENDPOINT, or 'endpoint' "
                               "in collection.yaml)")
    source = MemoryStore(checked.dataset, config.base)
    target = SparqlStore(endpoint, update_endpoint, graph_store)
    done = push_graphs(source, target, list(graphs) or None, notify=_note)
    triples = sum(n for _, n in done.graphs)
    _note(f"pushed {len(done.graphs)} graph(s), {triples} triples, to {endpoint}")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="kb")
