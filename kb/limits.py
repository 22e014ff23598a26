"""The bounds on what the loader accepts, defined once (docs/limits.md explains each).

Every bound keeps a command's time and memory proportional to the size of the claims folder:
nothing a file says can make the loader read more than the file, nest deeper than a claim
needs, expand aliases into more than a file may hold, or compute with numbers whose digits or
exponents are unbounded. The values are far above what a real collection uses (the seed's
largest file is 47 KB, its longest id 43 characters, its largest exponent 18).
"""

from __future__ import annotations

from decimal import Decimal

# Bytes of one YAML file or one source text; checked on the file's size before it is read.
MAX_FILE_BYTES = 8 * 1024 * 1024

# Characters of one YAML scalar (a title, a note, an explanation).
MAX_SCALAR_CHARS = 100_000

# Levels of nested mappings and lists in a YAML file (a claim's review evidence is level 4).
MAX_DEPTH = 32

# Size of a YAML document with its aliases expanded, counting each node once plus the
# characters of each scalar: no larger than a file may be, so an alias "bomb" cannot grow it.
MAX_EXPANDED_SIZE = MAX_FILE_BYTES

# Characters of an id (ids become IRI segments and file names, which systems limit to 255 bytes).
MAX_ID_CHARS = 100

# Significant digits of a number (decimal128's 34: more than any measurement states).
MAX_DIGITS = 34

# Range of a number's decimal exponent, as in 1.5e-30 or 2e30 (scientific notation's exponent):
# from quecto to quetta, so exact decimal arithmetic on two numbers stays small.
MIN_EXPONENT = -30
MAX_EXPONENT = 30

# Numbers, ids, operators and parentheses in one relation's expression (the seed's longest has
# 15): evaluating and showing a relation recurse over its tree.
MAX_EXPR_TOKENS = 200

# Characters of a value echoed in an error message; longer values are cut with "…".
MAX_SHOWN_CHARS = 80


def number_problem(value: Decimal) -> str | None:
    """Why a number is outside the digits and exponent the loader accepts, or None."""
    if not value.is_finite():
        return "is not a finite number"
    digits = len(value.as_tuple().digits)
    if digits > MAX_DIGITS:
        return f"has {digits} significant digits, more than {MAX_DIGITS}"
    if value and not MIN_EXPONENT <= value.adjusted() <= MAX_EXPONENT:
        return f"is outside 1e{MIN_EXPONENT} to 1e{MAX_EXPONENT} in size"
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < MIN_EXPONENT - MAX_DIGITS:  # 0e-999999
        return "has its last digit too far after the decimal point"
    return None


# Control characters and line separators (str.splitlines breaks on \x1c-\x1e too) are shown
# escaped, as Python would write them, so that a message stays on one line.
_LINE_BREAKS = {code: ascii(chr(code))[1:-1]
                for code in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)}


def shorten(text: str) -> str:
    """Text for a one-line error message: line breaks escaped, cut to MAX_SHOWN_CHARS with "…"."""
    text = text[:MAX_SHOWN_CHARS * 2].translate(_LINE_BREAKS)
    return text if len(text) <= MAX_SHOWN_CHARS else text[:MAX_SHOWN_CHARS - 1] + "…"
