"""The package's layers: every module imports on its own, and imports run one way only.

LAYERS below is the one declaration of the layer order (docs/architecture.md shows it, and a
test here checks that it does). A module may import modules of its own layer or of lower
layers, never of a higher one, and no set of modules may import each other in a loop. Every
import counts, also one inside a function, so that a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from kb.findings import KINDS
from kb.graph import VERDICT_TERMS
from kb.verdicts import VERDICTS
from kb.vocab import KB

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "kb"

# Bottom to top: the data flows load -> graph -> check -> stores and queries -> site -> build.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("kb", "kb.errors", "kb.choices", "kb.verdicts", "kb.findings", "kb.tiers",
                    "kb.layout", "kb.timing", "kb.atomic", "kb.collector", "kb.parallel",
                    "kb.limits", "kb.safefile", "kb.readahead")),
    ("model", ("kb.model", "kb.yamlfile", "kb.parsecache", "kb.sourcecache", "kb.expr",
               "kb.units", "kb.despin", "kb.mention", "kb.mentions", "kb.mentioncache",
               "kb.intervals", "kb.pairs", "kb.relations")),
    ("terms", ("kb.vocab", "kb.iris", "kb.terms", "kb.queries", "kb.oxterms")),
    ("load", ("kb.load", "kb.newsource")),
    ("graph", ("kb.graph", "kb.graphcache", "kb.claimdata", "kb.figures", "kb.charts")),
    ("check", ("kb.shacl", "kb.shapecache", "kb.trust", "kb.consistency", "kb.validate",
               "kb.shapecheck", "kb.pipeline")),
    ("stores", ("kb.stores.base", "kb.stores.manifest", "kb.stores.memory",
                "kb.stores.oxigraph", "kb.stores.sparql", "kb.stores")),
    ("query", ("kb.listings", "kb.claimindex", "kb.output", "kb.connect")),
    ("site", ("kb.export", "kb.cards", "kb.history", "kb.pages", "kb.reuse", "kb.render",
              "kb.searchindex", "kb.siteverify", "kb.serve")),
    ("build", ("kb.rebuild", "kb.build")),
    ("cli", ("kb.cli", "kb.__main__")),
]
LAYER_OF = {module: i for i, (_, modules) in enumerate(LAYERS) for module in modules}


def module_name(path: Path) -> str:
    """kb/stores/base.py -> kb.stores.base; kb/stores/__init__.py -> kb.stores."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """The kb modules a module imports, anywhere in it (a function's body included)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from . import x` imports the module kb.x when there is one, else a name.
            targets = [f"{target}.{a.name}" if f"{target}.{a.name}" in MODULES else target
                       for a in node.names]
        else:
            continue
        found.update(t for t in targets if t.split(".")[0] == "kb" and t != name)
    unknown = found - set(MODULES)
    assert not unknown, f"{path}: imports modules that do not exist: {sorted(unknown)}"
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_every_module_has_exactly_one_layer():
    declared = [m for _, modules in LAYERS for m in modules]
    twice = sorted({m for m in declared if declared.count(m) > 1})
    assert twice == [], f"modules in more than one layer: {twice}"
    assert sorted(set(MODULES) - set(declared)) == [], "modules in no layer: add them to LAYERS"
    assert sorted(set(declared) - set(MODULES)) == [], "LAYERS names modules that do not exist"


def test_no_module_imports_a_higher_layer():
    upward = [f"{m} ({LAYERS[LAYER_OF[m]][0]}) imports {t} ({LAYERS[LAYER_OF[t]][0]})"
              for m in sorted(MODULES) for t in sorted(imports_of(m))
              if LAYER_OF[t] > LAYER_OF[m]]
    assert upward == [], "upward imports:\n" + "\n".join(upward)


def test_no_modules_import_each_other_in_a_loop():
    graph = {m: imports_of(m) for m in MODULES}
    assert cycles(graph) == []


def test_the_checks_would_see_a_cycle_and_an_upward_import():
    # The helpers themselves: a loop hidden inside a function, and a made-up upward edge.
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert "kb.pipeline" in imports_of("kb.connect")  # imported inside a function there
    assert LAYER_OF["kb.cli"] > LAYER_OF["kb.pipeline"] > LAYER_OF["kb.load"]


def outside_imports() -> set[str]:
    """The top-level modules other than kb that kb's modules import (the standard library's
    and third parties')."""
    found: set[str] = set()
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.add(node.module.split(".")[0])
    return found - {"kb", "__future__"}


# Imports each module named on its standard input in a forked child of an interpreter that
# holds every module kb imports from outside but no kb module: the child's import of kb is
# as fresh as a new interpreter's (a cycle fails it just the same), without paying each time
# for Python's start and for rdflib, pyoxigraph and the rest (61 imports: 6 s of CPU -> 1 s).
IMPORTER = r"""
import importlib, json, os, sys, threading, traceback
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except ImportError:  # an optional dependency: the child imports it, or fails, itself
        pass
assert not [m for m in sys.modules if m == "kb" or m.startswith("kb.")], "kb was preloaded"
assert threading.active_count() == 1, "a preloaded module started a thread"
for line in sys.stdin:
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        try:
            importlib.import_module(line.strip())
            error = ""
        except BaseException:
            error = traceback.format_exc()
        sys.stdout.write(json.dumps(error) + "\n")
        sys.stdout.flush()
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if status:
        sys.stdout.write(json.dumps(f"the child ended with status {status}") + "\n")
        sys.stdout.flush()
"""


@pytest.fixture(scope="module")
def importer():
    """A function that imports a module in a fresh copy of a preloaded interpreter and gives
    the traceback if that failed ("" if not)."""
    import json

    proc = subprocess.Popen([sys.executable, "-c", IMPORTER, json.dumps(sorted(outside_imports()))],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)

    def run(module: str) -> str:
        assert proc.stdin and proc.stdout
        proc.stdin.write(module + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        assert line, f"the importer ended with status {proc.wait()}"
        return json.loads(line)

    yield run
    proc.communicate()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_imports_on_its_own(importer, module):
    error = importer(module)
    assert error == "", f"import {module} failed:\n{error}"


def test_the_importer_reports_a_module_that_fails_to_import(importer):
    error = importer("kb.no_such_module")
    assert "ModuleNotFoundError: No module named 'kb.no_such_module'" in error, error
    assert importer("kb.errors") == "", "the importer goes on after a failure"


def table(marker: str) -> list[list[str]]:
    """The cells of the table between <!-- marker --> and <!-- /marker --> in
    docs/architecture.md, below its header."""
    page = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    start = page.index(f"<!-- {marker} -->")
    rows = page[start:page.index(f"<!-- /{marker} -->", start)].strip().splitlines()[3:]
    return [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows]


def test_the_architecture_page_shows_these_layers():
    shown = [(name, tuple(m.strip(" `") for m in modules.split(",")))
             for name, modules in table("layers")]
    assert shown == list(reversed(LAYERS)), "docs/architecture.md's layer table differs"


def test_the_module_map_names_every_module_once():
    named = [module.strip("`") for module, _ in table("modules")]
    assert sorted(named) == sorted(MODULES), (
        f"missing: {sorted(set(MODULES) - set(named))}; "
        f"not modules: {sorted(set(named) - set(MODULES))}")


# -- one definition per list: the vocabulary files name what the code defines -----------------


def test_the_vocabulary_files_name_the_verdicts_and_finding_kinds_the_code_defines():
    ontology = Graph().parse(PACKAGE / "data" / "ontology.ttl")
    assert set(ontology.subjects(RDF.type, KB.Verdict)) == set(VERDICT_TERMS.values())
    assert set(ontology.subjects(RDFS.subClassOf, KB.Finding)) == {
        URIRef(KB + kind.term) for kind in KINDS.values()}
    shapes = Graph().parse(PACKAGE / "data" / "shapes.ttl")
    [allowed] = [Collection(shapes, choices) for shape in shapes.subjects(SH.path, KB.verdict)
                 for choices in shapes.objects(shape, SH["in"])]
    assert list(allowed) == [VERDICT_TERMS[v] for v in VERDICTS]
