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

function resultItem(data) {
  const li = document.createElement("li");
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = (data.meta && data.meta.title) || data.url;
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
  const search = await pagefind.search(query || null, { filters });
  const results = await Promise.all(search.results.slice(0, 30).map((r) => r.data()));
  results.forEach((data) => list.appendChild(resultItem(data)));
  status.textContent = `${search.results.length} result${search.results.length === 1 ? "" : "s"}` +
    (query ? ` for “${query}”` : "") +
    (search.results.length > 30 ? "; showing the first 30" : "");
}

async function main() {
  const params = new URLSearchParams(window.location.search);
  input.value = params.get("q") || "";
  let pagefind;
  try {
    pagefind = await import(new URL(`${root}pagefind/pagefind.js`, document.baseURI).href);
    const base = new URL(root, document.baseURI).pathname;
    await pagefind.options({ baseUrl: base });
    await pagefind.init();
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
