"""The bad-input corpus: each case edits a copy of tests/fixtures/mini and names the one line
`kb check` must print for it (paths relative to the folder holding the copy, `claims/`).

An edit is a tuple: ("replace", FILE, OLD, NEW) replaces the first OLD; ("write", FILE, TEXT
or BYTES); ("append", FILE, TEXT); ("symlink", FILE, TARGET) replaces FILE by a link;
("mkdir", FILE); ("mkfifo", FILE); ("fix-sha",) sets source.yaml's sha256 to its text's.
FILE is relative to claims/. `defects` names what the case covers in issue 13; `build` marks
the cases also run through `kb build`, which must leave a previous site byte-identical.
"""

from __future__ import annotations

from dataclasses import dataclass

SRC = "sources/mini-article"
CLAIMS = f"{SRC}/claims.yaml"
SOURCE = f"{SRC}/source.yaml"
TEXT = f"{SRC}/text.txt"
C = "claims/"  # how kb check shows a path: relative to the working folder


@dataclass(frozen=True)
class Case:
    """One bad input and the exact line kb check prints for it."""

    name: str
    defects: str
    edits: tuple
    expected: str
    build: bool = False


def bomb(levels: int = 10) -> str:
    """A flow list whose every item aliases the last nine times: 9**levels items expanded."""
    items = ["&a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    items += [f"&a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return f"[{', '.join(items)}]"


def nested(depth: int = 250) -> str:
    return "[" * depth + "]" * depth


LIMITS = "(docs/limits.md)"
NESTED = f"mappings and lists are nested more than 32 levels deep {LIMITS}; flatten them"
BOMB = (
    f"with its aliases (*name) expanded the document grows beyond 8388608 {LIMITS}; write "
    "the values out instead of repeating aliases"
)
OUT = (
    "leads out of the claims folder (a symlink or a path outside it); put the file itself "
    "inside the claims folder"
)
EMPTY = "the file is empty or holds only comments; write its content"
RANGE = (
    "is outside 1e-30 to 1e30 in size (docs/limits.md); write it with at most that many "
    "digits and a smaller exponent"
)
BAD_TEXT_NAME = "name a file inside mini-article/, like text.txt"
HTTP = "must start with http:// or https://"
ID5000 = "a" * 5000
LONG_ID = f"id '{'a' * 79}…' is 5000 characters long, more than 100 {LIMITS}; choose a shorter id"

CASES: list[Case] = [
    # C1: deep nesting, in several kinds of file
    Case(
        "deep-nesting-claims",
        "C1",
        (("replace", CLAIMS, "precision: 1e6", f"precision: {nested()}"),),
        f"{C}{CLAIMS}:11: {NESTED}",
        build=True,
    ),
    Case(
        "deep-nesting-relations",
        "C1",
        (
            (
                "replace",
                f"{SRC}/relations.yaml",
                "description: The",
                f"note: {nested()}\n  description: The",
            ),
        ),
        f"{C}{SRC}/relations.yaml:3: {NESTED}",
    ),
    Case(
        "deep-nesting-block-collection",
        "C1",
        (
            (
                "append",
                "collection.yaml",
                "deep:\n" + "".join(" " * i + "a:\n" for i in range(1, 60)),
            ),
        ),
        f"{C}collection.yaml:40: {NESTED}",
    ),
    # C2: NUL, other control characters and U+FFFE
    Case(
        "nul-in-source-notes",
        "C2",
        (("replace", SOURCE, "A tiny", "A\x00tiny"),),
        f"{C}{SOURCE}:6: control character U+0000 at column 10 is not allowed; remove it",
        build=True,
    ),
    Case(
        "bell-in-entities",
        "C2",
        (("replace", "entities.yaml", "Tesla,", "Tes\x07la,"),),
        f"{C}entities.yaml:2: control character U+0007 at column 18 is not allowed; remove it",
    ),
    Case(
        "fffe-in-properties",
        "C2",
        (("replace", "properties.yaml", "total revenue}", "total\ufffe revenue}"),),
        f"{C}properties.yaml:2: control character U+FFFE at column 20 is not allowed; remove it",
    ),
    Case(
        "escaped-nul-in-evidence",
        "C2",
        (("replace", "evidence/finance.yaml", '"Total revenues', '"Total\\0 revenues'),),
        f"{C}evidence/finance.yaml:12: a value holds the control character U+0000, which is not "
        "allowed; remove it",
    ),
    Case(
        "not-utf8-claims",
        "C2",
        (("write", CLAIMS, b"- id: x\n  quote: \xff\n"),),
        f"{C}{CLAIMS}:2: not UTF-8 text (invalid start byte at byte 10 of the line); save it "
        "as UTF-8",
    ),
    # C3: alias bombs
    Case(
        "alias-bomb-source-notes",
        "C3",
        (("replace", SOURCE, "[A tiny spun text for tests.]", bomb()),),
        f"{C}{SOURCE}:6: {BOMB}",
        build=True,
    ),
    Case(
        "alias-bomb-claim-about",
        "C3",
        (("replace", CLAIMS, "  subject: tesla\n", f"  subject: tesla\n  about: {bomb()}\n"),),
        f"{C}{CLAIMS}:8: {BOMB}",
    ),
    Case(
        "alias-bomb-entity-label",
        "C3",
        (("replace", "entities.yaml", "{en: BYD, zh: 比亚迪}", f"{{en: BYD, zh: {bomb()}}}"),),
        f"{C}entities.yaml:6: {BOMB}",
    ),
    # C4: numbers out of range
    Case(
        "amount-1e309",
        "C4",
        (("replace", CLAIMS, "amount: 81462e6", 'amount: "1e309"'),),
        f"{C}{CLAIMS}:9: claim tesla-revenue-2022: amount '1e309' {RANGE}",
        build=True,
    ),
    Case(
        "amount-1e309-unquoted",
        "C4",
        (("replace", CLAIMS, "amount: 81462e6", "amount: 1e309"),),
        f"{C}{CLAIMS}:9: claim tesla-revenue-2022: amount 1e309 {RANGE}",
    ),
    Case(
        "precision-1e999999-evidence",
        "C4",
        (("replace", "evidence/finance.yaml", "precision: 1e6", 'precision: "1e999999"'),),
        f"{C}evidence/finance.yaml:17: evidence tesla-revenue-2022-10k: precision '1e999999' "
        f"{RANGE}",
    ),
    Case(
        "amount-1e-999999",
        "C4",
        (("replace", CLAIMS, "amount: 81462e6", 'amount: "1e-999999"'),),
        f"{C}{CLAIMS}:9: claim tesla-revenue-2022: amount '1e-999999' {RANGE}",
    ),
    Case(
        "zero-with-huge-exponent",
        "C4",
        (("replace", CLAIMS, "amount: 81462e6", "amount: 0e-999999"),),
        f"{C}{CLAIMS}:9: claim tesla-revenue-2022: amount 0e-999999 has its last digit too far "
        "after the decimal point (docs/limits.md); write it with at most that many digits and a "
        "smaller exponent",
    ),
    Case(
        "amount-40-digits",
        "C4",
        (
            (
                "replace",
                CLAIMS,
                "amount: 81462e6",
                "amount: 1.234567890123456789012345678901234567890e10",
            ),
        ),
        f"{C}{CLAIMS}:9: claim tesla-revenue-2022: amount "
        "1.234567890123456789012345678901234567890e10 has 40 significant digits, more than 34 "
        "(docs/limits.md); write it with at most that many digits and a smaller exponent",
    ),
    # C5: a 5,000-digit integer
    Case(
        "integer-5000-digits",
        "C5",
        (("replace", CLAIMS, "amount: 81462e6", "amount: " + "9" * 5000),),
        f"{C}{CLAIMS}:9: the number 99999999999999999999… has more than 34 digits "
        f"{LIMITS}; write it with an exponent, like 1.5e30",
        build=True,
    ),
    Case(
        "integer-5000-digits-ignored",
        "C5",
        (("replace", f"{SRC}/ignored.yaml", "start: 48", "start: " + "4" * 5000),),
        f"{C}{SRC}/ignored.yaml:2: the number 44444444444444444444… has more than 34 digits "
        f"{LIMITS}; write it with an exponent, like 1.5e30",
    ),
    # C6: invalid language tags
    Case(
        "language-with-space",
        "C6",
        (("replace", SOURCE, "language: zh", 'language: "zh zh"'),),
        f"{C}{SOURCE}:5: source mini-article: language 'zh zh' is not a language tag like en, "
        "zh or pt-BR",
        build=True,
    ),
    Case(
        "label-language-with-space",
        "C6",
        (("replace", "entities.yaml", "{en: Tesla,", '{"en us": Tesla,'),),
        f"{C}entities.yaml:2: entity tesla: label language 'en us' is not a language tag like "
        "en, zh or pt-BR",
    ),
    Case(
        "property-label-language",
        "C6",
        (("replace", "properties.yaml", "{en: total", "{e1: total"),),
        f"{C}properties.yaml:2: property total-revenue: label language 'e1' is not a language "
        "tag like en, zh or pt-BR",
    ),
    # C7: a url no serialisation can carry
    Case(
        "source-url-space-and-angle",
        "C7",
        (
            (
                "replace",
                SOURCE,
                "url: https://example.org/article",
                'url: "http://exa mple.com/<x>"',
            ),
        ),
        f"{C}{SOURCE}:3: source mini-article: url 'http://exa mple.com/<x>' holds ' ', which a "
        "link cannot hold; percent-encode it (a space is %20)",
        build=True,
    ),
    Case(
        "document-url-angle",
        "C7",
        (
            (
                "replace",
                "evidence/finance.yaml",
                "https://www.sec.gov/example",
                "https://www.sec.gov/<x>",
            ),
        ),
        f"{C}evidence/finance.yaml:6: document tesla-10k: url 'https://www.sec.gov/<x>' holds "
        "'<', which a link cannot hold; percent-encode it (a space is %20)",
    ),
    Case(
        "source-url-bad-ipv6",
        "C7",
        (("replace", SOURCE, "url: https://example.org/article", "url: http://[::1/x"),),
        f"{C}{SOURCE}:3: source mini-article: url 'http://[::1/x' is not a valid URL (Invalid "
        "IPv6 URL)",
    ),
    # C8: devices
    Case(
        "text-dev-zero",
        "C8",
        (("replace", SOURCE, "text: text.txt", "text: /dev/zero"),),
        f"{C}{SOURCE}:7: source mini-article: text file '/dev/zero' is not a path relative to "
        f"its folder; {BAD_TEXT_NAME}",
        build=True,
    ),
    Case(
        "text-symlink-to-dev-zero",
        "C8",
        (("symlink", TEXT, "/dev/zero"),),
        f"{C}{SOURCE}:7: source mini-article: text file 'text.txt' {OUT}",
    ),
    Case(
        "evidence-symlink-to-dev-zero",
        "C8",
        (("symlink", "evidence/zero.yaml", "/dev/zero"),),
        f"{C}evidence/zero.yaml: the file {OUT}",
    ),
    Case(
        "evidence-fifo",
        "C8",
        (("mkfifo", "evidence/pipe.yaml"),),
        f"{C}evidence/pipe.yaml: the file is not a regular file (a device, pipe or socket); "
        "replace it with a file",
    ),
    Case(
        "text-fifo",
        "C8",
        (("mkfifo", f"{SRC}/pipe.txt"), ("replace", SOURCE, "text: text.txt", "text: pipe.txt")),
        f"{C}{SOURCE}:7: source mini-article: text file 'pipe.txt' is not a regular file (a "
        "device, pipe or socket); replace it with a file",
    ),
    # P1: huge scalars and files
    Case(
        "file-over-8mb",
        "P1",
        (
            (
                "replace",
                "properties.yaml",
                "description: Revenue",
                "description: " + "x" * 9_000_000 + " Revenue",
            ),
        ),
        f"{C}properties.yaml: the file is 9000139 bytes, more than the limit of 8388608 "
        f"{LIMITS}; split it into smaller files (claims-1.yaml, claims-2.yaml, ...)",
        build=True,
    ),
    Case(
        "scalar-over-limit",
        "P1",
        (("replace", SOURCE, "[A tiny spun text for tests.]", "x" * 2_000_000),),
        f"{C}{SOURCE}:6: a value of 2000000 characters is longer than the limit of 100000 "
        f"{LIMITS}; shorten it",
    ),
    # S1: text outside the folder
    Case(
        "text-absolute",
        "S1",
        (("replace", SOURCE, "text: text.txt", "text: /etc/passwd"),),
        f"{C}{SOURCE}:7: source mini-article: text file '/etc/passwd' is not a path relative "
        f"to its folder; {BAD_TEXT_NAME}",
        build=True,
    ),
    Case(
        "text-climbing",
        "S1",
        (("replace", SOURCE, "text: text.txt", "text: ../../../../../../etc/passwd"),),
        f"{C}{SOURCE}:7: source mini-article: text file '../../../../../../etc/passwd' climbs "
        f"out of its folder with '..'; {BAD_TEXT_NAME}",
    ),
    Case(
        "text-symlink-out",
        "S1",
        (("symlink", TEXT, "/etc/passwd"),),
        f"{C}{SOURCE}:7: source mini-article: text file 'text.txt' {OUT}",
        build=True,
    ),
    Case(
        "text-home",
        "S1",
        (("replace", SOURCE, "text: text.txt", "text: ~/secret.txt"),),
        f"{C}{SOURCE}:7: source mini-article: text file '~/secret.txt' is not a path relative "
        f"to its folder; {BAD_TEXT_NAME}",
    ),
    # S2: a YAML file that is a link out of the folder
    Case(
        "evidence-symlink-passwd",
        "S2",
        (("symlink", "evidence/passwd.yaml", "/etc/passwd"),),
        f"{C}evidence/passwd.yaml: the file {OUT}",
        build=True,
    ),
    Case(
        "source-folder-file-symlink-out",
        "S2",
        (("symlink", f"{SRC}/relations.yaml", "/etc/hostname"),),
        f"{C}{SRC}/relations.yaml: the file {OUT}",
    ),
    # S3: only http(s) links
    Case(
        "license-url-javascript",
        "S3",
        (
            (
                "replace",
                "collection.yaml",
                "license_url: https://creativecommons.org/licenses/by/4.0/",
                'license_url: "javascript:alert(1)"',
            ),
        ),
        f"{C}collection.yaml:4: license_url 'javascript:alert(1)' {HTTP}",
        build=True,
    ),
    Case(
        "source-url-javascript",
        "S3",
        (("replace", SOURCE, "url: https://example.org/article", 'url: "javascript:alert(1)"'),),
        f"{C}{SOURCE}:3: source mini-article: url 'javascript:alert(1)' {HTTP}",
    ),
    Case(
        "reviewer-url-javascript",
        "S3",
        (
            (
                "replace",
                "collection.yaml",
                "    name: Test desk",
                '    name: Test desk\n    url: "javascript:alert(1)"',
            ),
        ),
        f"{C}collection.yaml:8: reviewer tester: url 'javascript:alert(1)' {HTTP}",
    ),
    Case(
        "document-url-data",
        "S3",
        (
            (
                "replace",
                "evidence/finance.yaml",
                "https://www.sec.gov/example",
                '"data:text/html,<b>x</b>"',
            ),
        ),
        f"{C}evidence/finance.yaml:6: document tesla-10k: url 'data:text/html,<b>x</b>' {HTTP}",
    ),
    Case(
        "base-ftp",
        "S3",
        (
            (
                "replace",
                "collection.yaml",
                "base: https://kb.example.org/",
                "base: ftp://kb.example.org/",
            ),
        ),
        f"{C}collection.yaml:2: base 'ftp://kb.example.org/' {HTTP}",
    ),
    # D2: an empty or comment-only file, of every kind
    Case(
        "empty-collection",
        "D2 U5",
        (("write", "collection.yaml", ""),),
        f"{C}collection.yaml: {EMPTY}",
        build=True,
    ),
    Case(
        "comment-only-entities",
        "D2",
        (("write", "entities.yaml", "# nothing yet\n"),),
        f"{C}entities.yaml: {EMPTY}",
    ),
    Case(
        "empty-properties",
        "D2",
        (("write", "properties.yaml", "\n\n"),),
        f"{C}properties.yaml: {EMPTY}",
    ),
    Case(
        "comment-only-evidence",
        "D2",
        (("write", "evidence/finance.yaml", "# todo\n"),),
        f"{C}evidence/finance.yaml: {EMPTY}, or delete the file",
    ),
    Case("empty-source", "D2", (("write", SOURCE, ""),), f"{C}{SOURCE}: {EMPTY}", build=True),
    Case(
        "comment-only-source", "D2", (("write", SOURCE, "# title: x\n"),), f"{C}{SOURCE}: {EMPTY}"
    ),
    Case(
        "empty-claims", "D2", (("write", CLAIMS, ""),), f"{C}{CLAIMS}: {EMPTY}, or delete the file"
    ),
    Case(
        "comment-only-relations",
        "D2",
        (("write", f"{SRC}/relations.yaml", "# none\n"),),
        f"{C}{SRC}/relations.yaml: {EMPTY}, or delete the file",
    ),
    Case(
        "empty-ignored",
        "D2",
        (("write", f"{SRC}/ignored.yaml", ""),),
        f"{C}{SRC}/ignored.yaml: {EMPTY}, or delete the file",
    ),
    Case(
        "empty-text",
        "D2",
        (("write", TEXT, ""), ("fix-sha",)),
        f"{C}{SOURCE}:7: source mini-article: text file 'text.txt' is empty; restore the "
        "source's text",
    ),
    # U3: control characters in the source text
    Case(
        "control-char-in-text",
        "U3",
        (("replace", TEXT, "特斯拉", "特\x1b斯拉"), ("fix-sha",)),
        f"{C}{TEXT}:1: source mini-article: text file 'text.txt': control character U+001B at "
        "column 8 is not allowed; remove it, then update sha256",
        build=True,
    ),
    Case(
        "c1-control-in-text",
        "U3",
        (("replace", TEXT, "特斯拉", "特\x85斯拉"), ("fix-sha",)),
        f"{C}{TEXT}:1: source mini-article: text file 'text.txt': control character U+0085 at "
        "column 8 is not allowed; remove it, then update sha256",
    ),
    # U4: ids too long
    Case(
        "claim-id-5000",
        "U4",
        (
            ("replace", CLAIMS, "id: byd-revenue", f"id: {ID5000}"),
            ("replace", f"{SRC}/relations.yaml", "> byd-revenue", f"> {ID5000}"),
        ),
        f"{C}{CLAIMS}:20: claim {'a' * 79}…: {LONG_ID}",
        build=True,
    ),
    Case(
        "entity-id-5000",
        "U4",
        (("append", "entities.yaml", f"- id: {ID5000}\n  label: x\n  kind: person\n"),),
        f"{C}entities.yaml:8: entity {'a' * 79}…: {LONG_ID}",
    ),
    Case(
        "source-folder-name-too-long",
        "U4",
        (("rename", SRC, f"sources/{'s' * 150}"),),
        f"{C}sources/{'s' * 150}/source.yaml:1: source {'s' * 79}…: the folder name: id "
        f"'{'s' * 79}…' is 150 characters long, more than 100 {LIMITS}; choose a shorter id; "
        "rename the folder",
    ),
    # U5: clear messages
    Case(
        "tab-broken-collection",
        "U5",
        (("replace", "collection.yaml", "  - id: tester", "  -\tid: tester"),),
        f"{C}collection.yaml:6: YAML syntax error: found character that cannot start any token "
        "while scanning for the next token that starts on line 6; it is a tab: indent with spaces",
    ),
    Case(
        "amount-true",
        "U5",
        (("replace", CLAIMS, "amount: 81462e6", "amount: true"),),
        f"{C}{CLAIMS}:9: claim tesla-revenue-2022: amount true is not a number; write a number "
        "like 81.5 or 81462e6",
    ),
    Case(
        "amount-date",
        "U5",
        (("replace", CLAIMS, "amount: 81462e6", "amount: 2022-01-01"),),
        f"{C}{CLAIMS}:9: claim tesla-revenue-2022: amount 2022-01-01 is not a number; write a "
        "number like 81.5 or 81462e6",
    ),
    Case(
        "start-a-date",
        "U5",
        (("replace", CLAIMS, "start: 9", "start: 2022-01-01"),),
        f"{C}{CLAIMS}:3: claim tesla-revenue-2022: start 2022-01-01 is not a whole number; "
        "write one like 42",
    ),
    Case(
        "confidence-huge-exponent",
        "U5",
        (("replace", CLAIMS, "confidence: 0.95", 'confidence: "1e999999"'),),
        f"{C}{CLAIMS}:13: claim tesla-revenue-2022: confidence '1e999999' {RANGE}",
    ),
    Case(
        "confidence-huge-text",
        "U5",
        (("replace", CLAIMS, "confidence: 0.95", "confidence: " + "x" * 5000),),
        f"{C}{CLAIMS}:13: claim tesla-revenue-2022: confidence '{'x' * 79}…' is not a number; "
        "write a number like 81.5 or 81462e6",
    ),
    Case(
        "reversed-offsets",
        "U5",
        (("replace", CLAIMS, "start: 9", "start: 30"),),
        f"{C}{CLAIMS}:3: claim tesla-revenue-2022: quote '总营收 814.62 亿好意思元' is not at its "
        "offsets: start 30 is not before end 25; the quote occurs at 9-25; fix start/end",
    ),
    Case(
        "offsets-beyond-text",
        "U5",
        (("replace", CLAIMS, "start: 9\n  end: 25", "start: 786\n  end: 800"),),
        f"{C}{CLAIMS}:3: claim tesla-revenue-2022: quote '总营收 814.62 亿好意思元' is not at its "
        "offsets: offsets 786-800 are outside the text (0-50); the quote occurs at 9-25; fix "
        "start/end",
    ),
    Case(
        "ignored-offsets-beyond-text",
        "U5",
        (("replace", f"{SRC}/ignored.yaml", "end: 50", "end: 51"),),
        f"{C}{SRC}/ignored.yaml:2: ignored mention 48-51: quote '78' is not at its offsets: "
        "offsets 48-51 are outside the text (0-50); the quote occurs at 48-50; fix start/end",
    ),
    Case(
        "bad-date",
        "U5",
        (("replace", CLAIMS, "date: 2026-11-28", "date: 2022-13-45"),),
        f"{C}{CLAIMS}:18: claim tesla-revenue-2022: date '2022-13-45' is not a date like "
        "2025-10-24",
    ),
    Case(
        "binary-tag-in-properties",
        "U5",
        (("replace", "properties.yaml", "description: Revenue", "description: !!binary aGk= #"),),
        f"{C}properties.yaml:3: the tag !!binary is not supported here; write plain text, "
        "numbers, lists and mappings",
    ),
    Case(
        "python-tag-in-claims",
        "U5",
        (("replace", CLAIMS, "unit: USD", "unit: !!python/object/apply:os.system [ls]"),),
        f"{C}{CLAIMS}:10: YAML syntax error: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system'",
    ),
    Case(
        "entity-not-a-mapping",
        "U5 S2",
        (("write", "entities.yaml", "- root:x:0:0:root:/root:/bin/bash" + "x" * 500 + "\n"),),
        f"{C}entities.yaml:1: expected a mapping of fields, found "
        f"'root:x:0:0:root:/root:/bin/bash{'x' * 48}…'",
    ),
    # U7: a folder or a symlink loop as a file
    Case(
        "text-dot",
        "U7",
        (("replace", SOURCE, "text: text.txt", "text: ."),),
        f"{C}{SOURCE}:7: source mini-article: text file '.' is not a file name; {BAD_TEXT_NAME}",
        build=True,
    ),
    Case(
        "text-a-folder",
        "U7",
        (("mkdir", f"{SRC}/sub"), ("replace", SOURCE, "text: text.txt", "text: sub")),
        f"{C}{SOURCE}:7: source mini-article: text file 'sub' is a folder, not a file; name a file",
    ),
    Case(
        "text-symlink-loop",
        "U7",
        (("symlink", TEXT, "text.txt"),),
        f"{C}{SOURCE}:7: source mini-article: text file 'text.txt' is a symlink loop; replace "
        "it with the file itself",
        build=True,
    ),
    Case(
        "evidence-symlink-loop",
        "U7",
        (("symlink", "evidence/loop.yaml", "loop.yaml"),),
        f"{C}evidence/loop.yaml: the file is a symlink loop; replace it with the file itself",
    ),
    Case(
        "folder-symlink-loop",
        "U7",
        (("symlink", f"{SRC}/up", ".."),),
        f"{C}{SRC}/up: the folder is a symlink loop (it links to a folder that contains it); "
        "replace the link with the folder itself",
        build=True,
    ),
    Case(
        "source-folder-symlink-loop",
        "U7",
        (("symlink", "sources/loop", "."),),
        f"{C}sources/loop: the folder is a symlink loop (it links to a folder that contains "
        "it); replace the link with the folder itself",
    ),
    Case(
        "folder-symlink-out",
        "S1",
        (("symlink", "evidence/etc", "/etc"),),
        f"{C}evidence/etc: the folder leads out of the claims folder; replace the link with the "
        "folder itself",
    ),
    Case(
        "evidence-a-folder",
        "U7",
        (("mkdir", "evidence/folder.yaml"),),
        f"{C}evidence/folder.yaml: the file is a folder, not a file; name a file",
    ),
]
