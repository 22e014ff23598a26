"""A deterministic generator of synthetic claims collections, realistic and of any size.

Each source is a short Chinese business article: one claim per line ("2022 年比亚迪总营收
约 606.40 亿美元。"), its year covered by the claim's time phrase, a page-view counter listed in
ignored.yaml, and one relation between two of its money claims. Every (entity, property, year)
has one true value, quoted by an annual-report evidence statement; claims state it exactly
(accurate), nearly (mostly accurate), inflated (misleading, inaccurate) or with no evidence
(unverifiable), with confidences inside each verdict's band. Claims of different articles about
the same figure therefore agree or contradict one another as real ones do.

    python tests/benchmarks/generate.py DEST --claims 20000 [--seed 0]
    python tests/benchmarks/generate.py DEST --triples 1000000
    python tests/benchmarks/generate.py DEST --claims 4000 --one-figure

With --one-figure every claim states one figure (the first company's revenue in its first
year), truly: each pair of claims is about one quantity and none is a finding, the
consistency checks' pairs at their worst (bench.py --one-figure).

The same arguments always write the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import shutil
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

ENTITIES = [  # (id, English label, Chinese label, Wikidata id)
    ("tesla", "Tesla", "特斯拉", "Q478214"), ("byd", "BYD", "比亚迪", "Q31969"),
    ("nio", "NIO", "蔚来", "Q28046383"), ("xpeng", "XPeng", "小鹏汽车", "Q60793427"),
    ("li-auto", "Li Auto", "理想汽车", "Q87209346"), ("geely", "Geely", "吉利汽车", "Q739590"),
    ("catl", "CATL", "宁德时代", "Q23020590"), ("tsmc", "TSMC", "台积电", "Q713418"),
    ("nvidia", "Nvidia", "英伟达", "Q182477"), ("huawei", "Huawei", "华为", "Q160120"),
    ("xiaomi", "Xiaomi", "小米", "Q1336074"), ("spacex", "SpaceX", "太空探索技术公司", "Q193701"),
    ("apple", "Apple", "苹果公司", "Q312"), ("samsung", "Samsung Electronics", "三星电子",
                                             "Q20718"),
    ("toyota", "Toyota", "丰田汽车", "Q53268"), ("volkswagen", "Volkswagen", "大众汽车",
                                                  "Q246"),
]
EXTRA_ENTITY_NAMES = ("星辰", "远航", "蓝海", "恒达", "华光", "瑞丰", "天启", "云图")
# Made-up names take a syllable per letter of their number in base len(SYLLABLES): no digit or
# Chinese numeral, so the mention finder never reads a company name as a quantity.
SYLLABLES = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉"
# (id, English label, Chinese label, dimension, unit, scale word, scale, decimals, Wikidata)
PROPERTIES = [
    ("total-revenue", "total revenue", "总营收", "currency", "USD", "亿美元", 8, 2, "P2139"),
    ("net-income", "net income", "净利润", "currency", "USD", "亿美元", 8, 2, "P2295"),
    ("capital-expenditure", "capital expenditure", "资本开支", "currency", "CNY", "亿元", 8, 1,
     None),
    ("deliveries", "deliveries", "交付量", "count", "count", "万辆", 4, 1, None),
    ("employees", "employees", "员工人数", "count", "count", "万名", 4, 2, "P1128"),
    ("gross-margin", "gross margin", "毛利率", "ratio", "percent", "%", 0, 1, None),
]
VERDICTS = [  # (verdict, share, confidence, factor applied to the true value)
    ("accurate", 45, "0.92", Decimal(1)), ("mostly-accurate", 15, "0.72", Decimal("1.02")),
    ("unverifiable", 20, "0.5", Decimal("1.05")), ("misleading", 10, "0.35", Decimal("1.12")),
    ("inaccurate", 10, "0.08", Decimal("1.4")),
]
CLAIMS_PER_SOURCE = 40
YEARS = range(2015, 2025)
BASE = "https://kb.example.org/"


def entities(count: int) -> list[tuple[str, str, str, str | None]]:
    """The well-known entities, then made-up companies up to count."""
    out = [(i, en, zh, wd) for i, en, zh, wd in ENTITIES[:count]]
    for n in range(len(out), count):
        name = EXTRA_ENTITY_NAMES[n % len(EXTRA_ENTITY_NAMES)]
        out.append((f"company-{n}", f"Company {n}", f"{name}{letters(n)}公司", None))
    return out


def letters(n: int) -> str:
    """A number spelt in SYLLABLES (0 -> 甲, 21 -> 乙乙): unique, and free of numerals."""
    out = ""
    while True:
        n, r = divmod(n, len(SYLLABLES))
        out = SYLLABLES[r] + out
        if not n:
            return out


def true_value(entity: str, prop: tuple, year: int) -> Decimal:
    """The one true value of a figure, the same in every article and report."""
    digest = hashlib.sha256(f"{entity}/{prop[0]}/{year}".encode()).digest()
    r = int.from_bytes(digest[:8], "big") / 2**64
    low, high = {"currency": (20, 6000), "count": (1, 300), "ratio": (5, 45)}[prop[3]]
    return (Decimal(low) + Decimal(high - low) * Decimal(repr(r))).quantize(
        Decimal(1).scaleb(-prop[7]))


def stated(value: Decimal, decimals: int) -> Decimal:
    """A value as an article writes it, to a fixed number of decimals."""
    return value.quantize(Decimal(1).scaleb(-decimals))


def amount_text(number: Decimal, scale: int) -> str:
    """The YAML amount in base units, exact: 606.40 亿 -> 60640000000."""
    value = number.scaleb(scale)
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def precision_text(decimals: int, scale: int) -> str:
    """The value of the last stated digit, in base units: 2 decimals of 亿 -> 1e6."""
    return f"1e{scale - decimals}"


def statement(entity: str, prop: tuple, year: int, number: Decimal) -> str:
    """The claim in plain English: "BYD's total revenue in 2022 was US$60.64 billion."."""
    value = number.scaleb(prop[6])
    if prop[4] == "percent":
        return f"{entity}'s {prop[1]} in {year} was {number}%."
    for size, word in ((Decimal("1e9"), "billion"), (Decimal("1e6"), "million")):
        if value >= size:
            text = f"{(value / size).normalize():f} {word}"
            break
    else:
        text = f"{value.normalize():f}"
    money = {"USD": "US$", "CNY": "CN¥"}.get(prop[4], "")
    return f"{entity}'s {prop[1]} in {year} was {money}{text}."


def yaml_text(value: str) -> str:
    """A YAML double-quoted string."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Generator:
    """Writes one synthetic collection."""

    def __init__(self, dest: Path, claims: int, seed: int, one_figure: bool = False):
        self.dest, self.claims, self.rng = dest, claims, random.Random(seed)
        self.one_figure = one_figure
        # One company per 50 claims at every size: each figure (company, property, year) is
        # then stated by as many articles in a big collection as in a small one, so the
        # contradictions and findings per claim stay steady and the benchmark's growth
        # figures measure kb, not a denser collection (with a fixed number of companies,
        # the pairs of claims about one figure grow with the square of the size).
        self.entities = entities(max(4, claims // 50))
        self.evidence: dict[str, tuple] = {}  # evidence id -> (entity, prop, year, value)
        self.written: dict[Path, list[tuple]] = {}  # claims.yaml -> each claim's _claim args

    def write(self) -> None:
        if self.dest.exists():
            shutil.rmtree(self.dest)
        (self.dest / "sources").mkdir(parents=True)
        (self.dest / "evidence").mkdir()
        self._collection()
        sources = -(-self.claims // CLAIMS_PER_SOURCE)
        for s in range(sources):
            count = min(CLAIMS_PER_SOURCE, self.claims - s * CLAIMS_PER_SOURCE)
            self._source(s, count)
        self._evidence()
        self._answer_findings()

    def _collection(self) -> None:
        (self.dest / "collection.yaml").write_text(
            "title: Synthetic collection\n"
            "description: Generated by tests/benchmarks/generate.py for benchmarks.\n"
            f"base: {BASE}\nsite_url: {BASE}\nlicense: CC-BY-4.0\n"
            "license_url: https://creativecommons.org/licenses/by/4.0/\nstore: oxigraph\n"
            "reviewers:\n  - id: synthetic-desk\n    name: Synthetic fact-check desk\n",
            encoding="utf-8")
        lines = []
        for ident, en, zh, wd in self.entities:
            lines += [f"- id: {ident}", f"  label: {{en: {yaml_text(en)}, zh: {zh}}}",
                      "  kind: organization"]
            if wd:
                lines.append(f"  wikidata: {wd}")
        (self.dest / "entities.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        lines = []
        for ident, en, zh, dim, *_rest, wd in PROPERTIES:
            lines += [f"- id: {ident}", f"  label: {{en: {en}, zh: {zh}}}",
                      f"  description: The {en} of a company over a year, as reported.",
                      f"  dimension: {dim}"]
            if wd:
                lines.append(f"  wikidata: {wd}")
        (self.dest / "properties.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def _source(self, s: int, count: int) -> None:
        rng, sid = self.rng, f"article-{s:05d}"
        folder = self.dest / "sources" / sid
        folder.mkdir()
        text, claims, money = "", [], []
        for c in range(count):
            ident = f"a{s:05d}-c{c:02d}"
            entity = rng.choice(self.entities)
            prop, year = rng.choice(PROPERTIES), rng.choice(YEARS)
            verdict, _, confidence, factor = rng.choices(VERDICTS, [v[1] for v in VERDICTS])[0]
            if self.one_figure:  # after the same draws: other collections keep their bytes
                entity, prop, year = self.entities[0], PROPERTIES[0], YEARS[0]
                verdict, _, confidence, factor = VERDICTS[0]
            truth = true_value(entity[0], prop, year)
            number = stated(truth * factor, prop[7])
            approx = verdict != "accurate" and rng.random() < 0.3
            quote = f"{prop[2]}{'约' if approx else ''} {number} {prop[5]}"
            line_start = f"{year} 年{entity[2]}"
            start = len(text) + len(line_start)
            text += f"{line_start}{quote}。\n"
            evidence = None
            if verdict != "unverifiable" and verdict != "misleading":
                evidence = f"{entity[0]}-{prop[0]}-{year}"
                self.evidence[evidence] = (entity, prop, year, truth)
            claims.append((ident, quote, start, entity, prop, year, number, approx,
                           verdict, confidence, evidence))
            if prop[4] == "USD" and not approx:
                money.append((ident, number))
        counter = f"点击次数:{rng.randint(100, 99999)}"
        ignored_start = len(text) + len("点击次数:")
        text += counter + "\n"
        (folder / "text.txt").write_text(text, encoding="utf-8")
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        (folder / "source.yaml").write_text(
            f"title: 合成文章第 {s} 篇\npublisher: Synthetic Daily\n"
            f"url: https://example.org/articles/{sid}\n"
            f"published: 2025-{1 + s % 12:02d}-{1 + s % 28:02d}\nlanguage: zh\n"
            "notes: [Generated text for benchmarks.]\ntext: text.txt\n"
            f"sha256: {digest}\n", encoding="utf-8")
        self.written[folder / "claims.yaml"] = claims
        self._write_claims(folder / "claims.yaml", {})
        (folder / "ignored.yaml").write_text(
            f"- text: {yaml_text(counter[len('点击次数:'):])}\n  start: {ignored_start}\n"
            f"  end: {len(text) - 1}\n  reason: page view counter, not a claim\n",
            encoding="utf-8")
        relations = ""
        if len(money) >= 2:
            (a, x), (b, y) = money[0], money[1]
            op = ">" if x > y else "<" if x < y else "=="
            relations = (f"- id: {sid}-order\n  expression: {a} {op} {b}\n"
                         f"  description: The article ranks the two amounts.\n")
        (folder / "relations.yaml").write_text(relations or "[]\n", encoding="utf-8")

    def _write_claims(self, path: Path, answers: dict[str, list[str]]) -> None:
        path.write_text("".join(self._claim(*args, answers.get(args[0], []))
                                for args in self.written[path]), encoding="utf-8")

    def _answer_findings(self) -> None:
        """The reviewer's second pass, as kb check asks (kb/trust.py): a claim that a failing
        finding, or a differently rated claim of the same quantity, involves says why its
        verdict stands. Synthetic claims are wrong only by their factor, so the answer is
        always the other figure or the gap the verdict already states."""
        from kb.pipeline import check

        answers: dict[Path, dict[str, list[str]]] = {}
        for p in check(self.dest).report.errors:
            finding = re.search(r"(\S+) finding (\S+) fails against it", p.message)
            other = re.search(r"but (\S+) states the same quantity", p.message)
            if not (finding or other):
                raise SystemExit(f"the generator wrote a broken collection: {p}")
            text = (f"Finding {finding[2]} reflects another article's figure or the gap this "
                    "verdict states." if finding else
                    f"{other[1]} is rated on its own sources.")
            answers.setdefault(Path(p.origin.file), {}).setdefault(p.ident, []).append(text)
        for path, by_claim in answers.items():
            self._write_claims(path, by_claim)

    def _claim(self, ident, quote, start, entity, prop, year, number, approx, verdict,
               confidence, evidence, answers=()) -> str:
        en = entity[1]
        lines = [
            f"- id: {ident}", f"  quote: {yaml_text(quote)}", f"  start: {start}",
            f"  end: {start + len(quote)}", f"  normalised: {yaml_text(quote)}",
            f"  statement: {yaml_text(statement(en, prop, year, number))}",
            f"  subject: {entity[0]}", f"  property: {prop[0]}",
            f"  amount: {amount_text(number, prop[6])}", f"  unit: {prop[4]}",
        ]
        if approx:
            lines.append("  bound: approximately")
        lines += [
            f"  precision: {precision_text(prop[7], prop[6])}",
            f'  time: {{period: "{year}", phrase: {year} 年}}',
            f"  confidence: {confidence}",
            "  review:", f"    verdict: {verdict}",
            f"    explanation: "
            f"{yaml_text(' '.join([self._explanation(verdict, entity, year), *answers]))}",
            "    reviewer: synthetic-desk", "    date: 2025-12-01",
        ]
        if evidence:
            lines.append(f"    evidence: [{evidence}]")
        return "\n".join(lines) + "\n"

    @staticmethod
    def _explanation(verdict: str, entity, year: int) -> str:
        return {
            "accurate": f"{entity[1]}'s {year} annual report gives the same figure.",
            "mostly-accurate": f"Close to the {year} annual report's figure, a little high.",
            "unverifiable": "No primary source gives this figure.",
            "misleading": "The figure is inflated and given without context.",
            "inaccurate": f"{entity[1]}'s {year} annual report gives a much lower figure.",
        }[verdict]

    def _evidence(self) -> None:
        # One file per 50 companies: a file of every report would outgrow kb's file size limit
        # (docs/limits.md) at about 40,000 claims.
        files: dict[int, tuple[list[str], list[str]]] = {}
        seen_docs = set()
        index = {e[0]: i for i, e in enumerate(self.entities)}
        for ident in sorted(self.evidence):
            entity, prop, year, truth = self.evidence[ident]
            documents, statements = files.setdefault(index[entity[0]] // 50, ([], []))
            doc = f"{entity[0]}-annual-report-{year}"
            if doc not in seen_docs:
                seen_docs.add(doc)
                documents += [
                    f"  - id: {doc}",
                    f"    title: {yaml_text(f'{entity[1]} annual report {year}')}",
                    f"    publisher: {yaml_text(entity[1])}", f"    date: {year + 1}-03",
                    f"    url: https://example.org/reports/{entity[0]}/{year}",
                    "    kind: filing", "    retrieved: 2026-11-28"]
            statements += [
                f"  - id: {ident}", f"    document: {doc}",
                f"    quote: {yaml_text(f'{prop[1].capitalize()} {year}: {truth} {prop[5]}')}",
                f"    subject: {entity[0]}", f"    property: {prop[0]}",
                f"    amount: {amount_text(truth, prop[6])}", f"    unit: {prop[4]}",
                f"    precision: {precision_text(prop[7], prop[6])}",
                f'    time: {{period: "{year}"}}']
        for n, (documents, statements) in sorted(files.items()):
            (self.dest / "evidence" / f"reports-{n:03d}.yaml").write_text(
                "documents:\n" + "\n".join(documents) + "\nstatements:\n"
                + "\n".join(statements) + "\n", encoding="utf-8")


def generate(dest: Path, claims: int, seed: int = 0, one_figure: bool = False) -> Path:
    """Write a synthetic collection of about `claims` claims to dest (replacing it)."""
    Generator(dest, claims, seed, one_figure).write()
    return dest


def claims_for(triples: int, seed: int = 0) -> int:
    """How many claims make a collection of about `triples` triples (measured on a sample)."""
    from kb.pipeline import graph

    sample = 400
    with tempfile.TemporaryDirectory() as tmp:
        small = generate(Path(tmp) / "claims", sample, seed)
        _, dataset, problems = graph(small)
        if problems:
            raise SystemExit(f"the generator wrote a broken sample: {problems[0]}")
        per_claim = len(dataset) / sample
    return max(1, round(triples / per_claim))


def main(argv: list[str] | None = None) -> int:
    """Command line: generate DEST with --claims N or --triples N."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path)
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--claims", type=int)
    size.add_argument("--triples", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--one-figure", action="store_true",
                        help="every claim states one figure, truly")
    args = parser.parse_args(argv)
    claims = args.claims or claims_for(args.triples, args.seed)
    generate(args.dest, claims, args.seed, args.one_figure)
    print(f"wrote {claims} claims to {args.dest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
