// What-if: the run beside its fork (one change before action `at`), with where they first part
// highlighted — the first different event, the first different Host decision, and every value that
// ends different. The comparison is the server's (POST /api/whatif, runs/whatif.py); this only draws it.

import { fill, h, hexShort } from "./dom.js";

/** {at, change} from ?whatif=<at>:<change> in the page's URL, or null. */
export function whatIfFromUrl(loc = window.location) {
  const raw = new URLSearchParams(loc.search).get("whatif");
  const m = /^(\d{1,5}):(.+)$/.exec(raw || "");
  return m ? { at: Number(m[1]), change: m[2].trim() } : null;
}

function eventWords(ev) {
  if (!ev) return h("span", { class: "mx-sub" }, "nothing: this run had already ended");
  const what = ev.kind === "decision" ? [h("strong", {}, ev.outcome), " · rule ", h("code", {}, ev.rule)]
    : ev.kind === "hypercall" ? [h("strong", {}, ev.name || "hypercall")]
      : ev.kind === "mem_write" ? [h("code", {}, ev.field || ev.symbol || hexShort(ev.address)), " ← ", h("code", {}, hexShort(ev.new))]
        : [h("strong", {}, ev.kind)];
  return [h("span", { class: "mx-wi-kind" }, ev.kind.replace("_", " ")), " ", what,
    ev.line ? h("span", { class: "mx-sub" }, ` at line ${ev.line}`) : null,
    ev.message ? h("p", { class: "mx-ev-text" }, ev.message) : null];
}

function value(v) {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") return hexShort(v);
  return String(v);
}

function side(title, run, highlight) {
  const s = run.state;
  return h("div", { class: "mx-wi-side" },
    h("h4", {}, title),
    h("p", { class: "mx-wi-status" }, h("strong", {}, s.status), ` · ${s.insn_count} instructions · at `,
      h("code", {}, s.location?.symbol || hexShort(s.eip)), s.location?.line ? ` line ${s.location.line}` : ""),
    s.stop ? h("p", { class: "mx-ev-text" }, s.stop.message) : null,
    h("div", { class: "mx-wi-first" + (highlight ? " is-first-diff" : "") }, highlight));
}

/**
 * result: the /api/whatif answer. ctx: {onOpen(side), onClose()}.
 */
export function renderWhatIf(box, result, ctx) {
  const diff = result.difference;
  const first = diff.first_event;
  const decision = diff.decision;
  const heading = h("h3", { id: "mx-wi-h" }, "What if ", h("code", {}, result.change), ` before action ${result.at + 1}?`);
  const summary = diff.same
    ? h("p", { class: "mx-wi-same" }, "Nothing differs: the change made no difference to this run.")
    : h("p", {}, first ? `The runs part at event ${first.index + 1} after the change` : "The events are the same", decision
      ? [", and the Host decides differently: ", h("strong", {}, decision.base ? decision.base.rule : "no decision"), " → ",
        h("strong", {}, decision.fork ? decision.fork.rule : "no decision"), "."] : ".");
  const label = decision && first && JSON.stringify(first.base) === JSON.stringify(decision.base)
    ? "First different event: the Host’s decision" : "First different event";
  const cols = h("div", { class: "mx-wi-cols" },
    side("As it ran", result.base, first ? [h("p", { class: "mx-wi-label" }, label), eventWords(first.base)] : null),
    side(`With ${result.change}`, result.fork, first ? [h("p", { class: "mx-wi-label" }, label), eventWords(first.fork)] : null));
  const rows = (diff.state || []).slice(0, 24).map((r) => h("tr", {},
    h("th", { scope: "row" }, h("code", {}, r.name)), h("td", {}, h("code", {}, value(r.base))), h("td", { class: "is-diff" }, h("code", {}, value(r.fork)))));
  const table = rows.length ? h("table", { class: "mx-table mx-wi-table" },
    h("caption", {}, "Values that end different"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "value"), h("th", { scope: "col" }, "as it ran"), h("th", { scope: "col" }, "what if"))),
    h("tbody", {}, rows)) : null;
  const sameAsFirst = decision && first && first.base === decision.base && first.fork === decision.fork;
  const sameEvent = sameAsFirst || (decision && first && JSON.stringify(first.base) === JSON.stringify(decision.base)
    && JSON.stringify(first.fork) === JSON.stringify(decision.fork));
  const decisions = decision && !sameEvent ? h("div", { class: "mx-wi-decision" },
    h("p", { class: "mx-wi-label" }, "First different Host decision"),
    h("div", { class: "mx-wi-cols" }, h("div", {}, eventWords(decision.base)), h("div", { class: "is-first-diff" }, eventWords(decision.fork)))) : null;
  fill(box, heading, summary, cols, decisions, table,
    h("p", { class: "mx-wi-actions" },
      h("button", { type: "button", class: "mx-btn", onclick: () => ctx.onOpen("fork") }, "Continue from the what-if run"), " ",
      h("button", { type: "button", class: "mx-btn", onclick: () => ctx.onClose() }, "Close the comparison")));
  box.setAttribute("aria-labelledby", "mx-wi-h");
}
