"""Read a file of the claims folder only if it is a regular file that resolves inside it.

The claims folder is a sandbox: a YAML file or a source text that is a symlink leading out of
it, an absolute or climbing path, a device (/dev/zero), a pipe or a folder is refused with a
one-line reason, before a byte is read, so that nothing outside the folder is ever echoed in a
message or published, and nothing unbounded is read.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path, PurePosixPath

from .errors import KbError
from .limits import MAX_FILE_BYTES

# Characters no file or value of the collection may contain: C0 controls but tab, newline and
# carriage return; DEL and the C1 controls; surrogates; Unicode noncharacters (U+FDD0-U+FDEF and
# the last two code points of every plane). YAML, XML 1.0 and HTML all refuse or warn on them.
# One character class with every astral code point is 15 times faster than one listing the 32
# astral noncharacters; an astral match is then checked by hand (they are rare).
_CANDIDATES = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    "\U00010000-\U0010ffff]")


def find_forbidden(text: str) -> re.Match | None:
    """The first character of text that the collection does not allow, or None."""
    for m in _CANDIDATES.finditer(text):
        code = ord(m.group())
        if code < 0x10000 or code & 0xFFFE == 0xFFFE:
            return m
    return None


class UnsafeFile(KbError):
    """A file of the collection cannot be read safely; the message says why and what to do."""


def forbidden_char(text: str) -> tuple[int, int, str] | None:
    """(line, column, U+XXXX) of the first forbidden character in text, or None (both 1-based)."""
    m = find_forbidden(text)
    if m is None:
        return None
    before = text[:m.start()]
    line = before.count("\n") + 1
    column = m.start() - (before.rfind("\n") + 1) + 1
    return line, column, f"U+{ord(m.group()):04X}"


def relative_name_problem(name: str) -> str | None:
    """Why a file name written in the YAML cannot name a file inside its folder, or None."""
    if not name or name in (".", ".."):
        return "is not a file name"
    path = PurePosixPath(name)
    if path.is_absolute() or name.startswith("~") or "\\" in name:
        return "is not a path relative to its folder"
    if ".." in path.parts:
        return "climbs out of its folder with '..'"
    return None


def read_inside(path: Path, root: Path, too_big: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of path, which must resolve inside root to a regular file of at most limit.

    too_big: how to fix a file over the limit.
    """
    try:
        real = path.resolve(strict=True)
    except FileNotFoundError:
        raise UnsafeFile("file not found; create it") from None
    except RuntimeError:  # Python < 3.13 reports a symlink loop so
        raise UnsafeFile("is a symlink loop; replace it with the file itself") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeFile("is a symlink loop; replace it with the file itself") from None
        raise UnsafeFile(f"cannot be read: {exc.strerror}") from None
    if not real.is_relative_to(root.resolve()):
        raise UnsafeFile("leads out of the claims folder (a symlink or a path outside it); "
                         "put the file itself inside the claims folder")
    # O_NOFOLLOW: a symlink swapped in after resolve must not lead out.
    return read_regular(real, too_big, limit, os.O_NOFOLLOW)


def read_regular(path: Path, too_big: str, limit: int = MAX_FILE_BYTES, flags: int = 0) -> bytes:
    """The bytes of a regular file of at most limit bytes; UnsafeFile (saying why) if not.

    Alone, for a file named on the command line (kb new, kb mentions), which may lie anywhere.
    """
    # O_NONBLOCK: a FIFO (or one swapped in after a check) must not block the open.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | flags)
    except FileNotFoundError:
        raise UnsafeFile("file not found; create it") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeFile("is a symlink loop; replace it with the file itself") from None
        raise UnsafeFile(f"cannot be read: {exc.strerror}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise UnsafeFile("is a folder, not a file; name a file" if stat.S_ISDIR(info.st_mode)
                         else "is not a regular file (a device, pipe or socket); replace it "
                         "with a file")
    if info.st_size > limit:
        os.close(fd)
        raise UnsafeFile(_too_big(info.st_size, limit, too_big))
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:  # it grew after the size was checked
        raise UnsafeFile(_too_big(len(data), limit, too_big))
    return data


def _too_big(size: int, limit: int, fix: str) -> str:
    return f"is {size} bytes, more than the limit of {limit} (docs/limits.md); {fix}"
