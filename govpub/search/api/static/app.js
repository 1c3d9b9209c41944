// govpub search page: plain JavaScript, no build step. State lives in the URL hash:
//   #/search?q=…&site=…&page=2   #/doc/<id>   #/series?agency=…
"use strict";

const FACETS = [
  ["doc_type", "文种"], ["year", "年份"], ["agency", "机构"], ["source", "来源"],
  ["site", "网站"], ["region", "地区"], ["status", "状态"],
];
const MULTI = ["site", "agency", "source", "region", "doc_type", "year", "status"];
const SINGLE = ["q", "from", "to", "changed_since", "sort", "collapse", "page"];
const PAGE_SIZE = 10;

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Highlights arrive HTML-escaped with <em> marks (Elasticsearch encoder "html"). Rebuild them as
// DOM nodes: text through textContent, only <em> as markup — nothing else can become HTML.
const decoder = document.createElement("textarea");
function highlighted(html) {
  const frag = document.createDocumentFragment();
  let inside = false;
  for (const part of String(html).split(/(<em>|<\/em>)/)) {
    if (part === "<em>") { inside = true; continue; }
    if (part === "</em>") { inside = false; continue; }
    decoder.innerHTML = part;
    const text = document.createTextNode(decoder.value);
    frag.append(inside ? el("em", {}, text) : text);
  }
  return frag;
}

// -- state <-> URL ---------------------------------------------------------------------------
function parseHash() {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, query] = hash.split("?");
  return { path, params: new URLSearchParams(query || "") };
}

function stateFrom(params) {
  const state = {};
  for (const k of SINGLE) state[k] = params.get(k) || "";
  for (const k of MULTI) state[k] = params.getAll(k);
  return state;
}

function toParams(state, extra) {
  const p = new URLSearchParams();
  for (const k of SINGLE) if (state[k]) p.set(k, state[k]);
  for (const k of MULTI) for (const v of state[k] || []) p.append(k, v);
  for (const [k, v] of Object.entries(extra || {})) {
    if (v === null || v === "") p.delete(k); else p.set(k, v);
  }
  return p;
}

function go(state, extra) {
  const hash = "#/search?" + toParams(state, extra).toString();
  if (location.hash === hash) route(); else location.hash = hash;
}

// -- API -------------------------------------------------------------------------------------
async function api(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  let data = null;
  try { data = await response.json(); } catch (e) { /* not JSON */ }
  if (!response.ok) throw new Error((data && data.error) || `HTTP ${response.status}`);
  return data;
}

function showError(container, err) {
  container.replaceChildren(el("p", { class: "error", role: "alert", text: "出错了：" + err.message }));
}

function show(view) {
  for (const id of ["view-search", "view-doc", "view-series"]) $(id).hidden = id !== view;
  $("nav-series").classList.toggle("active", view === "view-series");
}

// -- search view -----------------------------------------------------------------------------
let currentState = stateFrom(new URLSearchParams());

async function renderSearch(state) {
  currentState = state;
  show("view-search");
  $("q").value = state.q;
  $("date-from").value = state.from;
  $("date-to").value = state.to;
  $("changed-since").value = state.changed_since;
  $("sort").value = state.sort;
  $("all-copies").checked = state.collapse === "false";
  const page = Math.max(1, parseInt(state.page || "1", 10) || 1);
  const apiParams = toParams(state, { page: String(page), size: String(PAGE_SIZE) });
  const exportParams = toParams(state, { page: null });
  $("export-csv").href = "/export?" + new URLSearchParams([...exportParams, ["format", "csv"]]);
  $("export-jsonl").href = "/export?" + new URLSearchParams([...exportParams, ["format", "jsonl"]]);
  const feedParams = toParams(state, { page: null, sort: null });
  $("feed-link").href = $("feed-alternate").href = "/feed" + (feedParams.toString() ? "?" + feedParams : "");
  $("summary").textContent = "检索中…";
  let data;
  try {
    data = await api("/search?" + apiParams.toString());
  } catch (err) {
    showError($("results"), err);
    $("summary").textContent = "";
    $("facets").replaceChildren();
    $("pager").replaceChildren();
    return;
  }
  renderActiveFilters(state);
  renderFacets(state, data.facets || {});
  // total and facet counts count documents; a collapsed list shows one entry per cluster
  const groups = data.collapsed ? `，去重后 ${data.groups} 份（转载副本并入原文）` : "（含全部转载副本）";
  const order = { relevance: "按相关度", date: "按发布时间（新→旧）", date_asc: "按发布时间（旧→新）" }[data.sort] || "";
  $("summary").textContent = `共 ${data.total} 篇${groups}，${order}，用时 ${data.took_ms} 毫秒`;
  $("results").replaceChildren(...data.hits.map((hit, i) => renderHit(hit, (page - 1) * PAGE_SIZE + i + 1)));
  if (!data.hits.length) $("results").append(el("li", { class: "empty", text: "没有找到相关文件。" }));
  renderPager(state, page, data.pages);
}

function renderHit(hit, rank) {
  const title = el("a", { class: "title", href: "#/doc/" + encodeURIComponent(hit.id) });
  title.append(hit.title_highlight ? highlighted(hit.title_highlight) : document.createTextNode(hit.title || "（无标题）"));
  const meta = el("div", { class: "meta" },
    el("span", { text: hit.publish_date || "日期不详" }),
    hit.doc_type && hit.doc_type !== "other" ? el("span", { text: hit.doc_type }) : null,
    hit.attribution && hit.attribution.agency ? el("span", { class: "agency", text: hit.attribution.agency })
      : hit.agency || hit.source ? el("span", { class: "agency", text: hit.agency || hit.source }) : null,
    el("span", { text: hit.attribution ? `${hit.site}（转载）` : hit.site }),
    hit.doc_number ? el("span", { text: hit.doc_number }) : null,
    hit.status === "deleted" ? el("span", { class: "badge deleted", text: hit.status_date ? `已撤下 ${hit.status_date}` : "已撤下" }) : null,
    hit.version > 1 ? el("a", { class: "badge changed", href: `#/doc/${encodeURIComponent(hit.id)}/versions`,
                                text: `已修改 · 第 ${hit.version} 版` }) : null,
  );
  const item = el("li", { "data-id": hit.id, "data-rank": String(rank) }, title, meta);
  for (const snippet of hit.highlights || []) item.append(el("p", { class: "snippet" }, "… ", highlighted(snippet), " …"));
  if (hit.cluster_size > 1) meta.append(hit.is_canonical
    ? el("span", { class: "badge official", text: "原文" })
    : el("span", { class: "badge repost", text: "转载" }));
  if (hit.copies && hit.copies.length) {
    const copies = el("div", { class: "copies" }, "亦见于：");
    hit.copies.forEach((c, i) => {
      if (i) copies.append("、");
      copies.append(el("a", { href: "#/doc/" + encodeURIComponent(c.id), "data-copy": c.id,
                              text: `${c.site} ${c.publish_date || ""}`.trim() }));
    });
    const more = hit.copies_total - hit.copies.length;
    if (more > 0) copies.append(`，另有 ${more} 份`);
    item.append(copies);
  }
  return item;
}

function renderFacets(state, facets) {
  const box = $("facets");
  box.replaceChildren();
  for (const [name, label] of FACETS) {
    const values = facets[name] || [];
    if (!values.length) continue;
    const list = el("ul", { "data-facet": name });
    for (const { value, count, clusters } of values.slice(0, 15)) {
      const selected = (state[name] || []).includes(String(value));
      const next = { ...state, page: "" };
      next[name] = selected ? state[name].filter((v) => v !== String(value)) : [...(state[name] || []), String(value)];
      const link = el("a", { href: "#/search?" + toParams(next).toString(), class: selected ? "active" : null,
                             "data-value": String(value) },
        el("span", { text: value === "" ? "（空）" : String(value) }),
        el("span", { class: "count", text: String(count),
                     title: clusters === undefined || clusters === null ? `${count} 篇` : `${count} 篇，去重后 ${clusters} 份` }));
      list.append(el("li", {}, link));
    }
    box.append(el("h3", { text: label, title: "数字为篇数（含转载副本）" }), list);
  }
}

function renderActiveFilters(state) {
  const box = $("active-filters");
  box.replaceChildren();
  const labels = Object.fromEntries(FACETS);
  for (const name of MULTI) {
    for (const value of state[name] || []) {
      const next = { ...state, page: "" };
      next[name] = state[name].filter((v) => v !== value);
      box.append(el("a", { class: "chip", href: "#/search?" + toParams(next).toString(), title: "移除此筛选" },
        `${labels[name] || name}：${value} ×`));
    }
  }
}

function renderPager(state, page, pages) {
  const nav = $("pager");
  nav.replaceChildren();
  if (pages <= 1) return;
  const link = (p, text) => el("a", { href: "#/search?" + toParams(state, { page: String(p) }).toString(), text });
  if (page > 1) nav.append(link(page - 1, "上一页"));
  const first = Math.max(1, page - 4), last = Math.min(pages, first + 9);
  for (let p = first; p <= last; p++) nav.append(p === page ? el("span", { class: "current", text: String(p) }) : link(p, String(p)));
  if (page < pages) nav.append(link(page + 1, "下一页"));
}

// -- document view ---------------------------------------------------------------------------
async function renderDoc(id) {
  show("view-doc");
  const box = $("view-doc");
  box.replaceChildren(el("p", { text: "加载中…" }));
  let data;
  try { data = await api("/documents/" + encodeURIComponent(id)); } catch (err) { showError(box, err); return; }
  const d = data.document, p = data.provenance, origin = data.attribution;
  const back = el("a", { href: "#/search?" + toParams(currentState).toString(), text: "← 返回结果" });
  const rows = [
    ["发布日期", d.publish_date], ["文种", d.doc_type], ["所属年份", d.year ?? d.publish_year],
    ["发文字号", origin ? origin.doc_number || d.doc_number : d.doc_number], ["索引号", d.index_no], ["来源", d.source],
    ["机构", origin ? origin.agency : d.agency], ["地区", origin ? origin.region : d.region],
    ["网站", origin ? `${d.site}（转载，发现于此；原文见 ${origin.site}）` : d.site],
  ].filter(([, v]) => v !== null && v !== undefined && v !== "" && v !== "other");
  const meta = el("table", { class: "fields" }, ...rows.map(([k, v]) => el("tr", {}, el("th", { text: k }), el("td", { text: String(v) }))));
  const body = el("div", { class: "body" }, ...String(d.body || "").split("\n").filter(Boolean).map((line) => el("p", { text: line })));
  const attachments = (d.attachments || []).length
    ? el("div", {}, el("h2", { text: "附件" }), el("ul", {}, ...d.attachments.map((a) =>
        el("li", {}, el("a", { href: a.url, rel: "noopener noreferrer", target: "_blank", text: a.name || a.url }),
          a.text ? el("details", {}, el("summary", { text: "附件文字" }), el("pre", { text: a.text })) : null))))
    : null;
  const prov = el("table", { class: "provenance" },
    el("tr", {}, el("th", { text: "原文链接" }), el("td", {}, el("a", { id: "original-url", href: p.url, rel: "noopener noreferrer", target: "_blank", text: p.url }))),
    el("tr", {}, el("th", { text: "抓取时间" }), el("td", { text: p.fetched_at || "" })),
    p.page_urls && p.page_urls.length > 1 ? el("tr", {}, el("th", { text: "分页" }), el("td", {}, ...p.page_urls.map((u) => el("div", {}, el("a", { href: u, rel: "noopener noreferrer", target: "_blank", text: u }))))) : null,
    p.raw ? el("tr", {}, el("th", { text: "原始存档" }), el("td", {},
      el("code", { text: `${p.raw.s3_uri} @ ${p.raw.offset} (+${p.raw.length} 字节)` }), " ",
      el("a", { id: "raw-link", href: p.raw.download, text: "下载原始记录 (WARC)" }), " ",
      el("a", { id: "capture-link", href: p.raw.capture, text: "查看存档快照" }))) : null,
    el("tr", {}, el("th", { text: "规范化存档" }), el("td", {}, el("code", { text: p.archived_document }))),
    el("tr", {}, el("th", { text: "版本" }), el("td", {},
      `第 ${p.versions.latest} 版 · ${p.versions.status === "deleted" ? "已撤下" : "在线"}${p.versions.status_date ? " · " + p.versions.status_date : ""}`,
      ...(p.versions.archived || []).map((v) => el("div", {}, el("code", { text: `v${v.version}: ${v.s3_uri}` }))))),
    el("tr", {}, el("th", { text: "解析器" }), el("td", { text: p.parser_version || "" })),
    el("tr", {}, el("th", { text: "重复簇" }), el("td", {},
      `${p.cluster.size} 份${p.cluster.is_canonical ? "（本文为主副本）" : ""}`,
      ...(p.cluster.copies || []).map((c) => el("div", {}, el("a", { href: "#/doc/" + encodeURIComponent(c.id), text: `${c.site} · ${c.publish_date || ""} · ${c.title || c.url}` }))))),
  );
  const agency = origin ? origin.agency : d.agency || d.source;
  const seriesLink = agency
    ? el("a", { href: "#/series?" + new URLSearchParams({ agency }).toString(), text: "查看该机构的文件系列 →" })
    : null;
  const originNote = origin ? el("p", { class: "origin", id: "origin-note" }, "本文为转载，原文：",
    el("a", { href: "#/doc/" + encodeURIComponent(origin.canonical_id), text: `${origin.agency || origin.site}（${origin.site}）` })) : null;
  const versionsLink = el("p", {}, el("a", { id: "versions-link", href: `#/doc/${encodeURIComponent(d.id)}/versions`,
    text: (p.versions.archived || []).length > 1 ? `查看 ${p.versions.archived.length} 个版本及修改之处 →` : "版本记录 →" }));
  box.replaceChildren(el("article", { class: "doc" }, back, el("h1", { text: d.title || "（无标题）" }), originNote, meta,
    versionsLink, body, attachments, await renderCitation(d.id), el("h2", { text: "来源与存档" }), prov, seriesLink));
  document.title = `${d.title} · govpub`;
}

// -- citation --------------------------------------------------------------------------------
const CITE_FORMATS = [["gbt7714", "GB/T 7714"], ["bibtex", "BibTeX"], ["ris", "RIS"], ["csl-json", "CSL-JSON"]];

async function renderCitation(id) {
  let cites;
  try { cites = await api(`/documents/${encodeURIComponent(id)}/cite`); } catch (err) { return el("p", { class: "error", text: "引用格式不可用：" + err.message }); }
  const text = (fmt) => fmt === "csl-json" ? JSON.stringify([cites[fmt]], null, 2) : cites[fmt];
  const shown = el("pre", { id: "citation-text", class: "citation", text: text("gbt7714") });
  const status = el("span", { id: "citation-status", class: "status", "aria-live": "polite" });
  const select = el("select", { id: "citation-format", "aria-label": "引用格式" },
    ...CITE_FORMATS.map(([fmt, label]) => el("option", { value: fmt, text: label })));
  select.addEventListener("change", () => { shown.textContent = text(select.value); status.textContent = ""; });
  const copy = el("button", { type: "button", id: "copy-citation", text: "复制引用" });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(shown.textContent);
      status.textContent = "已复制";
    } catch (err) {
      // no clipboard permission: select the text so that Ctrl+C copies it
      const range = document.createRange();
      range.selectNodeContents(shown);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      status.textContent = "已选中，按 Ctrl+C 复制";
    }
  });
  return el("section", { class: "cite" }, el("h2", { text: "引用" }), el("div", {}, select, " ", copy, " ", status), shown);
}

// -- versions view ---------------------------------------------------------------------------
async function renderVersions(id, params) {
  show("view-doc");
  const box = $("view-doc");
  box.replaceChildren(el("p", { text: "加载中…" }));
  let data;
  try { data = await api(`/documents/${encodeURIComponent(id)}/versions?` + params.toString()); } catch (err) { showError(box, err); return; }
  const back = el("a", { href: "#/doc/" + encodeURIComponent(id), text: "← 返回文件" });
  const gone = data.status === "deleted"
    ? el("p", { class: "badge deleted", id: "deleted-note", text: `已于 ${data.status_date || "（日期不详）"} 撤下${data.status_record && data.status_record.reason ? "（" + data.status_record.reason + "）" : ""}；存档保留全部版本。` })
    : null;
  const list = el("table", { class: "versions" }, el("tr", {}, el("th", { text: "版本" }), el("th", { text: "首次见到" }), el("th", { text: "标题" }), el("th", { text: "段落" })),
    ...data.versions.map((v) => el("tr", { "data-version": String(v.version) }, el("td", { text: "v" + v.version }),
      el("td", { text: v.seen || "" }), el("td", { text: v.title || "" }), el("td", { text: String(v.paragraphs) }))));
  const parts = [back, el("h1", { text: data.title || id }), gone, el("h2", { text: "存档版本" }), list];
  if (data.versions.length > 1) {
    const pick = (name, value) => el("select", { id: "diff-" + name, "aria-label": name },
      ...data.versions.map((v) => el("option", { value: String(v.version), text: "v" + v.version, selected: v.version === value })));
    const from = pick("from", data.diff ? data.diff.from : 1), to = pick("to", data.diff ? data.diff.to : data.versions.length);
    const compare = el("button", { type: "button", id: "diff-compare", text: "比较" });
    compare.addEventListener("click", () => { location.hash = `#/doc/${encodeURIComponent(id)}/versions?from=${from.value}&to=${to.value}`; });
    parts.push(el("div", { class: "diff-pick" }, "比较 ", from, " 与 ", to, " ", compare));
  }
  if (data.diff) {
    const d = data.diff;
    parts.push(el("h2", { text: `v${d.from} → v${d.to}：新增 ${d.added} 段，删除 ${d.deleted} 段` }));
    for (const f of d.fields) parts.push(el("p", { class: "field-change" }, `${f.field}：`, el("del", { text: String(f.old ?? "") }), " → ", el("ins", { text: String(f.new ?? "") })));
    parts.push(el("div", { class: "diff", id: "diff" }, ...d.paragraphs.map((op) =>
      op.op === "insert" ? el("p", { class: "insert" }, el("ins", { text: op.text }))
      : op.op === "delete" ? el("p", { class: "delete" }, el("del", { text: op.text }))
      : el("p", { class: "equal", text: op.text }))));
  } else if (data.versions.length <= 1) {
    parts.push(el("p", { text: "只存档了一个版本：内容自首次抓取后没有变化。" }));
  }
  box.replaceChildren(el("article", { class: "doc" }, ...parts));
}

// -- series view -----------------------------------------------------------------------------
async function renderSeries(params) {
  show("view-series");
  const box = $("view-series");
  box.replaceChildren(el("p", { text: "加载中…" }));
  const agency = params.get("agency") || "";
  let data;
  try { data = await api("/series?" + params.toString()); } catch (err) { showError(box, err); return; }
  let groups = data.groups;
  if (agency) groups = groups.filter((g) => g.agency === agency);
  const intro = el("p", {}, "按机构和文种排列，各年份并列：同一机构的工作总结、工作要点、工作计划按所属年份对照。",
    agency ? el("a", { href: "#/series", text: " 查看全部机构" }) : null);
  const blocks = groups.map((g) => {
    const years = [...g.years];
    const undated = g.series.some((s) => s.documents.some((d) => d.year === null || d.year === undefined));
    const head = el("tr", {}, el("th", { text: "文种" }), ...years.map((y) => el("th", { text: String(y) })),
      undated ? el("th", { text: "年份不详" }) : null);
    const rows = g.series.map((s) => el("tr", { "data-doc-type": s.doc_type }, el("th", { text: `${s.doc_type} (${s.count})` }),
      ...[...years, ...(undated ? [null] : [])].map((y) => el("td", {}, ...s.documents
        .filter((d) => (y === null ? d.year === null || d.year === undefined : d.year === y))
        .map((d) => el("div", { class: "series-doc" },
          el("a", { href: "#/doc/" + encodeURIComponent(d.id), title: d.publish_date || "", text: d.title }),
          ...(d.copies || []).map((c) => el("div", { class: "series-copy" }, "转载：",
            el("a", { href: "#/doc/" + encodeURIComponent(c.id), "data-copy": c.id, text: `${c.site} ${c.publish_date || ""}`.trim() }))),
          d.copies_total > (d.copies || []).length ? el("div", { class: "series-copy", text: `另有 ${d.copies_total - d.copies.length} 份转载` }) : null))))));
    return el("div", { class: "series-group", "data-agency": g.agency },
      el("h3", {}, el("a", { href: "#/series?" + new URLSearchParams({ agency: g.agency }).toString(), text: g.agency }), ` · ${g.count} 篇`),
      el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows)));
  });
  box.replaceChildren(el("h2", { text: "文件系列" }), intro, ...blocks);
  if (!blocks.length) box.append(el("p", { text: "没有文件。" }));
}

// -- wiring ----------------------------------------------------------------------------------
function route() {
  const { path, params } = parseHash();
  document.title = "政府公开文件检索 · govpub";
  const versions = path.match(/^\/doc\/([^/]+)\/versions$/);
  if (versions) return renderVersions(decodeURIComponent(versions[1]), params);
  if (path.startsWith("/doc/")) return renderDoc(decodeURIComponent(path.slice(5)));
  if (path.startsWith("/series")) return renderSeries(params);
  return renderSearch(stateFrom(params));
}

document.addEventListener("DOMContentLoaded", () => {
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const state = { ...currentState, q: $("q").value.trim(), from: $("date-from").value, to: $("date-to").value,
                    changed_since: $("changed-since").value, sort: $("sort").value, collapse: $("all-copies").checked ? "false" : "", page: "" };
    go(state);
  });
  window.addEventListener("hashchange", route);
  route();
});
