"""A small, linear-time SHACL validator for exactly the features kb/data/shapes.ttl uses.

pySHACL re-parses every sh:sparql query for every focus node, which made kb check take tens of
seconds on a thousand claims. This module compiles the shapes once into Python constraint
objects, indexes the data once, and runs each SPARQL constraint once over the whole graph.

Its reports match pySHACL's (inference "none"): one result per focus node and constraint for
counts, one per offending value (or value pair, for sh:lessThan) otherwise, with the shape's
sh:message or DEFAULT_MESSAGE. tests/test_shacl.py compares the two and lists where they
deliberately differ: lexical forms are checked as XSD defines them and ill-typed literals
compare with nothing, as in SPARQL. Any SHACL term the shapes use that is not implemented here
raises NotImplementedError, so a new feature in the shapes can never be skipped silently.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from importlib import resources
from itertools import compress
from typing import cast

import pyoxigraph as ox

from .oxterms import QuadTable
from .parallel import start_forked

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"

RDF_TYPE = ox.NamedNode(RDF + "type")
RDF_FIRST, RDF_REST, RDF_NIL = RDF + "first", RDF + "rest", RDF + "nil"
SUBCLASS_OF = ox.NamedNode(RDFS + "subClassOf")
DEFAULT_MESSAGE = "does not match its shape"
# From this many (shape, focus node) pairs on (about 1,200 claims), half are checked in a
# forked child: below it, forking costs more than it saves.
PARALLEL_FOCUS = 10_000

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | ox.DefaultGraph
Violation = tuple[str, int | None]  # (constraint component IRI, sh:value's number or None)


@dataclass(frozen=True, order=True)
class Result:
    """One validation result, as pySHACL's report would give it."""

    focus: str
    path: str | None
    value: str | None
    message: str
    component: str


def validate(quads: QuadTable | Iterable[ox.Quad | ox.Triple]) -> list[Result]:
    """Validate the union of all graphs of pyoxigraph Quads (or Triples) against the kb shapes.

    Given a QuadTable (kb's working graph is one), the index is made over its term numbers.
    """
    return _package_shapes().validate(quads)


def start_validation(quads: QuadTable, kept: Kept | None = None
                     ) -> Callable[[], list[Result]]:
    """validate(quads), of which a forked child may still be checking a part when this returns
    (see PARALLEL_FOCUS): the returned finish() gives the results. kept: the results of an
    earlier validation, used where they still hold, and updated with this one's (Kept)."""
    return _package_shapes().start(quads, kept)


@cache
def _package_shapes() -> _Schema:
    text = resources.files("kb").joinpath("data/shapes.ttl").read_text("utf-8")
    return _compile(text)


# -- the data ------------------------------------------------------------------------------------


class _Data:
    """The data graph indexed once, by term numbers (kb.oxterms.QuadTable): each subject's rows
    as a chain through one array, instances by class, objects of the targeted predicates.

    The index takes 4 bytes a quad and 8 a term; a subject's predicates and objects are
    gathered when a shape first asks for them.
    """

    def __init__(self, table: QuadTable, objects_of: frozenset[ox.NamedNode],
                 queries: list[str]):
        self.table, self.terms = table, table.terms
        self._queries = queries
        self._store: ox.Store | None = None
        subjects, predicates, objects = table.s, table.p, table.o
        self.first, self.after = table.subject_rows()
        self.rdf_type = table.known(RDF_TYPE)
        subclass_of = table.known(SUBCLASS_OF)
        targeted = {p: table.known(p) for p in objects_of}
        self.objects_of: dict[ox.NamedNode, dict[int, None]] = {p: {} for p in objects_of}
        self.instances: dict[int, dict[int, None]] = {}
        self.subclasses: dict[int, dict[int, None]] = {}
        by_id = {i: self.objects_of[p] for p, i in targeted.items() if i is not None}
        wanted = {self.rdf_type, subclass_of, *by_id}
        # One entry per triple: the union of all graphs counts a triple once, as pySHACL does.
        # Each node's types too: a class constraint asks for them of every value it checks.
        self.types: dict[int, dict[int, None]] = {}
        for row in compress(range(len(table)), map(wanted.__contains__, predicates)):
            s, p, o = subjects[row], predicates[row], objects[row]
            if p == self.rdf_type:
                self.instances.setdefault(o, {})[s] = None
                self.types.setdefault(s, {})[o] = None
            elif p == subclass_of:
                self.subclasses.setdefault(o, {})[s] = None
            if p in by_id:
                by_id[p][o] = None
        self._out: dict[int, dict[int, dict[int, None]]] = {}
        self._paths: dict[int, tuple[tuple[ox.NamedNode, ...], tuple[int, ...] | None]] = {}
        self._superclasses: dict[int, set[int]] = {}
        # While one focus node's results are made to be kept (Kept): every node whose rows
        # (its objects or its types) they read, and whether they read anything else.
        self.reads: set[int] | None = None
        self.unsure = False

    def out(self, node: int) -> dict[int, dict[int, None]]:
        """A node's objects by predicate, each once (the last thousand nodes or so are kept)."""
        if self.reads is not None:
            self.reads.add(node)
        found = self._out.get(node)
        if found is None:
            if len(self._out) > 1024:
                self._out.clear()
            found = self._out[node] = {}
            predicates, objects, after = self.table.p, self.table.o, self.after
            row = self.first[node]
            while row >= 0:
                found.setdefault(predicates[row], {})[objects[row]] = None
                row = after[row]
        return found

    def objects(self, node: int, predicate: ox.NamedNode) -> dict[int, None]:
        """The objects of one of a node's predicates, each once."""
        if self.reads is not None:  # even if no row has the predicate: its rows say so
            self.reads.add(node)
        p = self.table.known(predicate)
        return {} if p is None else self.out(node).get(p, {})

    def values(self, node: int, path: tuple[ox.NamedNode, ...]) -> list[int]:
        """The value nodes of a predicate or sequence path, without duplicates."""
        # Found by the path's identity: hashing a tuple of pyoxigraph terms, half a million
        # times at 10,000 claims, cost more than the lookups it found.
        memo = self._paths.get(id(path))
        if memo is None or memo[0] is not path:
            ids = [self.table.known(p) for p in path]
            known = [i for i in ids if i is not None]
            memo = self._paths[id(path)] = (
                path, tuple(known) if len(known) == len(ids) else None)
        steps = memo[1]
        if steps is None:
            # No row has one of the path's predicates. Whether a node's rows do is known
            # from those rows; the nodes a longer path would pass are not known here.
            if self.reads is not None:
                self.reads.add(node)
                self.unsure = self.unsure or len(path) > 1
            return []
        if len(steps) == 1:
            return list(self.out(node).get(steps[0], ()))
        current: Iterable[int] = (node,)
        for predicate in steps:
            found: dict[int, None] = {}
            for n in current:
                found.update(self.out(n).get(predicate, {}))
            current = found
        return list(current)

    def instances_of(self, cls: Term) -> Iterator[int]:
        """SHACL instances: nodes typed with cls or with a transitive rdfs:subClassOf of it."""
        start = self.table.known(cls)
        if start is None:
            return
        seen, todo = {start}, [start]
        while todo:
            c = todo.pop()
            yield from self.instances.get(c, {})
            for sub in self.subclasses.get(c, {}):
                if sub not in seen:
                    seen.add(sub)
                    todo.append(sub)

    def is_instance(self, node: int, cls: Term) -> bool:
        """Whether node is a SHACL instance of cls in the data graph."""
        types = self.types.get(node, ())
        if self.reads is not None:  # its types, and the classes above them
            self.reads.add(node)
            for t in types:
                self.reads.update(self._supers(t))
        wanted = self.table.known(cls)
        if wanted is None:
            return False
        return any(wanted in self._supers(t) for t in types)

    def _supers(self, cls: int) -> set[int]:
        if cls not in self._superclasses:
            subclass_of = self.table.known(SUBCLASS_OF)
            seen, todo = {cls}, [cls]
            while todo and subclass_of is not None:
                for sup in self.out(todo.pop()).get(subclass_of, {}):
                    if sup not in seen:
                        seen.add(sup)
                        todo.append(sup)
            self._superclasses[cls] = seen
        return self._superclasses[cls]

    def original(self, node: int, term: Term) -> Term:
        """The data's own term for a literal the store returned as one of node's values.

        Oxigraph keeps numbers and dates in value space, so a query gives back
        "60600000000"^^xsd:decimal for the data's "60600000000.0"; reports must show the data's
        term, as pySHACL does. A literal that is not a value of node is returned unchanged.
        """
        if not isinstance(term, ox.Literal):
            return term
        values = self.out(node).values()
        same = self.table.known(term)
        if same is not None and any(same in objects for objects in values):
            return term
        key = _order_key(term)
        if key is not None:
            for objects in values:
                for o in objects:
                    data_term = self.terms[o]
                    if isinstance(data_term, ox.Literal) and _order_key(data_term) == key:
                        return data_term
        return term

    def query(self, select: str) -> object:
        """Run a SPARQL query over the union of the data's graphs, on one store made for all
        the shapes' queries (of just the quads whose predicates they name)."""
        if self._store is None:
            self._store = self.table.store_for(*self._queries)
        return self._store.query(select, use_default_graph_as_union=True)


def _text(term: Term) -> str:
    """The string pySHACL reports for a term: an IRI, a blank node id or a lexical form."""
    if isinstance(term, (ox.Triple, ox.DefaultGraph)):
        return str(term)
    return term.value


# -- literal values: lexical forms and SPARQL ordering -------------------------------------------

_TZ = r"(Z|[+-](?:0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)?"
_DATE = re.compile(r"(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})" + _TZ)
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_DOUBLE = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN")

# Integer datatypes with their inclusive value bounds (None: unbounded).
_INTEGERS: dict[str, tuple[int | None, int | None]] = {
    XSD + "integer": (None, None),
    XSD + "nonNegativeInteger": (0, None),
    XSD + "positiveInteger": (1, None),
    XSD + "nonPositiveInteger": (None, 0),
    XSD + "negativeInteger": (None, -1),
    XSD + "long": (-(2**63), 2**63 - 1),
    XSD + "int": (-(2**31), 2**31 - 1),
    XSD + "short": (-(2**15), 2**15 - 1),
    XSD + "byte": (-(2**7), 2**7 - 1),
    XSD + "unsignedLong": (0, 2**64 - 1),
    XSD + "unsignedInt": (0, 2**32 - 1),
    XSD + "unsignedShort": (0, 2**16 - 1),
    XSD + "unsignedByte": (0, 2**8 - 1),
}


def _integer(lexical: str, datatype: str) -> Decimal | None:
    if not _INTEGER.fullmatch(lexical):
        return None
    value, (low, high) = int(lexical), _INTEGERS[datatype]
    if (low is not None and value < low) or (high is not None and value > high):
        return None
    return Decimal(value)


def _number(lit: ox.Literal) -> Decimal | float | None:
    """The numeric value of a well-typed numeric literal, else None."""
    datatype = lit.datatype.value
    if datatype in _INTEGERS:
        return _integer(lit.value, datatype)
    if datatype == XSD + "decimal":
        return Decimal(lit.value) if _DECIMAL.fullmatch(lit.value) else None
    if datatype in (XSD + "double", XSD + "float") and _DOUBLE.fullmatch(lit.value):
        return float(lit.value.replace("INF", "inf"))
    return None


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _date(lexical: str) -> tuple[int, int, int, int | None] | None:
    """(year, month, day, timezone offset in minutes or None) of an xsd:date, else None."""
    m = _DATE.fullmatch(lexical)
    if not m:
        return None
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    if len(m[1].lstrip("-")) > 4 and m[1].lstrip("-").startswith("0"):
        return None  # a year of more than four digits has no leading zero
    if not (1 <= month <= 12 and 1 <= day <= _days_in_month(year, month)):
        return None
    tz = m[4]
    if tz is None:
        return year, month, day, None
    if tz == "Z":
        return year, month, day, 0
    sign = -1 if tz[0] == "-" else 1
    return year, month, day, sign * (int(tz[1:3]) * 60 + int(tz[4:6]))


def _integer_check(datatype: str) -> Callable[[str], bool]:
    return lambda lexical: _integer(lexical, datatype) is not None


def _partial_date(pattern: str) -> Callable[[str], bool]:
    regex = re.compile(r"-?[0-9]{4,}" + pattern + _TZ)
    return lambda lexical: bool(regex.fullmatch(lexical))


# Lexical checks per datatype. A literal whose datatype is listed here but whose lexical form
# does not match is ill-typed, so it fails sh:datatype (pySHACL flags such literals too).
_LEXICAL: dict[str, Callable[[str], bool]] = {
    XSD + "string": lambda lexical: True,
    RDF + "langString": lambda lexical: True,
    XSD + "decimal": lambda lexical: bool(_DECIMAL.fullmatch(lexical)),
    XSD + "date": lambda lexical: _date(lexical) is not None,
    XSD + "gYear": _partial_date(""),
    XSD + "gYearMonth": _partial_date("-(0[1-9]|1[0-2])"),
    **{dt: _integer_check(dt) for dt in _INTEGERS},
}


def _order_key(term: Term) -> tuple[str, object] | None:
    """A (kind, value) pair that orders like SPARQL's < within a kind, or None if unordered.

    Numbers compare across numeric datatypes, dates with dates (a date with a timezone only
    with dates that have one), strings with strings; IRIs, blank nodes, language-tagged and
    ill-typed literals compare with nothing, as in SPARQL.
    """
    if not isinstance(term, ox.Literal):
        return None
    datatype = term.datatype.value
    if datatype == XSD + "string":
        return "string", term.value
    if datatype == XSD + "date":
        parts = _date(term.value)
        if parts is None or not 1 <= parts[0] <= 9999:
            return None
        year, month, day, tz = parts
        if tz is None:
            return "date", datetime(year, month, day)
        return "date+tz", datetime(year, month, day) - timedelta(minutes=tz)
    number = _number(term)
    if number is None or number != number:  # NaN is unordered
        return None
    return "number", number


def _compare(a: Term, b: Term) -> int | None:
    """-1, 0 or 1 as SPARQL would order a and b, or None when they cannot be compared."""
    ka, kb = _order_key(a), _order_key(b)
    if ka is None or kb is None or ka[0] != kb[0]:
        return None
    va, vb = ka[1], kb[1]
    return (va > vb) - (va < vb)  # type: ignore[operator]


# -- constraints ---------------------------------------------------------------------------------


class _Constraint(ABC):
    """One constraint of a shape: yields a (component, value) pair per violation."""

    component = ""

    @abstractmethod
    def check(self, focus: int, values: list[int], data: _Data) -> Iterator[Violation]:
        """The violations of this constraint by a focus node's values (term numbers)."""


class _ValueConstraint(_Constraint):
    """A constraint each value node passes or fails on its own (one result per failing value)."""

    @abstractmethod
    def ok(self, value: int, data: _Data) -> bool:
        """Whether one value (a term number) passes."""

    def check(self, focus: int, values: list[int], data: _Data) -> Iterator[Violation]:
        for v in values:
            if not self.ok(v, data):
                yield self.component, v


@dataclass
class _Count(_Constraint):
    """sh:minCount (at_least) or sh:maxCount: one result, with no value, per focus node."""

    count: int
    at_least: bool

    @property
    def component(self) -> str:  # type: ignore[override]
        return SH + ("MinCount" if self.at_least else "MaxCount") + "ConstraintComponent"

    def check(self, focus: int, values: list[int], data: _Data) -> Iterator[Violation]:
        if (len(values) < self.count) if self.at_least else (len(values) > self.count):
            yield self.component, None


@dataclass
class _Class(_ValueConstraint):
    cls: Term
    component = SH + "ClassConstraintComponent"

    def ok(self, value: int, data: _Data) -> bool:
        return not isinstance(data.terms[value], ox.Literal) and data.is_instance(value, self.cls)


@dataclass
class _Datatype(_ValueConstraint):
    datatype: str
    component = SH + "DatatypeConstraintComponent"

    def ok(self, value: int, data: _Data) -> bool:
        term = data.terms[value]
        return (isinstance(term, ox.Literal) and term.datatype.value == self.datatype
                and _LEXICAL[self.datatype](term.value))


_NODE_KINDS: dict[str, tuple[type, ...]] = {
    SH + "IRI": (ox.NamedNode,),
    SH + "BlankNode": (ox.BlankNode,),
    SH + "Literal": (ox.Literal,),
    SH + "BlankNodeOrIRI": (ox.BlankNode, ox.NamedNode),
    SH + "BlankNodeOrLiteral": (ox.BlankNode, ox.Literal),
    SH + "IRIOrLiteral": (ox.NamedNode, ox.Literal),
}


@dataclass
class _NodeKind(_ValueConstraint):
    kinds: tuple[type, ...]
    component = SH + "NodeKindConstraintComponent"

    def ok(self, value: int, data: _Data) -> bool:
        return isinstance(data.terms[value], self.kinds)


@dataclass
class _In(_ValueConstraint):
    allowed: frozenset[Term]
    component = SH + "InConstraintComponent"

    def ok(self, value: int, data: _Data) -> bool:
        return data.terms[value] in self.allowed


@dataclass
class _Pattern(_ValueConstraint):
    regex: re.Pattern[str]
    component = SH + "PatternConstraintComponent"

    def ok(self, value: int, data: _Data) -> bool:
        # Python's re.search, as pySHACL uses: "$" also matches before a final newline.
        term = data.terms[value]
        return not isinstance(term, ox.BlankNode) and bool(self.regex.search(_text(term)))


@dataclass
class _MinLength(_ValueConstraint):
    length: int
    component = SH + "MinLengthConstraintComponent"

    def ok(self, value: int, data: _Data) -> bool:
        if self.length == 0:
            return True
        term = data.terms[value]
        return not isinstance(term, ox.BlankNode) and len(_text(term)) >= self.length


@dataclass
class _Range(_ValueConstraint):
    """sh:minInclusive and friends: the value compared with the bound must give an allowed order."""

    bound: Term
    allowed: tuple[int, ...]
    component: str

    def ok(self, value: int, data: _Data) -> bool:
        return _compare(data.terms[value], self.bound) in self.allowed


_RANGES = {  # parameter -> orders of (value vs bound) that pass
    "minInclusive": (0, 1), "minExclusive": (1,), "maxInclusive": (-1, 0), "maxExclusive": (-1,),
}


@dataclass
class _PropertyPair(_Constraint):
    """sh:lessThan and sh:lessThanOrEquals: one result per (value, other value) pair that fails."""

    predicate: ox.NamedNode
    allowed: tuple[int, ...]
    component: str

    def check(self, focus: int, values: list[int], data: _Data) -> Iterator[Violation]:
        others = data.objects(focus, self.predicate)
        for v in values:
            for other in others:
                if _compare(data.terms[v], data.terms[other]) not in self.allowed:
                    yield self.component, v


@dataclass
class _Or(_ValueConstraint):
    shapes: list[_Shape]
    component = SH + "OrConstraintComponent"

    def ok(self, value: int, data: _Data) -> bool:
        return any(shape.conforms(value, data) for shape in self.shapes)


@dataclass
class _Qualified(_Constraint):
    """sh:qualifiedValueShape: counts of value nodes conforming to the shape, no sh:value."""

    shape: _Shape
    low: int | None
    high: int | None

    def check(self, focus: int, values: list[int], data: _Data) -> Iterator[Violation]:
        conforming = sum(1 for v in values if self.shape.conforms(v, data))
        if self.high is not None and conforming > self.high:
            yield SH + "QualifiedMaxCountConstraintComponent", None
        if self.low is not None and conforming < self.low:
            yield SH + "QualifiedMinCountConstraintComponent", None


_FORBIDDEN_SPARQL = re.compile(r"[?$](currentShape|shapesGraph|PATH)\b")


@dataclass
class _Sparql:
    """A SPARQL SELECT constraint, run once over the whole data graph with $this unbound.

    Each row whose ?this is a focus node of the shape is a result for that node. Evaluating
    with $this unbound and filtering afterwards equals pre-binding $this per focus node as
    long as the query binds ?this in its main pattern, as SHACL-SPARQL queries normally do.
    """

    select: str
    message: str | None
    names: list[str]  # the projected variables
    component = SH + "SPARQLConstraintComponent"

    def check_all(self, shape: _Shape, focus_nodes: dict[int, None], data: _Data
                  ) -> Iterator[Result]:
        """The results of every focus node, from one run of the query."""
        solutions = data.query(self.select)
        assert isinstance(solutions, ox.QuerySolutions)
        names = self.names
        message = self.message or shape.message or DEFAULT_MESSAGE
        seen = set()
        for row in solutions:
            key = tuple(row[name] for name in names)
            this = row["this"]
            focus = None if this is None else data.table.known(this)
            if key in seen or focus not in focus_nodes:
                continue
            seen.add(key)
            path = row["path"] if "path" in names else None
            value = row["value"] if "value" in names else None
            if value is not None:
                value = data.original(focus, value)
            elif shape.path is None:
                value = this  # as SHACL-SPARQL says: for node shapes the value is the focus node
            yield Result(_text(this), path.value if isinstance(path, ox.NamedNode) else None,
                         None if value is None else _text(value), message, self.component)


# -- shapes --------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Shape:
    """A node shape (path None) or property shape with its constraints, targets and messages."""

    node: Term
    path: tuple[ox.NamedNode, ...] | None = None
    message: str | None = None
    constraints: list[_Constraint] = field(default_factory=list)
    properties: list[_Shape] = field(default_factory=list)
    sparql: list[_Sparql] = field(default_factory=list)
    target_classes: list[Term] = field(default_factory=list)
    target_objects_of: list[ox.NamedNode] = field(default_factory=list)

    @property
    def result_path(self) -> str | None:
        """The sh:resultPath as an IRI string: only for a single-predicate path."""
        return self.path[0].value if self.path is not None and len(self.path) == 1 else None

    def focus_nodes(self, data: _Data) -> dict[int, None]:
        """The targets of the shape (term numbers), each once."""
        found: dict[int, None] = {}
        for cls in self.target_classes:
            found.update(dict.fromkeys(data.instances_of(cls)))
        for predicate in self.target_objects_of:
            found.update(data.objects_of[predicate])
        return found

    def violations(self, focus: int, data: _Data) -> Iterator[tuple[_Shape, Violation]]:
        """Each failing constraint of this shape and its property shapes, with its shape."""
        values = [focus] if self.path is None else data.values(focus, self.path)
        for constraint in self.constraints:
            for violation in constraint.check(focus, values, data):
                yield self, violation
        for prop in self.properties:
            yield from prop.violations(focus, data)

    def results(self, focus: int, data: _Data) -> Iterator[Result]:
        """The validation results of one focus node (SPARQL constraints run separately)."""
        focus_text = _text(data.terms[focus])
        for shape, (component, value) in self.violations(focus, data):
            yield Result(focus_text, shape.result_path,
                         None if value is None else _text(data.terms[value]),
                         shape.message or DEFAULT_MESSAGE, component)

    def conforms(self, focus: int, data: _Data) -> bool:
        """Whether focus conforms to the shape (used by sh:or and qualified value shapes)."""
        return next(self.violations(focus, data), None) is None


@dataclass
class _Schema:
    """The compiled shapes: the ones with targets are validated, the others are only used."""

    roots: list[_Shape]

    def validate(self, quads: QuadTable | Iterable[ox.Quad | ox.Triple]) -> list[Result]:
        """The results of validating the union of the quads' graphs, sorted."""
        return self.start(quads)()

    def start(self, quads: QuadTable | Iterable[ox.Quad | ox.Triple], kept: Kept | None = None
              ) -> Callable[[], list[Result]]:
        """Validate the union of the quads' graphs; finish() gives the results, sorted, once
        the forked child checking half of the focus nodes (if any) is done. kept: as for
        start_validation (used only with a table whose named graphs have keys)."""
        if not isinstance(quads, QuadTable):
            table = QuadTable()
            table.extend(quads)
            quads = table
        objects_of = frozenset(p for s in self.roots for p in s.target_objects_of)
        data = _Data(quads, objects_of, [c.select for s in self.roots for c in s.sparql])
        targets = [(shape, shape.focus_nodes(data)) for shape in self.roots]
        pairs = [(number, focus) for number, (_, nodes) in enumerate(targets)
                 for focus in nodes]
        results: list[Result] = []
        reuse = _Reuse(data, kept) if kept is not None and quads.graph_keys else None
        if reuse is not None:
            pairs = reuse.take(pairs, results)
        # The second half of the focus nodes is checked in a forked child, on the core the
        # consistency checks' child leaves idle once it is done (kb.pipeline): the shapes are
        # the last of a build's checks, and the build waited for them on one core.
        half = len(pairs) // 2 if len(pairs) >= PARALLEL_FOCUS else len(pairs)
        other: Callable[[], tuple[list[Result], _Named]] = lambda: ([], _NONE_NAMED)  # noqa: E731

        def check(part: Sequence[tuple[int, int]]) -> tuple[list[Result], _Named]:
            found, made = _results(self.roots, part, data, reuse is not None)
            # Each process names the pairs it checked, as Kept holds them: this one did the
            # whole collection's after waiting for the child (100,000 claims: 2.9 s).
            return found, reuse.named(made) if reuse is not None else _NONE_NAMED

        if half < len(pairs):
            other = start_forked(lambda: check(pairs[half:]))
        here, named = check(pairs[:half])
        results += here
        for shape, nodes in targets:
            for constraint in shape.sparql:
                results.extend(constraint.check_all(shape, nodes, data))

        def finish() -> list[Result]:
            there, named_there = other()
            if reuse is not None:
                reuse.keep(named, named_there)
            return sorted(results + there, key=_result_key)
        return finish


# A checked pair's results, the shape's number and the focus node, and the nodes it read.
_Made = tuple[int, int, tuple[Result, ...], tuple[int, ...]]
_Checked = tuple[list[Result], list[_Made]]


def _results(roots: Sequence[_Shape], pairs: Sequence[tuple[int, int]], data: _Data,
             record: bool = False) -> _Checked:
    """The results of each (shape number, focus node) pair (SPARQL constraints run
    separately); record: and, to be kept, each pair's and the nodes it read (none for a pair
    that read more than nodes' rows)."""
    results: list[Result] = []
    made: list[_Made] = []
    for number, focus in pairs:
        if record:
            data.reads, data.unsure = set(), False
        found = list(roots[number].results(focus, data))
        results += found
        if data.reads is not None and not data.unsure:
            made.append((number, focus, tuple(found), tuple(data.reads)))
    data.reads = None
    return results, made


# Where a node is described: the key of the one named graph that holds its rows (as a
# subject), the sorted keys of several, () for none; None if one of them has no key.
_Where = str | tuple[str, ...] | None
# What Kept holds of a pair: its results and the nodes it read (IRIs).
_Entry = tuple[tuple[Result, ...], tuple[str, ...]]


class Kept:
    """The results of each (shape, focus node) pair of a validation, with the nodes each read
    and where each of those nodes was described: in which named graphs, under which keys
    (kb.shapecache keeps them in the claims folder).

    A named graph's key names its content (kb.graphcache): while every node a pair read is
    described in the same named graphs, under the same keys, the pair reads the same rows,
    and its results are what checking it again would give. Kept for pairs whose nodes are all
    IRIs, described only in graphs with keys (not the report graph, say), and that read
    nothing but nodes' rows.
    """

    def __init__(self, kept: object = None):
        described, entries = kept if isinstance(kept, tuple) and len(kept) == 2 else ({}, {})
        self.described: dict[str, _Where] = described if isinstance(described, dict) else {}
        self.entries: dict[tuple[int, str], _Entry] = entries if isinstance(entries, dict) \
            else {}
        # This validation's, to keep next.
        self.made: dict[tuple[int, str], _Entry] = {}
        self.made_described: dict[str, _Where] = {}
        self.reused = 0  # pairs answered from the entries
        self.checked = 0  # pairs checked now, to be kept

    def kept(self) -> tuple[dict[str, _Where], dict[tuple[int, str], _Entry]]:
        """What to keep: this validation's entries and where their nodes were described."""
        return self.made_described, self.made

    def worth_keeping(self) -> bool:
        """Would writing this validation's entries save more than it costs? Not for the few
        pairs of a small edit: writing every entry again takes longer than checking those
        pairs in the next validations (10,000 claims: 0.18 s against 8 ms for the 245 pairs
        of a claim's source), so they wait until they are a twentieth of the entries."""
        return self.checked > 0 and self.checked * 20 >= len(self.made)


class _Reuse:
    """One validation's use of Kept: the pairs it answers, the entries it makes."""

    def __init__(self, data: _Data, kept: Kept):
        self.data, self.kept = data, kept
        table, keys, terms = data.table, data.table.graph_keys, data.terms
        pairs = set(zip(table.s, table.g, strict=True))
        alone = dict(pairs)  # a node's one named graph, for all but those in several
        self.where: dict[int, _Where] = {s: keys.get(g) for s, g in alone.items()}
        if len(alone) < len(pairs):
            several: dict[int, list[int]] = {}
            for s, g in pairs:
                several.setdefault(s, []).append(g)
            for s, graphs in several.items():
                if len(graphs) > 1:
                    found = [keys.get(g) for g in graphs]
                    self.where[s] = None if None in found else \
                        tuple(sorted(k for k in found if k is not None))
        # The nodes kept entries read that are not described now where they were then: a
        # node of no row now is described nowhere, ().
        now = {term.value: place for s, place in self.where.items()
               if isinstance(term := terms[s], ox.NamedNode)} if kept.described else {}
        self.moved = {iri for iri, then in kept.described.items()
                      if then is None or then != now.get(iri, ())}

    def take(self, pairs: list[tuple[int, int]], results: list[Result]
             ) -> list[tuple[int, int]]:
        """The pairs Kept cannot answer; the results of those it can go into results."""
        if not self.kept.entries:
            return pairs
        todo = []
        entries, made, terms = self.kept.entries, self.kept.made, self.data.terms
        moved = self.moved.isdisjoint
        for number, focus in pairs:
            term = terms[focus]
            if isinstance(term, ox.NamedNode):
                name = (number, term.value)
                entry = entries.get(name)
                try:
                    if entry is not None and moved(entry[1]):
                        results += entry[0]
                        made[name] = entry
                        continue
                except (TypeError, IndexError):  # not as written here: a miss
                    pass
            todo.append((number, focus))
        self.kept.reused = len(pairs) - len(todo)
        self.kept.made_described.update(
            (iri, then) for iri, then in self.kept.described.items() if iri not in self.moved)
        return todo

    def named(self, made: list[_Made]) -> _Named:
        """The pairs checked now as Kept holds them (those it can), where the nodes they read
        are described, and how many pairs were checked."""
        names = _Names(self)
        name = names.__getitem__
        entries: dict[tuple[int, str], _Entry] = {}
        for number, focus, found, reads in made:
            iris = tuple(map(name, (focus, *reads)))
            if None not in iris:
                entries[number, cast(str, iris[0])] = (found, cast(tuple[str, ...], iris[1:]))
        return entries, names.described, len(made)

    def keep(self, *named: _Named) -> None:
        """Add the pairs checked now (named: by each process that checked some)."""
        self.kept.checked = 0
        for entries, described, checked in named:
            self.kept.made.update(entries)
            self.kept.made_described.update(described)
            self.kept.checked += checked


# Reuse.named's: the entries, where their nodes are described, how many pairs were checked.
_Named = tuple[dict[tuple[int, str], _Entry], dict[str, _Where], int]
_NONE_NAMED: _Named = ({}, {}, 0)


class _Names(dict[int, str | None]):
    """Each node's IRI, as Kept holds it (where it is described noted on first use); None for
    a node that is not an IRI, or is described in a graph without a key."""

    def __init__(self, reuse: _Reuse):
        super().__init__()
        self.terms, self.where = reuse.data.terms, reuse.where
        self.described: dict[str, _Where] = {}

    def __missing__(self, node: int) -> str | None:
        term, place = self.terms[node], self.where.get(node, ())
        iri = self[node] = term.value if isinstance(term, ox.NamedNode) and place is not None \
            else None
        if iri is not None:
            self.described[iri] = place
        return iri


def _result_key(r: Result) -> tuple[str, str, str, str, str]:
    return r.focus, r.path or "", r.value or "", r.message, r.component


# -- compiling the shapes graph ------------------------------------------------------------------

# Every SHACL term this module implements. Any other term of the sh: namespace in the shapes
# (a parameter, target, path form, severity, ...) makes compiling fail with NotImplementedError.
_SUPPORTED = {SH + name for name in (
    "NodeShape", "PropertyShape", "SPARQLConstraint", "targetClass", "targetObjectsOf",
    "property", "path", "message", "sparql", "select", "minCount", "maxCount", "datatype",
    "class", "in", "lessThan", "lessThanOrEquals", "minInclusive", "maxInclusive",
    "minExclusive", "maxExclusive", "minLength", "nodeKind", "or", "pattern",
    "qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount",
)} | set(_NODE_KINDS)

# Parameters only implemented on property shapes, and only on node shapes (in SHACL, sh:property
# and sh:sparql on a property shape would apply to its value nodes, not to the focus node).
_PROPERTY_ONLY = {SH + name for name in (
    "minCount", "maxCount", "lessThan", "lessThanOrEquals", "qualifiedValueShape")}
_NODE_ONLY = {SH + "property", SH + "sparql"}

# Shape predicates that are not constraints (targets, structure and messages).
_STRUCTURE = {SH + name for name in (
    "targetClass", "targetObjectsOf", "property", "path", "message", "sparql",
    "qualifiedMinCount", "qualifiedMaxCount",
)}


class _ShapesGraph:
    """The shapes graph as subject -> predicate IRI -> objects."""

    def __init__(self, text: str):
        self.out: dict[Term, dict[str, list[Term]]] = {}
        for t in ox.parse(text, format=ox.RdfFormat.TURTLE):
            for term in (t.subject, t.predicate, t.object):
                if (isinstance(term, ox.NamedNode) and term.value.startswith(SH)
                        and term.value not in _SUPPORTED):
                    raise NotImplementedError(
                        f"the shapes use sh:{term.value[len(SH):]}, which kb.shacl does not "
                        "implement; implement it in kb/shacl.py (and test it against pySHACL)")
            self.out.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)

    def objects(self, node: Term, predicate: str) -> list[Term]:
        """The objects of node's predicate, in file order."""
        return self.out.get(node, {}).get(predicate, [])

    def one(self, node: Term, predicate: str) -> Term | None:
        """The single object of node's predicate, or None; more than one is not supported."""
        objects = self.objects(node, predicate)
        if len(objects) > 1:
            raise NotImplementedError(f"{_name(node)} has more than one {_name(predicate)}")
        return objects[0] if objects else None

    def items(self, node: Term) -> list[Term]:
        """The members of an RDF list."""
        items: list[Term] = []
        while not (isinstance(node, ox.NamedNode) and node.value == RDF_NIL):
            first, rest = self.one(node, RDF_FIRST), self.one(node, RDF_REST)
            if first is None or rest is None:
                raise NotImplementedError(f"{_name(node)} is not a well-formed RDF list")
            items.append(first)
            node = rest
        return items


def _name(term: Term | str) -> str:
    text = term if isinstance(term, str) else _text(term)
    return "sh:" + text[len(SH):] if text.startswith(SH) else text


def _literal(term: Term | None, what: str) -> ox.Literal:
    if not isinstance(term, ox.Literal):
        raise NotImplementedError(f"{what} must be a literal, not {term}")
    return term


def _integer_param(term: Term | None, what: str) -> int:
    lit = _literal(term, what)
    if lit.datatype.value not in _INTEGERS or _integer(lit.value, lit.datatype.value) is None:
        raise NotImplementedError(f"{what} must be an integer, not {lit}")
    return int(lit.value)


def _iri(term: Term | None, what: str) -> ox.NamedNode:
    if not isinstance(term, ox.NamedNode):
        raise NotImplementedError(f"{what} must be an IRI, not {term}")
    return term


class _Compiler:
    """Turns shape nodes into _Shape objects, each once."""

    def __init__(self, g: _ShapesGraph):
        self.g = g
        self.done: dict[Term, _Shape] = {}
        self.active: set[Term] = set()

    def shape(self, node: Term, nested: bool = False) -> _Shape:
        """The compiled shape of a node; nested shapes are only checked for conformance."""
        if node in self.active:
            raise NotImplementedError(f"shape {_name(node)} refers to itself (recursion)")
        if node not in self.done:
            self.active.add(node)
            self.done[node] = self._compile(node)
            self.active.discard(node)
        shape = self.done[node]
        if nested and shape.sparql:
            raise NotImplementedError(f"shape {_name(node)} has sh:sparql but is used in another "
                                      "shape; only shapes with targets may have sh:sparql")
        return shape

    def _compile(self, node: Term) -> _Shape:
        g = self.g
        for t in g.objects(node, RDF_TYPE.value):
            if _text(t) not in (SH + "NodeShape", SH + "PropertyShape"):
                raise NotImplementedError(f"shape {_name(node)} has type {_name(t)}: implicit "
                                          "class targets are not implemented")
        message = g.one(node, SH + "message")
        shape = _Shape(node)
        if message is not None:
            shape.message = _literal(message, "sh:message").value
        path = g.one(node, SH + "path")
        if path is not None:
            steps = [path] if isinstance(path, ox.NamedNode) else g.items(path)
            shape.path = tuple(_iri(p, "a step of sh:path (only sequence paths)") for p in steps)
        shape.target_classes = list(g.objects(node, SH + "targetClass"))
        shape.target_objects_of = [_iri(p, "sh:targetObjectsOf")
                                   for p in g.objects(node, SH + "targetObjectsOf")]
        shape.properties = [self.shape(p) for p in g.objects(node, SH + "property")]
        for p in shape.properties:
            if p.path is None:
                raise NotImplementedError(f"property shape {_name(p.node)} has no sh:path")
            if p.target_classes or p.target_objects_of:
                raise NotImplementedError(f"property shape {_name(p.node)} has its own targets")
        shape.sparql = [self._sparql(s) for s in g.objects(node, SH + "sparql")]
        for predicate, objects in g.out.get(node, {}).items():
            if predicate.startswith(SH) and predicate not in _STRUCTURE:
                shape.constraints.extend(self._constraint(node, predicate, o) for o in objects)
            if shape.path is None and predicate in _PROPERTY_ONLY:
                raise NotImplementedError(f"{_name(predicate)} on node shape {_name(node)}")
            if shape.path is not None and predicate in _NODE_ONLY:
                raise NotImplementedError(f"{_name(predicate)} on property shape {_name(node)}")
        if (g.objects(node, SH + "qualifiedMinCount") or g.objects(node, SH + "qualifiedMaxCount")
                ) and not g.objects(node, SH + "qualifiedValueShape"):
            raise NotImplementedError(f"{_name(node)}: a qualified count needs a value shape")
        return shape

    def _constraint(self, node: Term, predicate: str, value: Term) -> _Constraint:
        g, name = self.g, predicate[len(SH):]
        what = f"sh:{name} of {_name(node)}"
        if name == "minCount":
            return _Count(_integer_param(value, what), at_least=True)
        if name == "maxCount":
            return _Count(_integer_param(value, what), at_least=False)
        if name == "class":
            return _Class(value)
        if name == "datatype":
            datatype = _iri(value, what).value
            if datatype not in _LEXICAL:
                raise NotImplementedError(f"{what}: no lexical check for datatype {datatype}")
            return _Datatype(datatype)
        if name == "nodeKind":
            return _NodeKind(_NODE_KINDS[_iri(value, what).value])
        if name == "in":
            return _In(frozenset(g.items(value)))
        if name == "pattern":
            return _Pattern(re.compile(_literal(value, what).value))
        if name == "minLength":
            return _MinLength(_integer_param(value, what))
        if name in _RANGES:
            return _Range(_literal(value, what), _RANGES[name], SH + name[0].upper() + name[1:]
                          + "ConstraintComponent")
        if name == "lessThan":
            return _PropertyPair(_iri(value, what), (-1,), SH + "LessThanConstraintComponent")
        if name == "lessThanOrEquals":
            return _PropertyPair(_iri(value, what), (-1, 0),
                                 SH + "LessThanOrEqualsConstraintComponent")
        if name == "or":
            return _Or([self.shape(s, nested=True) for s in g.items(value)])
        if name == "qualifiedValueShape":
            low, high = (g.one(node, SH + "qualifiedMinCount"),
                         g.one(node, SH + "qualifiedMaxCount"))
            if low is None and high is None:
                raise NotImplementedError(f"{what} needs sh:qualifiedMinCount or MaxCount")
            return _Qualified(self.shape(value, nested=True),
                              None if low is None else _integer_param(low, what),
                              None if high is None else _integer_param(high, what))
        raise NotImplementedError(f"{what} is not a shape parameter kb.shacl implements")

    def _sparql(self, node: Term) -> _Sparql:
        g = self.g
        for t in g.objects(node, RDF_TYPE.value):
            if _text(t) != SH + "SPARQLConstraint":
                raise NotImplementedError(f"sh:sparql {_name(node)} has type {_name(t)}")
        for predicate in g.out.get(node, {}):
            if predicate not in (RDF_TYPE.value, SH + "select", SH + "message"):
                raise NotImplementedError(f"sh:sparql {_name(node)} uses {_name(predicate)}")
        select = _literal(g.one(node, SH + "select"), "sh:select").value
        if _FORBIDDEN_SPARQL.search(select):
            raise NotImplementedError("sh:select uses a pre-bound variable other than $this: "
                                      + select)
        # Running the query on an empty store checks its syntax and gives its projection now.
        solutions = ox.Store().query(select)
        if not isinstance(solutions, ox.QuerySolutions):
            raise NotImplementedError("sh:select must be a SELECT query: " + select)
        names = [v.value for v in solutions.variables]
        if "this" not in names or "failure" in names:
            raise NotImplementedError(
                "sh:select must project $this (and ?failure is not supported): " + select)
        message = g.one(node, SH + "message")
        return _Sparql(select, None if message is None else _literal(message, "sh:message").value,
                       names)


def _compile(text: str) -> _Schema:
    """Compile a Turtle shapes graph; raise NotImplementedError for any unsupported feature."""
    g = _ShapesGraph(text)
    compiler = _Compiler(g)
    declared = [s for s, props in g.out.items()
                if any(_text(t) in (SH + "NodeShape", SH + "PropertyShape")
                       for t in props.get(RDF_TYPE.value, []))]
    targeted = [s for s, props in g.out.items()
                if SH + "targetClass" in props or SH + "targetObjectsOf" in props]
    for node in declared:  # compile untargeted shapes too, so their parameters are checked
        compiler.shape(node)
    return _Schema([compiler.shape(node) for node in dict.fromkeys(targeted)])
