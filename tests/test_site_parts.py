"""The site's parts on their own: figures, the annotated text, charts, JSON in scripts, Pagefind
canonicalisation, the build date and the preview server."""

from __future__ import annotations

import gzip
import json
import socket
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import FIXTURES
from helpers import run_kb, serving

from kb.charts import Bar, Count, bar_chart, interval_chart
from kb.claimdata import feed_element, feed_frame, script_json
from kb.errors import UsageError
from kb.figures import FIGURE_PROPS, display, quantity_text
from kb.load import load
from kb.pages import annotate
from kb.render import _TemplateCache, build_date, write_feed
from kb.reuse import Previous
from kb.searchindex import _MAGIC, _decode, _encode, _Map, canonicalise
from kb.serve import ServeError, make_server


@pytest.mark.parametrize("value,unit,text", [
    ("81462e6", "USD", "81.462 billion USD"),
    ("2.6e12", "CNY", "2.6 trillion CNY"),
    ("3000", "count", "3,000"),
    ("5e6", "count", "5 million"),
    ("0.0375", "ratio", "0.0375 ×"),
    ("-12.5", "percent", "−12.5 %"),  # a true minus sign (issue 14)
    ("1.1e18", "FLOPS", "1.1 EFLOPS"),
    ("312e12", "FLOPS", "312 TFLOPS"),
    ("5e15", "USD", "5 × 10¹⁵ USD"),
    ("1500", "t", "1,500 t"),
    ("176e8", "USD", "17.6 billion USD"),
    ("2026", "year", "2026"),
    ("5", "year", "5 years"),
    ("1", "year", "1 year"),
    ("2.5", "year", "2.5 years"),
])
def test_amounts_are_written_exactly(value, unit, text):
    assert quantity_text(Decimal(value), unit) == text


def test_figures_of_each_style():
    assert display(FIGURE_PROPS["kb:confidence"], "0.97") == "97%"  # chance the claim is true
    assert display(FIGURE_PROPS["kb:verdict"], "mostly-accurate") == "Mostly accurate"
    assert display(FIGURE_PROPS["kb:holds"], "false") == "does not hold"
    # computed values (interval ends, factors) are shown to 3 significant digits (issue 14)
    assert display(FIGURE_PROPS["kb:factorLow"], "1.16372391653290529") == "1.16 ×"
    assert display(FIGURE_PROPS["kb:leftUpper"], "123456789012.5", "USD") == \
        "123 billion USD"


def _shape(segments):
    out = []
    for s in segments:
        if s.claim or s.ignored:
            name = s.claim if s.claim else "ignored"
            out.append((name, s.part, s.last, _shape(s.children)))
        else:
            out.append(s.text)
    return out


def test_annotate_nests_contained_marks_and_splits_crossing_ones():
    text = "0123456789"
    spans = [(1, 5, "a", None), (2, 4, "b", None), (4, 8, "c", None), (9, 10, None, "m")]
    assert _shape(annotate(text, spans)) == [
        "0",
        ("a", False, True, ["1", ("b", False, True, ["23"]), ("c", True, False, ["4"])]),
        ("c", True, True, ["567"]),
        "8",
        ("ignored", False, True, ["9"]),
    ]


def test_annotate_keeps_every_character_once():
    text = "特斯拉总营收 814.62 亿好意思元,比亚迪"
    spans = [(3, 19, "x", None), (8, 14, "y", None)]

    def flat(segments):
        return "".join(s.text if not (s.claim or s.ignored) else flat(s.children)
                       for s in segments)

    assert flat(annotate(text, spans)) == text


def test_interval_chart_uses_a_log_axis_across_orders_of_magnitude():
    wide = interval_chart([Bar("Claim", 6e11, float("inf"), 6e11, "claim", "c"),
                           Bar("Evidence 1", 8e8, 9e8, 8.6e8, "evidence", "e")], "USD", "w")
    assert "USD, log scale" in wide and "1 billion" in wide
    assert 'class="open-end"' in wide  # the unbounded end is an arrowhead
    narrow = interval_chart([Bar("Claim", 81.4615e9, 81.4625e9, 81.462e9, "claim", "c"),
                             Bar("Evidence 1", 81.4615e9, 81.4625e9, 81.462e9, "evidence", "e")],
                            "USD", "n")
    assert "log scale" not in narrow
    assert "81.462 billion" in narrow and "81.4615 billion" in narrow


def test_charts_escape_their_labels_and_carry_counts():
    svg = bar_chart([Count("x", '<b>"x"</b>', 3, "entity")], "entity", "Claims & <more>")
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "Claims &amp; &lt;more&gt;" in svg
    assert 'id="count-entity-x"' in svg and ">3</text>" in svg


def test_script_json_cannot_end_its_script():
    value = {"q": '</script><script>alert("x")</script> & <!--'}
    text = str(script_json(value))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == value


def test_cbor_round_trips_pagefind_values():
    value = ["1.5.2", [["zh_d4c572d", 273], ["zh_x", 24], ["a", 70000]],
             _Map([("k", True), ("n", None), ("neg", -5)]), [b"\x00\x01", "中文"]]
    raw = _encode(value)
    assert _decode(raw, 0) == (value, len(raw))


def test_canonicalise_sorts_filters_and_renames_by_content(tmp_path):
    index = tmp_path / "pagefind"
    (index / "filter").mkdir(parents=True)

    def write(path: Path, value) -> None:
        path.write_bytes(gzip.compress(_MAGIC + _encode(value)))

    outputs = []
    for order in ([["Tesla", [2, 3]], ["BYD", [1, 4]]], [["BYD", [1, 4]], ["Tesla", [2, 3]]]):
        for f in index.rglob("*"):
            if f.is_file():
                f.unlink()
        write(index / "filter" / "zh_old.pf_filter", ["entity", order])
        write(index / "pagefind.zh_meta.pf_meta", ["1.5.2", [], [], [["entity", "zh_old"]], [],
                                                    ["title"]])
        (index / "pagefind-entry.json").write_text(json.dumps(
            {"version": "1.5.2", "languages": {"zh": {"hash": "zh_meta", "page_count": 4}}}))
        canonicalise(index)
        outputs.append({p.relative_to(index).as_posix(): p.read_bytes()
                        for p in sorted(index.rglob("*")) if p.is_file()})
    assert outputs[0] == outputs[1]
    [filter_file] = [p for p in outputs[0] if p.startswith("filter/")]
    data = gzip.decompress(outputs[0][filter_file])[len(_MAGIC):]
    assert _decode(data, 0)[0] == ["entity", [["BYD", [1, 4]], ["Tesla", [2, 3]]]]


def test_compiled_templates_are_kept_but_never_stand_for_an_edited_or_lost_one(tmp_path):
    """The cache of compiled templates only saves time: an edited template renders as edited,
    a damaged cache file as if it were not there, and a cache that cannot be written is no
    error."""
    from jinja2 import DictLoader, Environment

    folder = tmp_path / "cache"
    folder.mkdir()

    def rendered(source: str) -> str:
        env = Environment(loader=DictLoader({"page.html": source}),
                          bytecode_cache=_TemplateCache(str(folder)))
        return env.get_template("page.html").render(x=1)

    assert rendered("a {{ x }}") == "a 1"
    [kept] = folder.iterdir()
    assert rendered("a {{ x }}") == "a 1"
    assert rendered("b {{ x }}") == "b 1"  # the same name, edited
    kept.write_bytes(b"not compiled code")
    assert rendered("c {{ x }}") == "c 1"
    for file in folder.iterdir():
        file.unlink()
    folder.rmdir()  # jinja2 writes each file beside its name: now it cannot
    assert rendered("d {{ x }}") == "d 1"


def test_build_date_is_the_newest_review_unless_source_date_epoch_says():
    c = load(FIXTURES / "mini")
    assert build_date(c, {}) == "2026-11-28"
    assert build_date(c, {"SOURCE_DATE_EPOCH": "0"}) == "1970-01-01"
    with pytest.raises(UsageError, match="SOURCE_DATE_EPOCH='-1' is negative"):
        build_date(c, {"SOURCE_DATE_EPOCH": "-1"})


def test_preview_server_serves_the_site_with_its_media_types(tmp_path):
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>x</title>", encoding="utf-8")
    (tmp_path / "claim.jsonld").write_text("{}", encoding="utf-8")
    with serving(make_server(tmp_path, port=0, quiet=True)) as server:
        assert server.url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(server.url) as r:
            assert r.headers["Content-Type"] == "text/html; charset=utf-8"
            assert b"<title>x</title>" in r.read()
        with urllib.request.urlopen(server.url + "claim.jsonld") as r:
            assert r.headers["Content-Type"] == "application/ld+json"


def test_serve_without_a_built_site_says_what_to_do(tmp_path):
    result = run_kb("serve", "--site", str(tmp_path / "nothing"))
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: {tmp_path / 'nothing'}: no built site here; run "
                                     "kb build first, or pass --site DIR")


def test_serve_on_a_busy_port_says_what_to_do(tmp_path):
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>x</title>", encoding="utf-8")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ServeError, match=f"cannot listen on 127.0.0.1:{port}: .*; pass "
                           r"--port N \(0 picks a free port\)"):
            make_server(tmp_path, port=port)


class _Html:
    def __html__(self) -> str:
        return "<b>safe</b>"


@pytest.mark.parametrize("value", [
    "plain", "<a href=\"x\">Tom & Jerry's</a>", "", "特斯拉 “quoted”", 5, Decimal("1.50"),
    None, _Html(), __import__("markupsafe").Markup("<i>kept</i>"),
])
def test_pages_escape_every_value_as_markupsafe_does(value):
    from markupsafe import Markup, escape

    from kb.render import _escape

    got = _escape(value)
    assert type(got) is Markup and got == escape(value), (got, escape(value))


def test_a_figure_is_written_as_the_fig_macro_wrote_it():
    from kb.pages import Figure
    from kb.render import environment, figure_html

    f = Figure('https://kb.example.org/claim/a"b', "kb:confidence", "0.5", "50% <about>")
    macro = environment().from_string(
        '{% macro fig(f, filter=None) %}<data class="fig" value="{{ f.value }}" data-node="'
        '{{ f.node }}" data-prop="{{ f.prop }}"{% if filter %} data-pagefind-filter="'
        '{{ filter }}"{% endif %}>{{ f.text }}</data>{% endmacro %}'
        '{{ fig(f) }}|{{ fig(f, "verdict") }}|{{ fig(f, None) }}')
    ours = environment().from_string('{{ fig(f) }}|{{ fig(f, "verdict") }}|{{ fig(f, None) }}')
    assert ours.render(f=f, fig=figure_html) == macro.render(f=f)


# The macros kb.render writes as functions, as macros.html wrote them.
_OLD_MACROS = (
    '{% set fig = figure_html %}'
    '{% macro verdict(cv, filter=False) %}<span class="verdict v-{{ cv.verdict }}"><span '
    'class="verdict-icon" aria-hidden="true">{{ icons[cv.verdict] }}</span> {{ fig('
    'cv.verdict_fig, "verdict" if filter else None) }}</span> <a class="method-link" href="'
    '{{ root }}method/#{{ cv.verdict }}">what this means</a>{% endmacro %}'
    '{% macro claim_link(cv) %}<a href="{{ root }}{{ cv.url }}">{% if cv.corrected %}“'
    '{{ cv.claim.statement | prose }}”{% else %}{{ cv.claim.statement | prose }}{% endif %}'
    '</a>{% endmacro %}'
    '{% macro entity_link(e, filter=False) %}<a href="{{ root }}entity/{{ e.id }}/"{% if '
    'filter %} data-pagefind-filter="entity"{% endif %}>{{ e.label("en") }}</a>{% endmacro %}'
    '{% macro quantity(q) %}{% if q.bound == "range" and q.lower and q.upper %}<span '
    'class="range">{{ fig(q.lower) }} to {{ fig(q.upper) }}</span>{% else %}{{ fig(q.amount) }}'
    '{% if q.bound != "exact" %} <span class="bound">({{ q.bound_text }})</span>{% endif %}'
    '{% endif %}{% endmacro %}')
_CALLS = ('{{ verdict(cv) }}|{{ verdict(cv, filter=True) }}|{{ claim_link(cv) }}|'
          '{{ entity_link(e) }}|{{ entity_link(e, filter=True) }}|{{ quantity(q) }}')


@pytest.mark.parametrize("verdict,corrected,bound", [
    ("inaccurate", True, "exact"), ("accurate", False, "range"), ("misleading", True, "at-least"),
])
def test_the_macros_written_as_functions_write_what_the_macros_wrote(verdict, corrected, bound):
    from types import SimpleNamespace as NS

    from kb.pages import Figure, QuantityView
    from kb.render import environment

    def fig(text: str) -> Figure:
        return Figure('https://kb.example.org/claim/a"b', "kb:amount", "1e3", text)

    statement = 'Revenue <b>&</b> "growth" of -10^3 %'
    cv = NS(verdict=verdict, verdict_fig=fig("Inaccurate <x>"), corrected=corrected,
            url='claim/a"b/', claim=NS(statement=statement))
    e = NS(id="tesla&co", label=lambda lang: f"Tesla <{lang}>")
    q = QuantityView(fig("1 <k>"), fig("1"), fig("2") if bound == "range" else None, None,
                     "USD", bound, "at least <this>", "2024")
    ours = environment().from_string('{% import "macros.html" as m with context %}' +
                                     _CALLS.replace("{{ ", "{{ m."))
    theirs = environment().from_string(_OLD_MACROS + _CALLS)
    values = {"cv": cv, "e": e, "q": q, "root": '../"x/'}
    assert ours.render(**values) == theirs.render(**values)


def test_templates_still_give_a_function_marked_pass_context_its_context():
    """kb.render's template context calls macros and plain functions at once; one marked
    pass_context must still get the context, also inside a loop."""
    from jinja2 import pass_context

    from kb.render import environment

    @pass_context
    def who(context) -> str:
        return context["name"]

    template = environment().from_string(
        "{% macro m(x) %}<{{ x }}>{% endmacro %}"
        "{% for i in [1] %}{{ m(i) }}{{ who() }}{{ plain(i) }}{% endfor %}{{ who() }}")
    assert template.render(name="kb", who=who, plain=lambda i: i + 1) == "<1>kb2kb"


def test_the_feed_is_written_as_json_indents_it_one_review_at_a_time(seed, tmp_path):
    """The ClaimReview feed is written review by review: it must still be exactly what
    json.dumps(..., indent=1) writes of the whole feed, empty or not."""
    c = load(seed)
    claims = sorted(c.claims.values(), key=lambda cl: cl.id)
    for some in ([], claims[:1], claims):
        items = [(cl.id, lambda cl=cl: feed_element(c, cl)) for cl in some]
        size, _ = write_feed(tmp_path / "feed.json", feed_frame(c, "2026-01-02"), items,
                             Previous())
        text = (tmp_path / "feed.json").read_text("utf-8")
        assert size == len(text.encode("utf-8"))
        feed = json.loads(text)
        whole = json.dumps(feed, ensure_ascii=False, indent=1) + "\n"
        assert text == whole, f"{len(some)} claims: differs at {_first_difference(text, whole)}"
        assert [r["url"] for r in feed["dataFeedElement"]] == \
            [f"{c.config.site_url}claim/{cl.id}/" for cl in some]
        assert feed["dateModified"] == "2026-01-02"


def _first_difference(a: str, b: str) -> str:
    pairs = enumerate(zip(a, b, strict=False))  # the shorter one's length, if one is a prefix
    at = next((i for i, (x, y) in pairs if x != y), min(len(a), len(b)))
    return f"character {at}: {a[at - 40:at + 40]!r} against {b[at - 40:at + 40]!r}"
