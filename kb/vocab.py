"""The closed vocabulary of the knowledge base; kb/data/ontology.ttl documents every term."""

from rdflib import URIRef
from rdflib.namespace import DefinedNamespace, Namespace

NS = "https://kb.example.org/ns#"


class KB(DefinedNamespace):
    """Terms of the kb: namespace; using an undeclared term raises AttributeError."""

    _NS = Namespace(NS)
    _fail = True

    Accurate: URIRef
    Aggregator: URIRef
    Approximately: URIRef
    AtLeast: URIRef
    AtMost: URIRef
    BoundKind: URIRef
    CheckReport: URIRef
    Claim: URIRef
    Contradiction: URIRef
    DocumentKind: URIRef
    Entity: URIRef
    EvidenceConflict: URIRef
    EvidenceDocument: URIRef
    EvidenceStatement: URIRef
    Exact: URIRef
    Filing: URIRef
    Finding: URIRef
    IgnoredMention: URIRef
    Inaccurate: URIRef
    LessThan: URIRef
    Misleading: URIRef
    MoreThan: URIRef
    MostlyAccurate: URIRef
    NewsReport: URIRef
    OfficialStatistics: URIRef
    OriginalStatement: URIRef
    OtherDocument: URIRef
    Period: URIRef
    PointInTime: URIRef
    Property: URIRef
    Range: URIRef
    Relation: URIRef
    RelationFinding: URIRef
    WeaklySourced: URIRef
    SourceText: URIRef
    TimeQualifier: URIRef
    Unverifiable: URIRef
    Verdict: URIRef

    anchor: URIRef
    boundKind: URIRef
    characterCount: URIRef
    comparedWith: URIRef
    confidence: URIRef
    dimension: URIRef
    documentKind: URIRef
    endDate: URIRef
    expression: URIRef
    factorHigh: URIRef
    factorLow: URIRef
    finding: URIRef
    holds: URIRef
    involves: URIRef
    leftLower: URIRef
    leftUnit: URIRef
    leftUpper: URIRef
    lowerBound: URIRef
    message: URIRef
    normalisedQuote: URIRef
    note: URIRef
    precision: URIRef
    quote: URIRef
    reason: URIRef
    relation: URIRef
    reliabilityTier: URIRef
    retrieved: URIRef
    rightLower: URIRef
    rightUnit: URIRef
    rightUpper: URIRef
    sha256: URIRef
    startDate: URIRef
    statement: URIRef
    text: URIRef
    time: URIRef
    timePhrase: URIRef
    timePrecision: URIRef
    unit: URIRef
    upperBound: URIRef
    verdict: URIRef


WD = Namespace("http://www.wikidata.org/entity/")
SCHEMA = Namespace("https://schema.org/")
OA = Namespace("http://www.w3.org/ns/oa#")
