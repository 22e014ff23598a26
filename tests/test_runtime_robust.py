"""Runtime robustness (issue 13): --out refuses what a build would destroy (D1), kb serve stays in
the site (S4, C12), ids and endpoints that cannot be IRIs or URLs (C9, C10, U6), a store
manifest of the wrong shape (C11), federated queries only on request, removals only on
request, and a site that holds only what the build lists.

Error paths run the real kb console script and check the one line it prints, its exit status,
that no traceback appears and that nothing already built or stored changed.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import subprocess
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import FIXTURES, edit
from helpers import changes, serving, snapshot
from kbproc import KB, error_line, run_kb, tree

pytestmark = pytest.mark.slow
STORES = ("memory", "oxigraph")


def usage_error(result: subprocess.CompletedProcess) -> str:
    """The Error: line of a click usage error (exit 2, after the Usage and Try lines)."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


# -- D1: --out refuses the claims folder, the repository root and folders that are not sites ----


def test_d1_out_refuses_the_claims_folder(tmp_path, mini):
    before = tree(mini)
    result = run_kb("build", "--claims", "claims", "--out", "claims", cwd=tmp_path)
    assert result.returncode == 1
    assert error_line(result) == (
        f"Error: --out claims: the build would replace claims with the site, and it holds the "
        f"claims folder {mini}; choose another folder, e.g. --out _site")
    assert tree(mini) == before


def test_d1_out_refuses_the_repository_root(tmp_path, mini):
    # A clone: the claims folder, README.md, .git and an uncommitted file beside them.
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (tmp_path / "README.md").write_text("# kb\n")
    (tmp_path / "draft.txt").write_text("not committed yet\n")
    before = tree(tmp_path)
    result = run_kb("build", "--out", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert error_line(result) == (
        f"Error: --out .: the build would replace . with the site, and it holds the claims "
        f"folder {mini}; choose another folder, e.g. --out _site")
    assert tree(tmp_path) == before


def test_d1_out_refuses_the_root_of_another_repository(tmp_path, mini):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "README.md").write_text("# another project\n")
    before = tree(repo)
    result = run_kb("build", "--claims", str(mini), "--out", ".", cwd=repo)
    assert result.returncode == 1
    assert error_line(result) == (
        "Error: --out .: the folder holds files but no .kb-site, so it is not a site kb "
        "built, and the build would delete them; choose a new or empty folder")
    assert tree(repo) == before


def test_d1_out_refuses_a_folder_that_is_not_a_previous_site(tmp_path, mini):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.html").write_text("<p>hand-written</p>")
    before = tree(tmp_path / "docs")
    result = run_kb("build", "--out", "docs", cwd=tmp_path)
    assert result.returncode == 1
    assert error_line(result) == (
        "Error: --out docs: the folder holds files but no .kb-site, so it is not a site kb "
        "built, and the build would delete them; choose a new or empty folder")
    assert tree(tmp_path / "docs") == before
    # A site kb built is replaced, and so is an empty folder.
    (tmp_path / "empty").mkdir()
    assert run_kb("build", "--out", "empty", cwd=tmp_path).returncode == 0
    assert run_kb("build", "--out", "empty", cwd=tmp_path).returncode == 0


# -- S4 and C12: kb serve serves the site folder and nothing else --------------------------------


@pytest.fixture
def served(tmp_path):
    """A kb serve process on a site with symlinks out of it; yields (port, process)."""
    site = tmp_path / "_site"
    (site / "sub").mkdir(parents=True)
    (site / "index.html").write_text("<p>home</p>")
    (site / "sub" / "page.html").write_text("<p>page</p>")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("SECRET")
    (site / "p").symlink_to(outside / "secret.txt")
    (site / "r").symlink_to("/")
    (site / "out").symlink_to(outside)
    (site / "home.html").symlink_to(site / "index.html")  # inside the site: served
    proc = subprocess.Popen([KB, "serve", "--site", str(site), "--port", "0"], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()
    port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", line).group(1))
    try:
        yield port, proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)  # sent as written: no client-side normalising
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.mark.parametrize("path", ["/p", "/r/", "/r/etc/passwd", "/out/", "/out/secret.txt",
                                  "/r/proc/self/environ"])
def test_s4_serve_never_follows_a_symlink_out_of_the_site(served, path):
    port, _ = served
    status, body = get(port, path)
    assert status == 404, body
    assert b"SECRET" not in body and b"root:" not in body and b"secret.txt" not in body


def test_s4_serve_still_serves_the_site_and_links_inside_it(served):
    port, _ = served
    assert get(port, "/") == (200, b"<p>home</p>")
    assert get(port, "/sub/page.html") == (200, b"<p>page</p>")
    assert get(port, "/home.html") == (200, b"<p>home</p>")
    # A folder without index.html is not a page: no directory listing, inside the site either.
    status, listing = get(port, "/sub/")
    assert status == 404 and b"page.html" not in listing


@pytest.mark.parametrize("path", ["/%00", "/sub/%00page.html", "/index.html%00.txt"])
def test_c12_a_nul_in_the_path_gets_404_and_no_traceback(served, path):
    port, proc = served
    assert get(port, path)[0] == 404
    assert get(port, "/")[0] == 200  # and the server goes on
    proc.terminate()
    _, err = proc.communicate(timeout=10)
    assert "Traceback" not in err and "Error" not in err.replace("code 404", ""), err


# -- C9 and U6: ids that cannot be part of an IRI -----------------------------------------------


@pytest.fixture(scope="module")
def queried(tmp_path_factory):
    """A folder holding a copy of the mini collection, its stores built once for the module's
    tests that only query it (and never change it): each would build the same stores again."""
    folder = tmp_path_factory.mktemp("queried")
    shutil.copytree(FIXTURES / "mini", folder / "claims", ignore=shutil.ignore_patterns(".kb"))
    for store in STORES:
        assert run_kb("stats", "--store", store, cwd=folder).returncode == 0
    before = snapshot(folder)
    yield folder
    changed = changes(before, snapshot(folder))
    assert not changed, f"a query test changed the shared collection or its store: {changed[:5]}"


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("ident", ["a b", 'x"', "<x>", "a\\b", "Tesla-Revenue-2022", "é"])
def test_c9_show_an_id_that_cannot_exist_is_a_clean_error(queried, store, ident):
    result = run_kb("show", ident, "--store", store, cwd=queried)
    assert result.returncode == 1
    assert error_line(result) in (f"Error: no claim '{ident}'; kb claims lists them",
                                  f"Error: no claim '{ident}'; did you mean "
                                  "'tesla-revenue-2022'?")
    assert "does not look like a valid URI" not in result.stderr  # U6


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("option,kind,lister", [("--subject", "entity", "entities"),
                                                ("--property", "property", "claims --json"),
                                                ("--source", "source", "stats")])
def test_c9_u6_claims_filtered_by_an_id_that_cannot_exist(queried, store, option, kind, lister):
    result = run_kb("claims", option, 'a b"<>', "--store", store, cwd=queried)
    assert usage_error(result) == (f"Error: Invalid value for '{option}': no {kind} "
                                   f"'a b\"<>'; kb {lister} lists them")
    assert "does not look like a valid URI" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("store", STORES)
def test_c9_findings_of_a_claim_that_cannot_exist(queried, store):
    result = run_kb("findings", "--claim", 'x"', "--store", store, cwd=queried)
    assert usage_error(result) == ("Error: Invalid value for '--claim': no claim 'x\"'; kb "
                                   "claims lists them")


# -- C10: endpoints that are not URLs -----------------------------------------------------------


@pytest.mark.parametrize("url,why", [
    ("http://[::1", "is not a valid URL: Invalid IPv6 URL"),
    ("http://example.org:port/", "is not a valid URL: Port could not be cast to integer value "
                                 "as 'port'"),
    ("http://exa mple.org/", "is not a valid URL: it needs a host name and no spaces or "
                             "control characters"),
    ("http:///sparql", "is not a valid URL: it needs a host name and no spaces or control "
                       "characters"),
    ("file:///etc/passwd", "is not an http:// or https:// URL"),
])
@pytest.mark.parametrize("command", [["claims"], ["show", "x"], ["stats"], ["push"]])
def test_c10_an_endpoint_that_is_not_a_url_is_a_clean_error(tmp_path, mini, url, why, command):
    result = run_kb(*command, "--endpoint", url, cwd=tmp_path)
    assert result.returncode == 1
    assert error_line(result) == f"Error: endpoint '{url}' {why}"


# -- C11: a store manifest of the wrong shape is rebuilt ----------------------------------------


C11_COMMANDS = (["claims", "--nl"], ["stats", "--nl"], ["show", "byd-revenue"])


@pytest.fixture(scope="module")
def undamaged(queried):
    """What each C11 command prints from the shared collection's undamaged oxigraph store."""
    want = {}
    for command in C11_COMMANDS:
        first = run_kb(*command, "--store", "oxigraph", cwd=queried)
        assert first.returncode == 0, first.stderr
        want[command[0]] = first.stdout
    return want


@pytest.mark.parametrize("damage", [
    {"files": [1, 2]}, {"config": {}}, {"config": None}, {"files": {"collection.yaml": "x"}},
    {"folders": {"": 5}}, {"folders": {"": [1, "a", []]}}, {"triples": "many"},
    {"code": 7}, {"files": {"collection.yaml": [1, 2]}},
])
def test_c11_a_manifest_of_the_wrong_shape_makes_the_store_rebuild(tmp_path, queried, undamaged,
                                                                     damage):
    # A copy of the collection with its store built: the same as building it here, and the
    # nine cases then run three commands each, not six.
    shutil.copytree(queried / "claims", tmp_path / "claims")
    manifest_path = tmp_path / "claims" / ".kb" / "oxigraph" / "manifest.json"
    for command in C11_COMMANDS:
        manifest = json.loads(manifest_path.read_text("utf-8"))
        manifest.update(damage)
        manifest_path.write_text(json.dumps(manifest), "utf-8")
        result = run_kb(*command, "--store", "oxigraph", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stderr == "kb: updating the oxigraph store (there is no store yet)\n"
        assert result.stdout == undamaged[command[0]]


# -- SERVICE: no request to another server unless asked -----------------------------------------


@pytest.fixture
def listener():
    """A local http server that counts the requests it gets; yields (url, hits)."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = b'{"head": {"vars": ["s"]}, "results": {"bindings": []}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args):
            pass

    with serving(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql", hits


FEDERATED_ERROR = ("Error: the query has a SERVICE clause, which sends a request to another "
                   "server; pass --allow-service to run federated queries")


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
    "PREFIX ex: <http://e/> SELECT ?service WHERE {{ ?service ex:p ?o . "
    "SERVICE <{url}> {{ ?service ?p ?o }} }}",
])
def test_service_makes_no_request_without_allow_service(tmp_path, mini, listener, store,
                                                        template):
    url, hits = listener
    query = template.format(url=url)
    result = run_kb("query", query, "--store", store, cwd=tmp_path)
    assert result.returncode == 1
    assert error_line(result) == FEDERATED_ERROR
    assert hits == []


@pytest.mark.parametrize("store", STORES)
def test_allow_service_runs_a_federated_query(tmp_path, mini, listener, store):
    url, hits = listener
    query = f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"
    allowed = run_kb("query", query, "--store", store, "--allow-service", cwd=tmp_path)
    assert "Traceback" not in allowed.stderr, allowed.stderr
    assert len(hits) == 1, "with --allow-service the query reaches the server"


@pytest.mark.parametrize("query", [
    "SELECT ?service WHERE { ?service ?p ?o } LIMIT 1",
    "PREFIX service: <https://kb.example.org/> SELECT ?s WHERE { ?s ?p service:x }",
    "SELECT ?s WHERE { ?s ?p \"SERVICE <http://x/>\" } # SERVICE <http://x/>",
    "SELECT ?s WHERE { ?s <http://e/SERVICE> ?o }",
])
def test_service_as_a_name_or_in_text_is_not_a_federated_query(query):
    from kb.stores.sparql import uses_service

    assert not uses_service(query)


# -- removals -----------------------------------------------------------------------------------


def rename_claim(claims: Path) -> None:
    edit(claims / "sources/mini-article/claims.yaml", "- id: byd-revenue", "- id: byd-sales")
    edit(claims / "sources/mini-article/relations.yaml", "> byd-revenue", "> byd-sales")


def test_build_refuses_to_drop_published_claims_without_allow_removals(tmp_path, mini,
                                                                      built_mini):
    before = tree(built_mini)
    rename_claim(mini)
    result = run_kb("build", cwd=tmp_path)
    assert result.returncode == 1
    assert error_line(result) == (
        "Error: 1 claim(s) that _site publishes are no longer in claims: byd-revenue; pass "
        "--allow-removals to publish the site without them, or restore them")
    assert tree(tmp_path / "_site") == before

    allowed = run_kb("build", "--allow-removals", cwd=tmp_path)
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stderr.splitlines()[0] == (
        "kb: build: removed 1 claim(s) since the last build: byd-revenue")
    assert not (tmp_path / "_site/claim/byd-revenue").exists()
    assert (tmp_path / "_site/claim/byd-sales/index.html").is_file()
    again = run_kb("build", cwd=tmp_path)  # nothing removed since
    assert again.returncode == 0 and "removed" not in again.stderr


# -- the site holds only the files the build lists ----------------------------------------------


def test_the_site_holds_exactly_the_files_the_build_lists(tmp_path, mini):
    from kb.build import build
    from kb.layout import BUILD_RECORD, SITE_MARKER

    result = build(mini, tmp_path / "_site")
    on_disk = {p.relative_to(tmp_path / "_site").as_posix()
               for p in (tmp_path / "_site").rglob("*") if p.is_file() or p.is_symlink()}
    index = {p for p in on_disk if p.startswith("pagefind/")}  # Pagefind's own output
    assert on_disk - index - {SITE_MARKER, BUILD_RECORD} == set(result.files)
    assert not any((tmp_path / "_site" / p).is_symlink() for p in on_disk)


def test_static_files_are_the_listed_ones_only(monkeypatch, tmp_path):
    import shutil

    from kb import render
    from kb.layout import STATIC_FILES

    site = tmp_path / "site"
    shutil.copytree(render.templates_root(), site)
    (site / "static" / "site.css~").write_text("editor backup")
    (site / "static" / "leak.txt").symlink_to("/etc/hostname")
    monkeypatch.setattr(render, "templates_root", lambda: site)
    files = render.static_files()
    assert sorted(files) == sorted(n if n == "favicon.ico" else f"static/{n}"
                                   for n in STATIC_FILES)
    (site / "static" / "site.js").unlink()
    (site / "static" / "site.js").symlink_to("/etc/hostname")
    with pytest.raises(Exception, match=r"site\.js: kb's site files are incomplete"):
        render.static_files()
