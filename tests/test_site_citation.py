"""The site for citation and reuse (issue 14, part 10).

Each test reads the seed site built once: the ClaimReview's author and evidence @ids are
addresses of pages of the site, and the site check fails when one of them is not.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT
from helpers import copy_of_site, invoke
from lxml import etree

import kb.history
from kb.build import build
from kb.history import read_history
from kb.siteverify import verify_site


@pytest.fixture(scope="module")
def seed(seed_site):
    """(site folder, checked collection) of the session's seed site; tests change copies."""
    return seed_site.out, seed_site.checked


def page_tree(path: Path):
    return etree.fromstring(path.read_bytes(), etree.HTMLParser())


def text_of(el) -> str:
    return " ".join("".join(el.itertext()).split())


def claim_review(out: Path, ident: str) -> dict:
    tree = page_tree(out / "claim" / ident / "index.html")
    [script] = tree.findall(".//script[@type='application/ld+json']")
    return json.loads(script.text)


def page_of(out: Path, site_url: str, iri: str) -> Path:
    """The page an @id names, read as an address under site_url."""
    assert iri.startswith(site_url), f"{iri} is not under {site_url}"
    return out / iri[len(site_url):] / "index.html"


# -- 1. the reviewer and evidence @ids resolve to pages ------------------------------------------


def test_reviewer_and_evidence_ids_are_pages_of_the_site(seed):
    out, checked = seed
    c = checked.collection
    site_url = c.config.site_url
    claim = c.claims["tesla-highest-revenue-year"]
    review = claim_review(out, claim.id)
    author = page_tree(page_of(out, site_url, review["author"]["@id"]))
    assert text_of(author.find(".//h1")) == c.config.reviewers[claim.review.reviewer].name
    reviewed = {a.get("href") for a in author.iter("a")}
    assert "../../claim/tesla-highest-revenue-year/" in reviewed
    signed = [x.id for x in c.claims.values() if x.review.reviewer == claim.review.reviewer]
    assert len([h for h in reviewed if h and h.startswith("../../claim/")]) == len(signed)
    assert [ref["@id"] for ref in review["isBasedOn"]] == [
        f"{site_url}evidence/{e}" for e in claim.review.evidence]
    ev = c.evidence[claim.review.evidence[0]]
    doc = c.documents[ev.document]
    statement = page_tree(page_of(out, site_url, review["isBasedOn"][0]["@id"]))
    links = {a.get("href") for a in statement.iter("a")}
    assert f"../../document/{doc.id}/" in links
    assert "../../claim/tesla-highest-revenue-year/" in links
    document = text_of(page_tree(out / "document" / doc.id / "index.html").find(".//main"))
    for want in (doc.title, doc.publisher, "Tier", f"Retrieved {doc.retrieved}", ev.id,
                 "Bears on"):
        assert want in document, f"{want!r} not on the document page:\n{document}"
    assert ev.quote[:14] in document  # a table row is shown as cells: its label starts it


def test_an_evidence_id_without_its_page_fails_the_site_check(seed, tmp_path):
    out, checked = seed
    site = copy_of_site(out, tmp_path)
    claim = checked.collection.claims["tesla-highest-revenue-year"]
    ev = claim.review.evidence[0]
    shutil.rmtree(site / "evidence" / ev)
    page = site / "claim" / claim.id / "index.html"
    base = checked.collection.config.base
    text = page.read_text("utf-8")
    author = f'"author": {{"@id": "{base}reviewer/'
    assert author in text
    page.write_text(text.replace(author, f'"author": {{"@id": "{base}people/'), "utf-8")
    problems = [str(p) for p in verify_site(checked, site)]
    assert f"evidence/{ev}/index.html: evidence {ev}: missing: the graph has this evidence " \
        "but the site has no page for it" in problems, "\n".join(problems)
    assert f"claim/{claim.id}/index.html: JSON-LD author @id '{base}people/kb-editors' is not " \
        "the address of a page of this site" in problems, "\n".join(problems)


# -- 2. about, corrections and update history ----------------------------------------------------


def git(folder: Path, *args: str, when: str = "2026-11-01T10:00:00+00:00") -> None:
    env = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "PATH": os.environ["PATH"],
           "HOME": str(folder)}
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=t@example.org", *args],
                   cwd=folder, env=env, check=True, capture_output=True)


def test_corrections_and_history_come_from_the_claims_git_history(tmp_path):
    claims = tmp_path / "claims"
    shutil.copytree(ROOT / "claims", claims)
    claims_file = claims / "sources" / "tesla-dojo-commentary" / "claims-1.yaml"
    original = claims_file.read_text("utf-8")
    head, sep, rest = original.partition("- id: tesla-revenue-2022\n")
    first = rest.replace("verdict: accurate", "verdict: mostly-accurate", 1)
    claims_file.write_text(head + sep + first, "utf-8")
    git(claims, "init", "-q")
    git(claims, "add", ".")
    git(claims, "commit", "-q", "-m", "First publication")
    claims_file.write_text(original, "utf-8")
    git(claims, "commit", "-q", "-am", "Revenue 2022 re-reviewed",
        when="2026-11-20T09:30:00+00:00")
    out = build(claims, tmp_path / "site").out
    main = text_of(page_tree(out / "corrections" / "index.html").find(".//main"))
    assert "2026-11-20: Tesla's total revenue in 2022 was US$81.462 billion.: changed from " \
        "Mostly accurate to Accurate; now ✓ Accurate what this means." in main, main
    history = [text_of(li) for li in page_tree(out / "history" / "index.html").iter("li")
               if li.find("time") is not None]
    assert [h.split(" (")[0] for h in history] == [
        "2026-11-20: Revenue 2022 re-reviewed", "2026-11-01: First publication"], history
    footer = {a.get("href") for a in page_tree(out / "index.html").find(".//footer").iter("a")}
    assert {"about/", "corrections/", "history/"} <= footer
    about = text_of(page_tree(out / "about" / "index.html").find(".//main"))
    assert "kb fact-check desk (organization)" in about and "How we rate claims" in about


def test_a_build_outside_git_says_history_is_unavailable(seed):
    out, _ = seed
    history = text_of(page_tree(out / "history" / "index.html").find(".//main"))
    assert "History unavailable: this site was not built from a version-controlled copy of " \
        "the claims." in history
    corrections = text_of(page_tree(out / "corrections" / "index.html").find(".//main"))
    assert "no corrections are recorded here" in corrections
    assert "changed from" not in corrections


def test_history_reads_every_version_through_deletions_and_broken_files(tmp_path):
    folder = tmp_path / "claims" / "sources" / "s"
    folder.mkdir(parents=True)
    claims, other = folder / "claims.yaml", folder / "claims-2.yaml"
    root = tmp_path / "claims"
    git(root, "init", "-q")
    for step, (text, extra) in enumerate([
            ("- id: a\n  review: {verdict: accurate}\n", "- id: b\n  review: {verdict: x}\n"),
            ("- id: a\n  review: {verdict: misleading}\n", None),
            ("- id: a\n  review: [unclosed\n", None),
            (None, None),
            ("- id: a\n  review: {verdict: inaccurate}\n", "- id: b\n  review: {verdict: y}\n")]):
        for path, body in ((claims, text), (other, extra)):
            if body is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(body, "utf-8")
        git(root, "add", "-A")
        git(root, "commit", "-q", "--allow-empty", "-m", f"step {step}",
            when=f"2026-11-0{step + 1}T10:00:00+00:00")
    history = read_history(root)
    assert [c.subject for c in history.commits] == [f"step {n}" for n in (4, 3, 2, 1, 0)]
    assert [(c.claim, c.before, c.after, c.commit.subject) for c in history.changes] == [
        ("a", "misleading", "inaccurate", "step 4"), ("b", "x", "y", "step 4"),
        ("a", "accurate", "misleading", "step 1")]


def test_history_counts_versions_git_cut_short_as_missing(tmp_path, monkeypatch):
    cut = b"a" * 40 + b" blob 5\nhello\n" + b"b" * 40 + b" blob 9\npart"
    monkeypatch.setattr(kb.history, "_git_bytes", lambda root, *args, given=b"": cut)
    assert kb.history._blobs(tmp_path, ["x:a", "y:b", "z:c"]) == ["hello", "", ""]
    cut = b"a" * 40 + b" blob 5\nhello\n" + b"b" * 40  # and its header cut too
    assert kb.history._blobs(tmp_path, ["x:a", "y:b"]) == ["hello", ""]


# -- 3. the claims CSV: labels, page addresses, and a BOM for Excel ------------------------------


def test_claims_csv_has_labels_page_urls_and_a_bom_for_excel(seed, tmp_path):
    out, checked = seed
    target = tmp_path / "claims.csv"
    invoke("export", "--claims", str(ROOT / "claims"), "--format", "csv", "-o", str(target))
    data = target.read_bytes()
    assert data[:3] == b"\xef\xbb\xbf", data[:20]
    assert (out / "data" / "kb.csv").read_bytes() == data
    with target.open(encoding="utf-8-sig", newline="") as f:
        rows = {row["id"]: row for row in csv.DictReader(f)}
    site_url = checked.collection.config.site_url
    row = rows["tesla-revenue-2022"]
    assert {k: row[k] for k in ("url", "source_url", "subject_label", "property_label",
                                "compared_with_label", "quote")} == {
        "url": f"{site_url}claim/tesla-revenue-2022/",
        "source_url": f"{site_url}source/tesla-dojo-commentary/",
        "subject_label": "Tesla", "property_label": "total revenue",
        "compared_with_label": "", "quote": "总营收 814.62 亿好意思元"}
    for ident, row in rows.items():
        assert (out / row["url"].removeprefix(site_url) / "index.html").is_file(), ident
        assert (out / row["source_url"].removeprefix(site_url) / "index.html").is_file(), ident
        assert bool(row["compared_with"]) == bool(row["compared_with_label"]), ident
    dictionary = text_of(page_tree(out / "data" / "index.html").find(".//main"))
    for column in ("url", "source_url", "subject_label", "property_label", "compared_with_label"):
        assert f" {column} " in f" {dictionary} ", column


# -- 4. the data page's schema.org Dataset -------------------------------------------------------


def dataset_of(page: Path) -> dict:
    [script] = page_tree(page).findall(".//script[@type='application/ld+json']")
    return json.loads(script.text)


def test_data_page_describes_the_downloads_as_a_dataset(seed):
    out, checked = seed
    c = checked.collection
    site_url = c.config.site_url
    dataset = dataset_of(out / "data" / "index.html")
    assert (dataset["@type"], dataset["name"], dataset["license"], dataset["description"]) == (
        "Dataset", c.config.title, c.config.license_url, c.config.description)
    assert dataset["dateModified"] == max(cl.review.date for cl in c.claims.values()).isoformat()
    offered = {a.get("href").removeprefix("../") for a in
               page_tree(out / "data" / "index.html").iter("a")
               if (a.get("href") or "").startswith("../data/") and a.get("href") != "../data/"}
    urls = {d["contentUrl"].removeprefix(site_url): d["encodingFormat"]
            for d in dataset["distribution"]}
    assert set(urls) >= {"data/kb.trig", "data/kb.ttl", "data/kb.nq", "data/kb.jsonld",
                         "data/kb.csv", "data/ontology.ttl"}
    assert urls["data/kb.csv"] == "text/csv" and urls["data/kb.ttl"] == "text/turtle"
    for path in urls:
        assert (out / path).is_file(), path
    assert offered <= set(urls), offered - set(urls)
    [creator] = dataset["creator"]
    assert page_of(out, site_url, creator["@id"]).is_file()


def test_a_dataset_that_differs_from_the_collection_fails_the_site_check(seed, tmp_path):
    out, checked = seed
    site = copy_of_site(out, tmp_path)
    page = site / "data" / "index.html"
    newest = max(cl.review.date for cl in checked.collection.claims.values()).isoformat()
    text = page.read_text("utf-8")
    assert f'"dateModified": "{newest}"' in text
    page.write_text(text.replace(f'"dateModified": "{newest}"', '"dateModified": "2030-01-01"'),
                    "utf-8")
    problems = [str(p) for p in verify_site(checked, site)]
    assert problems == [f'data/index.html: Dataset JSON-LD gives dateModified "2030-01-01", the '
                        f'collection gives "{newest}"'], problems


# -- 5. claimReviewed fits the 75 characters Google advises --------------------------------------


def test_claim_reviewed_is_at_most_75_characters_cut_at_a_word(seed):
    out, checked = seed
    long = 0
    for claim in checked.collection.claims.values():
        reviewed = claim_review(out, claim.id)["claimReviewed"]
        assert len(reviewed) <= 75, (claim.id, reviewed)
        if len(claim.statement) <= 75:
            assert reviewed == claim.statement
            continue
        long += 1
        kept = reviewed.removesuffix("…")
        assert reviewed.endswith("…") and claim.statement.startswith(kept), (claim.id, reviewed)
        assert claim.statement[len(kept)] in " ,;:", (claim.id, reviewed)  # a word boundary
        page = text_of(page_tree(out / "claim" / claim.id / "index.html").find(".//main"))
        assert claim.statement in page, claim.id  # the full statement stays on its page
    assert long == 26  # the seed's statements over 75 characters (issue 14)
    review = claim_review(out, "spacex-valuation-2025-cny")["claimReviewed"]
    assert review == "Hurun's 2025 Global Unicorn Index, published in June 2025, valued SpaceX…"


def test_a_long_claim_reviewed_fails_the_site_check(seed, tmp_path):
    out, checked = seed
    site = copy_of_site(out, tmp_path)
    claim = checked.collection.claims["spacex-valuation-2025-cny"]
    page = site / "claim" / claim.id / "index.html"
    text = page.read_text("utf-8")
    short = json.dumps(claim.claim_reviewed, ensure_ascii=False)
    assert f'"claimReviewed": {short}' in text
    page.write_text(text.replace(f'"claimReviewed": {short}',
                                 f'"claimReviewed": {json.dumps(claim.statement)}'), "utf-8")
    problems = [str(p) for p in verify_site(checked, site)]
    assert f"claim/{claim.id}/index.html: JSON-LD claimReviewed is {len(claim.statement)} " \
        "characters, more than the 75 Google advises" in problems, problems


def test_a_claim_page_links_each_cited_evidence_to_its_own_page(seed):
    out, checked = seed
    claim = checked.collection.claims["tesla-highest-revenue-year"]
    links = {a.get("href") for a in
             page_tree(out / "claim" / claim.id / "index.html").iter("a")}
    for ev in claim.review.evidence:
        assert f"../../evidence/{ev}/" in links, ev
