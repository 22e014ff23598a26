"""What changed in the claims and when, read from the git history of the claims folder.

The site's update-history and corrections pages show it. It comes only from commits, never
from the clock, so a build is the same whenever it runs; a claims folder outside a git
checkout (or a machine without git) has no history, and the pages say so.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .yamlfile import YAMLError, YamlLimitError, parse_yaml

# A claims file in a source folder: claims.yaml, claims-1.yaml, ...
_CLAIMS_FILE = "claims"
_GIT_TIMEOUT = 60  # seconds; a history that takes longer is reported as unavailable


@dataclass(frozen=True)
class Commit:
    """One commit that changed the claims folder."""

    sha: str
    date: str  # the committer date, ISO 8601, as git records it
    subject: str
    files: int  # how many files of the claims folder it changed


@dataclass(frozen=True)
class VerdictChange:
    """A claim whose recorded verdict a commit changed."""

    claim: str
    before: str
    after: str
    commit: Commit


@dataclass
class History:
    """The claims folder's commits, newest first, and the verdict changes among them."""

    available: bool
    commits: list[Commit] = field(default_factory=list)
    changes: list[VerdictChange] = field(default_factory=list)


def _git_bytes(root: Path, *args: str, given: bytes = b"") -> bytes | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], input=given, capture_output=True,
                              timeout=_GIT_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _git(root: Path, *args: str) -> str | None:
    out = _git_bytes(root, *args)
    return None if out is None else out.decode("utf-8", "replace")


def _blobs(root: Path, names: list[str]) -> list[str]:
    """The text of each `commit:path` in names, "" for one that is missing (a deletion).

    One `git cat-file --batch` for all of them: a `git show` per file cost a process each.
    """
    out = _git_bytes(root, "cat-file", "--batch", given="".join(f"{n}\n" for n in names)
                     .encode("utf-8"))
    texts: list[str] = []
    at = 0
    while out is not None and len(texts) < len(names):
        end = out.find(b"\n", at)
        if end < 0:  # output cut short: the rest count as missing
            break
        header = out[at:end].split()
        at = end + 1
        if len(header) != 3 or not header[2].isdigit():  # "<name> missing" has no content
            texts.append("")
            continue
        size = int(header[2])
        if at + size > len(out):  # cut short too
            break
        texts.append(out[at:at + size].decode("utf-8", "replace") if header[1] == b"blob" else "")
        at += size + 1  # the content is followed by a newline
    return texts + [""] * (len(names) - len(texts))


def _verdicts(text: str) -> dict[str, str]:
    """Claim id -> verdict in one version of a claims file (a version that does not parse
    has none: the check of that commit reported it, and it is not a correction)."""
    try:
        items = parse_yaml(text)
    except (YAMLError, YamlLimitError):
        return {}
    out = {}
    for item in items if isinstance(items, list) else []:
        review = item.get("review") if isinstance(item, dict) else None
        if isinstance(review, dict) and isinstance(item.get("id"), str):
            out[item["id"]] = str(review.get("verdict"))
    return out


def read_history(root: str | Path) -> History:
    """The history of the claims folder at root, from git; unavailable outside a checkout."""
    root = Path(root)
    if _git(root, "rev-parse", "--show-prefix") is None:
        return History(available=False)
    log = _git(root, "log", "--reverse", "--no-renames", "--format=%x1e%H%x1f%cI%x1f%s",
               "--name-only", "--", ".")
    if log is None:
        return History(available=False)
    commits: list[Commit] = []
    versions: list[tuple[Commit, str]] = []  # each claims file a commit changed, oldest first
    for record in log.split("\x1e")[1:]:
        head, _, names = record.partition("\n")
        sha, date, subject = head.split("\x1f", 2)
        files = [n for n in names.splitlines() if n]
        commit = Commit(sha, date, subject, len(files))
        commits.append(commit)
        versions += [(commit, f"{sha}:{name}") for name in files
                     if name.endswith(".yaml") and Path(name).name.startswith(_CLAIMS_FILE)]
    changes: list[VerdictChange] = []
    verdicts: dict[str, str] = {}
    for (commit, _), text in zip(versions, _blobs(root, [name for _, name in versions]),
                                 strict=True):
        for claim, verdict in _verdicts(text).items():
            before = verdicts.get(claim)
            if before is not None and before != verdict:
                changes.append(VerdictChange(claim, before, verdict, commit))
            verdicts[claim] = verdict
    return History(True, commits[::-1], changes[::-1])
