// Search with Pagefind's index, built with the site: runs in the browser, no server needed.
const root = document.documentElement.getAttribute("data-root") || "./";
const form = document.getElementById("search-form");
const input = document.getElementById("search-q");
const verdictSelect = document.getElementById("search-verdict");
const entitySelect = document.getElementById("search-entity");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");

function option(select, value, count) {
  const el = document.createElement("option");
  el.value = value;
  el.textContent = `${value} (${count})`;
  select.appendChild(el);
}

function fillFilters(filters, params) {
  for (const [name, select] of [["verdict", verdictSelect], ["entity", entitySelect]]) {
    const values = filters[name] || {};
    Object.keys(values).sort().forEach((value) => option(select, value, values[value]));
    select.value = params.get(name) || "";
  }
}

const VERDICT_CLASS = {"Accurate": "accurate", "Mostly accurate": "mostly-accurate",
  "Misleading": "misleading", "Inaccurate": "inaccurate", "Unverifiable": "unverifiable"};

function resultItem(data) {
  const li = document.createElement("li");
  const verdict = data.meta && data.meta.verdict;
  if (verdict && VERDICT_CLASS[verdict]) {
    const badge = document.createElement("span");
    badge.className = `verdict v-${VERDICT_CLASS[verdict]}`;
    badge.textContent = verdict;
    li.appendChild(badge);
    li.appendChild(document.createTextNode(" "));
  }
  const link = document.createElement("a");
  link.href = data.url;
  const title = (data.meta && data.meta.title) || data.url;
  // a claim's title is its headline, "Inaccurate: …": the badge already says the verdict
  link.textContent = verdict && title.startsWith(`${verdict}: `) ? title.slice(verdict.length + 2) : title;
  const p = document.createElement("p");
  // Pagefind's excerpt marks hits with <mark>; build it from text so no markup is injected.
  data.excerpt.split(/(<mark>.*?<\/mark>)/).forEach((piece) => {
    const hit = piece.match(/^<mark>(.*)<\/mark>$/);
    const node = hit ? document.createElement("mark") : document.createTextNode("");
    const text = new DOMParser().parseFromString(hit ? hit[1] : piece, "text/html");
    node.textContent = text.documentElement.textContent;
    p.appendChild(node);
  });
  li.appendChild(link);
  li.appendChild(p);
  return li;
}

async function run(pagefind) {
  const query = input.value.trim();
  const filters = {};
  if (verdictSelect.value) { filters.verdict = verdictSelect.value; }
  if (entitySelect.value) { filters.entity = entitySelect.value; }
  list.replaceChildren();
  if (!query && !Object.keys(filters).length) {
    status.textContent = "Type words in Chinese or English, or choose a filter.";
    return;
  }
  status.textContent = "Searching…";
  const { total, results } = await find(pagefind, query, filters);
  results.forEach((data) => list.appendChild(resultItem(data)));
  status.textContent = `${total} result${total === 1 ? "" : "s"}` +
    (query ? ` for “${query}”` : "") + (total > results.length ? `; showing the first ${results.length}` : "");
}

// Chinese has no spaces, and Pagefind's segmenter cuts the same name differently in different
// sentences (特斯拉 is indexed as 特斯 + 拉 in most of them). A Chinese word is therefore looked
// up by its first character, which every cut keeps at the start of a word, and the pages found
// are kept only if their text holds the whole word: no page is missed and none is wrong.
const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
const SHOWN = 100;

async function find(pagefind, query, filters) {
  const terms = query.split(/\s+/).filter(Boolean);
  const chinese = terms.filter((t) => CJK.test(t));
  if (!chinese.length) {
    const search = await pagefind.search(query || null, { filters });
    const results = await Promise.all(search.results.slice(0, SHOWN).map((r) => r.data()));
    return { total: search.results.length, results };
  }
  const loose = terms.map((t) => (CJK.test(t) ? t[0] : t)).join(" ");
  const search = await pagefind.search(loose, { filters });
  const all = await Promise.all(search.results.map((r) => r.data()));
  const kept = all.filter((data) => chinese.every((t) => data.content.includes(t) ||
    Object.values(data.meta || {}).some((v) => String(v).includes(t))));
  return { total: kept.length, results: kept.slice(0, SHOWN) };
}

// The index is built in parts of a bounded size (kb/searchindex.py); parts.json lists them.
// The first sits beside pagefind.js and is loaded by init(); Pagefind merges the others in.
async function mergeParts(pagefind, index, base) {
  const response = await fetch(new URL("parts.json", index), { cache: "no-cache" });
  if (!response.ok) { throw new Error(`parts.json: ${response.status}`); }
  const { parts } = await response.json();
  await Promise.all(parts.filter((part) => part.place).map((part) =>
    pagefind.mergeIndex(new URL(`${part.place}/`, index).pathname, { baseUrl: base })));
}

async function main() {
  const params = new URLSearchParams(window.location.search);
  input.value = params.get("q") || "";
  let pagefind;
  try {
    const index = new URL(`${root}pagefind/`, document.baseURI);
    pagefind = await import(new URL("pagefind.js", index).href);
    const base = new URL(root, document.baseURI).pathname;
    await pagefind.options({ baseUrl: base });
    await pagefind.init();
    await mergeParts(pagefind, index, base);
    fillFilters(await pagefind.filters(), params);
  } catch (error) {
    status.textContent = "The search index could not be loaded. Serve the site over http (kb serve) to search it.";
    return;
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const url = new URL(window.location.href);
    url.search = new URLSearchParams(new FormData(form)).toString();
    window.history.replaceState(null, "", url);
    run(pagefind);
  });
  await run(pagefind);
}

main();
