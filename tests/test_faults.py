"""Fault tests (issue 13): an edit during a store rebuild (D3), a kill during the swap (A1), a
full disk (U1), two builds at once (U2) and a read-only store folder (U8).

Each runs the real kb in a subprocess, with the fault injected by a small patch or by the
operating system (a tiny tmpfs, a read-only bind mount) where the test may mount.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from conftest import edit
from helpers import leftovers, patched_cmd
from kbproc import error_line, run_kb, run_patched, tree

CLAIMS_FILE = "sources/mini-article/claims.yaml"
pytestmark = pytest.mark.slow


def confidence(stdout: str, claim: str) -> float:
    """The confidence kb claims (--nl) lists for one claim."""
    rows = {row["id"]: row for row in map(json.loads, stdout.splitlines())}
    return rows[claim]["confidence"]


def use_oxigraph(claims: Path) -> None:
    with (claims / "collection.yaml").open("a", encoding="utf-8") as fh:
        fh.write("store: oxigraph\n")


# An edit of the same size (0.95 -> 0.50): only the mtime and the bytes tell it apart.
EDIT_AFTER = f"""
from pathlib import Path

def edit_after(func, claims_arg):
    def wrapper(*args, **kwargs):
        result = func(*args, **kwargs)
        path = Path(args[claims_arg]) / {CLAIMS_FILE!r}
        path.write_text(path.read_text("utf-8").replace("confidence: 0.95",
                                                       "confidence: 0.50"), "utf-8")
        return result
    return wrapper
"""


# -- D3: the store manifest records what was loaded ---------------------------------------------


def test_d3_a_claim_edited_while_a_query_rebuilds_the_store_is_picked_up_next_time(tmp_path,
                                                                                 mini):
    patch = EDIT_AFTER + "import kb.pipeline as p\np.graph = edit_after(p.graph, 0)\n"
    first = run_patched(patch, "claims", "--store", "oxigraph", "--claims", "claims", "--nl",
                        cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert confidence(first.stdout, "tesla-revenue-2022") == 0.95  # loaded before the edit
    assert "0.50" in (mini / CLAIMS_FILE).read_text("utf-8")

    second = run_kb("claims", "--store", "oxigraph", "--claims", "claims", "--nl", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert f"kb: updating the oxigraph store ({CLAIMS_FILE} changed)" in second.stderr
    assert confidence(second.stdout, "tesla-revenue-2022") == 0.5

    third = run_kb("claims", "--store", "oxigraph", "--claims", "claims", "--nl", cwd=tmp_path)
    assert third.stderr == "" and third.stdout == second.stdout


def test_d3_a_claim_edited_while_kb_build_runs_is_picked_up_by_the_next_query(tmp_path, mini):
    use_oxigraph(mini)
    patch = EDIT_AFTER + "import kb.build as b\nb.check = edit_after(b.check, 0)\n"
    built = run_patched(patch, "build", "--claims", "claims", "--out", "_site", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "0.50" in (mini / CLAIMS_FILE).read_text("utf-8")

    query = run_kb("claims", "--claims", "claims", "--nl", cwd=tmp_path)
    assert query.returncode == 0, query.stderr
    assert f"kb: updating the oxigraph store ({CLAIMS_FILE} changed)" in query.stderr
    assert confidence(query.stdout, "tesla-revenue-2022") == 0.5


# -- A1: the swap never leaves a moment without the site ----------------------------------------

OUT = "published-site"
KILL_AT = """
import os, shutil
import kb.atomic as atomic

STEP, calls = {step}, [0]

def killed_after(func):
    def wrapper(*args, **kwargs):
        result = func(*args, **kwargs)
        if any({out!r} in str(arg) for arg in args):
            calls[0] += 1
            if calls[0] == STEP:
                os._exit(137)
        return result
    return wrapper

os.rename = killed_after(os.rename)
shutil.rmtree = killed_after(shutil.rmtree)
if hasattr(atomic, "exchange"):
    atomic.exchange = killed_after(atomic.exchange)
"""


def test_a1_a_build_killed_at_any_step_of_the_swap_leaves_a_whole_site(tmp_path, mini):
    from kb.atomic import _renameat2

    if _renameat2() is None:
        pytest.skip("no renameat2 here: the swap falls back to two renames (docs/operations.md)")
    built = run_kb("build", "--claims", "claims", "--out", OUT, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    old = tree(tmp_path / OUT)
    edit(mini / CLAIMS_FILE, "The 10-K gives $81,462 million.", "The 10-K shows $81,462 million.")
    killed = []
    for step in range(1, 5):
        result = run_patched(KILL_AT.format(step=step, out=OUT), "build", "--claims", "claims",
                             "--out", OUT, cwd=tmp_path)
        assert result.returncode in (0, 137), result.stderr
        killed.append(result.returncode == 137)
        site = tree(tmp_path / OUT)  # the site is there, old or new, whole
        assert "index.html" in site and ".kb-site" in site, f"killed at step {step}: {site}"
        new_page = "The 10-K shows $81,462 million." in (
            tmp_path / OUT / "claim/tesla-revenue-2022/index.html").read_text("utf-8")
        assert site == old or new_page, f"killed at step {step}: neither the old site nor new"
        if result.returncode == 0:
            break
    assert killed[0], "the first step of the swap was never reached: the test injected nothing"
    again = run_kb("build", "--claims", "claims", "--out", OUT, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    left = leftovers(tmp_path, f".{OUT}")
    assert left == [], left


# -- U1: a full disk ----------------------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(folder: Path, size_kb: int):
    """A tmpfs of size_kb mounted at folder, or a skip where this test may not mount."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs",
                              str(folder)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def full_disk_error(out: Path, folder: str) -> str:
    return (f"Error: {out}: cannot write the new site: No space left on device; nothing was "
            f"replaced, the previous {out} is untouched; free space or fix the folder "
            f"{folder}, then build again")


def test_u1_a_full_disk_names_the_site_and_keeps_the_previous_one(tmp_path, mini, mini_site):
    site_kb = sum(p.stat().st_size for p in mini_site[1].rglob("*") if p.is_file())
    # Room for one site and a half: the first build fits, the second (beside it) cannot.
    with tmpfs(tmp_path / "disk", site_kb * 3 // 2 // 1024 + 64) as disk:
        out = disk / "_site"
        first = run_kb("build", "--claims", "claims", "--out", str(out), cwd=tmp_path)
        assert first.returncode == 0, first.stderr
        before = tree(out)
        # A new title is on every page and card, so none can be linked from the first site.
        edit(tmp_path / "claims" / "collection.yaml", "title: Mini collection",
             "title: Mini collection, revised")
        second = run_kb("build", "--claims", "claims", "--out", str(out), cwd=tmp_path)
        assert second.returncode == 1, second.stderr
        assert error_line(second) == full_disk_error(out, "disk")  # relative to the cwd
        assert tree(out) == before
        assert sorted(p.name for p in disk.iterdir()) == ["_site"]


ENOSPC_AFTER = """
import errno, os, pathlib
import kb.atomic

budget = [{budget}]
real_write_bytes = pathlib.Path.write_bytes
real_write_new = kb.atomic.write_new

def spend(path, data):
    if "staging" in str(path):
        budget[0] -= len(data)
        if budget[0] < 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

def write_bytes(self, data):
    spend(self, data)
    return real_write_bytes(self, data)

def write_new(path, data):  # the pages, cards and claims' files
    spend(path, data)
    return real_write_new(path, data)

pathlib.Path.write_bytes = write_bytes
kb.atomic.write_new = write_new
"""


def test_u1_a_write_failing_for_lack_of_space_names_the_site(tmp_path, mini):
    # The same fault without a mount: the writes into the staging folder fail part way.
    out = tmp_path / "_site"
    first = run_kb("build", "--claims", "claims", "--out", str(out), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = tree(out)
    second = run_patched(ENOSPC_AFTER.format(budget=20_000), "build", "--claims", "claims",
                         "--out", str(out), cwd=tmp_path)
    assert second.returncode == 1, second.stderr
    assert error_line(second) == full_disk_error(out, ".")
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site", "claims"]


# -- U2: two builds at once ---------------------------------------------------------------------

HOLD = """
import time
from pathlib import Path
import kb.build as b

real_check = b.check

def check(root, beside=None):
    Path({holding!r}).write_text("holding")
    while not Path({release!r}).exists():
        time.sleep(0.05)
    return real_check(root, beside)

b.check = check
"""


def test_u2_of_two_builds_the_second_fails_at_once_and_the_first_one_wins(tmp_path, mini,
                                                                          built_mini):
    before = tree(built_mini)
    edit(mini / CLAIMS_FILE, "The 10-K gives $81,462 million.", "The 10-K shows $81,462 million.")
    holding, release = tmp_path / "holding", tmp_path / "release"
    winner = subprocess.Popen(
        patched_cmd(HOLD.format(holding=str(holding), release=str(release)), "build",
                    "--claims", "claims", "--out", "_site"),
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not holding.exists():
            assert winner.poll() is None, winner.communicate()
            assert time.monotonic() < deadline, "the first build never started"
            time.sleep(0.05)
        start = time.monotonic()
        loser = run_kb("build", "--claims", "claims", "--out", "_site", cwd=tmp_path)
        assert time.monotonic() - start < 10  # at once, not after the other build
        assert loser.returncode == 1, loser.stderr
        assert error_line(loser) == (
            f"Error: _site: another kb build (process {winner.pid}) is writing it now; wait "
            "for it to finish, then run kb build again")
        assert tree(tmp_path / "_site") == before
    finally:
        release.write_text("go")
        _, err = winner.communicate(timeout=120)
    assert winner.returncode == 0, err
    page = (tmp_path / "_site/claim/tesla-revenue-2022/index.html").read_text("utf-8")
    assert "The 10-K shows $81,462 million." in page
    # The site it replaced is kept as the spare, its folders for the next build (kb.atomic).
    assert leftovers(tmp_path, "._site.") == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["._site.spare", "_site", "claims",
                                                          "holding", "release"]


# -- U8: the store folder is read-only ----------------------------------------------------------


@contextlib.contextmanager
def read_only(folder: Path):
    """folder made read-only: a read-only bind mount for root, else its modes."""
    if os.geteuid() == 0:
        subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
        try:
            remount = subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)],
                                     capture_output=True, text=True)
            if remount.returncode != 0:
                pytest.skip(f"cannot remount read-only: {remount.stderr.strip()}")
            yield "Read-only file system"
        finally:
            subprocess.run(["umount", str(folder)], check=True)
    else:
        modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")] if p.is_dir()}
        for path in modes:
            path.chmod(0o555)
        try:
            yield "Permission denied"
        finally:
            for path, mode in modes.items():
                path.chmod(mode)


def test_u8_a_read_only_store_says_the_site_was_published_and_the_store_not(tmp_path, mini):
    use_oxigraph(mini)
    first = run_kb("build", "--claims", "claims", "--out", "_site", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    edit(mini / CLAIMS_FILE, "The 10-K gives $81,462 million.", "The 10-K shows $81,462 million.")
    store = mini / ".kb"
    before = tree(store)
    with read_only(store) as reason:
        result = run_kb("build", "--claims", "claims", "--out", "_site", cwd=tmp_path)
        assert tree(store) == before
    assert result.returncode == 1, result.stderr
    assert error_line(result) == (
        "Error: published _site, but the store was not updated: claims: the oxigraph store "
        f"could not be rebuilt: {reason}: {mini}/.kb/lock; the next query rebuilds it once "
        "it can be written")
    page = (tmp_path / "_site/claim/tesla-revenue-2022/index.html").read_text("utf-8")
    assert "The 10-K shows $81,462 million." in page
    query = run_kb("claims", "--claims", "claims", "--nl", cwd=tmp_path)  # writable again
    assert query.returncode == 0, query.stderr
    assert f"kb: updating the oxigraph store ({CLAIMS_FILE} changed)" in query.stderr


def test_a1_without_an_exchange_the_swap_falls_back_to_two_renames(tmp_path, monkeypatch):
    from kb import atomic

    monkeypatch.setattr(atomic, "exchange", lambda a, b: False)
    target = tmp_path / "site"
    for version in ("old", "new"):
        with atomic.replace_dir(target) as staging:
            (staging / "index.html").write_text(version)
    assert (target / "index.html").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a1_a_replaced_folder_deleted_later_is_gone_once_its_deleter_ends(tmp_path):
    from kb import atomic

    target = tmp_path / "site"
    for version in ("old", "new"):
        with atomic.replace_dir(target, delete_later=True) as staging:
            for n in range(200):
                (staging / f"{n}.html").write_text(version)
    assert (target / "0.html").read_text() == "new"
    assert leftovers(tmp_path, ".site") == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def _site_with(folder: Path, version: str) -> None:
    for rel in ("claim/a", "claim/b/deeper", "data"):
        (folder / rel).mkdir(parents=True, exist_ok=True)
        (folder / rel / "index.html").write_text(version)


def test_a1_a_replaced_folder_kept_as_spare_gives_the_next_staging_its_folders(tmp_path):
    from kb import atomic

    target = tmp_path / "site"
    for version in ("old", "new"):
        with atomic.replace_dir(target, delete_later=True, spare=True) as staging:
            assert atomic.take_spare(target, staging) == set()
            _site_with(staging, version)
    assert leftovers(tmp_path, ".site") == []
    spare = atomic.spare_path(target)
    # The old site's folders, and of its files only the list of them.
    assert sorted(p.relative_to(spare).as_posix() for p in spare.rglob("*")
                  if not p.is_dir()) == [atomic.SPARE_LIST]
    old = (spare / "claim/b/deeper").stat().st_ino

    with atomic.replace_dir(target, spare=True) as staging:
        folders = atomic.take_spare(target, staging)
        assert sorted(folders) == ["claim", "claim/a", "claim/b", "claim/b/deeper", "data"]
        assert (staging / "claim/b/deeper").stat().st_ino == old
        assert [p for p in staging.rglob("*") if not p.is_dir()] == []
        assert not spare.exists()
        assert staging.stat().st_mode & 0o777 == 0o700  # no reader's until the swap
        _site_with(staging, "newest")
    assert (target / "claim/a/index.html").read_text() == "newest"
    assert (target / "claim/b/deeper").stat().st_ino == old


@pytest.mark.parametrize("listed", [None, b"not json", b'["claim", "../outside"]',
                                    b'["claim", "/abs"]', b'{"claim": 1}'])
def test_a1_a_spare_without_a_sound_list_of_its_folders_is_not_used(tmp_path, listed):
    from kb import atomic

    target = tmp_path / "site"
    spare = atomic.spare_path(target)
    (spare / "claim/gone").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    if listed is not None:  # None: a deletion cut it short before its list was read
        (spare / atomic.SPARE_LIST).write_bytes(listed)
    with atomic.replace_dir(target, spare=True) as staging:
        assert atomic.take_spare(target, staging) == set()
        assert list(staging.iterdir()) == []
        (staging / "index.html").write_text("new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outside", "site"]


def test_a1_a_spare_another_user_owns_is_left_alone(tmp_path, monkeypatch):
    from kb import atomic

    target = tmp_path / "site"
    spare = atomic.spare_path(target)
    (spare / "claim").mkdir(parents=True)
    (spare / atomic.SPARE_LIST).write_text('["claim"]')
    monkeypatch.setattr(os, "geteuid", lambda: spare.stat().st_uid + 1)  # as if another's
    with atomic.replace_dir(target, spare=True) as staging:
        assert atomic.take_spare(target, staging) == set()
        assert list(staging.iterdir()) == []
    assert sorted(p.relative_to(spare).as_posix() for p in spare.rglob("*")) == [
        atomic.SPARE_LIST, "claim"]


def test_a1_the_exchange_swaps_two_folders_in_one_step(tmp_path):
    from kb import atomic

    if atomic._renameat2() is None:
        pytest.skip("no renameat2 here")
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "f").write_text("a")
    (b / "f").write_text("b")
    assert atomic.exchange(a, b)
    assert ((a / "f").read_text(), (b / "f").read_text()) == ("b", "a")
    with pytest.raises(FileNotFoundError):
        atomic.exchange(a, tmp_path / "missing")


def test_u2_a_killed_build_leaves_no_lock_even_while_a_worker_lives_on(tmp_path):
    import sys

    from kb.atomic import exclusive

    out, forked = tmp_path / "_site", tmp_path / "forked"
    code = f"""
import os, time
from pathlib import Path
from kb.atomic import exclusive
with exclusive(Path({str(out)!r}), "kb build"):
    if os.fork() == 0:  # a worker, as the build forks them, outliving its parent a while
        time.sleep(5)
        os._exit(0)
    Path({str(forked)!r}).write_text("forked")
    os._exit(9)  # killed while it holds the lock
"""
    subprocess.run([sys.executable, "-c", code], timeout=60, check=False)
    assert forked.exists()
    with exclusive(out, "kb build"):  # at once, not once the worker is gone
        pass
