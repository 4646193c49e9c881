// The event log: what the machine and the Host did, as sentences. Hypercalls are decoded by name
// and arguments; each Host decision names its rule, the values it read and the chapter explaining
// it. Every entry can take the reader back to that moment (the controller replays the prefix).

import { fill, h, hex0x, hexShort, sr } from "./dom.js";


const OUTCOME_WORDS = {
  deliver: ["✓", "delivered"],
  defer: ["‖", "deferred"],
  set_pending: ["⚑", "left pending"],
  none: ["–", "nothing to deliver"],
};
const ARG_REGS = ["ebx", "ecx", "edx", "esi"];
const STOP_WORDS = { reached: "Reached", breakpoint: "Breakpoint", watch: "Watch", ended: "Ran to its end", not_runnable: "Nothing ran" };

/** Which action produced each event, and (for `step n`) after how many of its steps: the server
 * gives every event action_index and action_step. */
export function annotate(events) {
  return events.map((ev) => ({ ev, action: ev.action_index ?? -1, step: ev.action_step ?? 0 }));
}

/** Is this event new in this update? (a `step 3` that became `step 4`: only its fourth step is.) */
function isNewEvent(ctx, action, step) {
  if (action > ctx.newFrom) return true;
  return action === ctx.newFrom && (!ctx.newFromStep || step > ctx.newFromStep);
}

function actionText(ev) {
  return typeof ev.action === "string" ? ev.action : ev.text ?? "";
}

/** Which filter group an event belongs to (the log's kind filters: plain steps are hidden by default). */
export const GROUPS = [
  ["steps", "steps", ["insn"]],
  ["writes", "writes", ["mem_write"]],
  ["calls", "hypercalls & traps", ["hypercall", "trap", "rewrite", "notify"]],
  ["host", "Host decisions", ["decision", "irq_delivered"]],
  ["stops", "stops", ["stopped", "finished", "budget", "killed", "halted", "fault"]],
  ["actions", "your actions", ["action"]],
];
const GROUP_OF = new Map(GROUPS.flatMap(([group, , kinds]) => kinds.map((k) => [k, group])));

function groupOf(ev, actions) {
  // A plain `step` is a step, not something the reader needs to see as its own row.
  if (ev.kind === "action" && /^step( \d+)?$/.test(actionText(ev) || actions[ev.action_index] || "")) return "steps";
  return GROUP_OF.get(ev.kind) || "stops";
}

/**
 * The event log, drawn incrementally: rows already on the page stay; only rows for new events are
 * made, and rows that left the window (trimmed or undone) are removed. A Step at history 1,000 touches
 * a handful of nodes, not the whole list.
 * ctx: {chapters: Map(id -> {url,title}), page, actions, newFrom, newFromStep, onJump}
 */
export class EventLog {
  constructor(list) {
    this.list = list;
    this.rows = new Map();     // seq -> li
    this.fresh = [];           // rows marked new by the last update
    this.key = null;
    this.gap = null;
    this.empty = null;
  }

  update(ctx, run, key) {
    const events = run.events || [];
    if (key !== this.key) {
      this.list.replaceChildren();
      this.rows.clear();
      this.fresh = [];
      this.gap = this.empty = null;
      this.key = key;
    }
    for (const li of this.fresh) { li.classList.remove("is-new"); li.querySelector(".mx-new")?.remove(); }
    this.fresh = [];
    const wanted = new Set();
    for (const ev of events) wanted.add(String(ev.seq));
    for (const [seq, li] of this.rows) {
      if (!wanted.has(seq)) { li.remove(); this.rows.delete(seq); }
    }
    let lastSeq = -1;
    for (const li of this.list.children) if (li.dataset.seq !== undefined) lastSeq = Math.max(lastSeq, Number(li.dataset.seq));
    const rows = annotate(events);
    rows.forEach((row, i) => {
      const seq = String(row.ev.seq ?? i);
      const isNew = isNewEvent(ctx, row.action, row.step);
      let li = this.rows.get(seq);
      if (!li) {
        li = renderEvent(ctx, row, i);
        this.rows.set(seq, li);
        if (Number(seq) > lastSeq) this.list.append(li);
        else this.list.insertBefore(li, this.firstAfter(Number(seq)));
      } else if (isNew) {
        li.replaceWith(li = renderEvent(ctx, row, i));
        this.rows.set(seq, li);
      }
      if (isNew) this.fresh.push(li);
    });
    const hidden = (run.events_omitted || 0) + (run.events_dropped || 0);
    this.gap = this.note(this.gap, hidden ? `${hidden} earlier events are not shown.` : null, true);
    this.empty = this.note(this.empty, rows.length ? null : "Nothing has happened yet: step the machine.", false);
  }

  firstAfter(seq) {
    for (const li of this.list.children) if (li.dataset.seq !== undefined && Number(li.dataset.seq) > seq) return li;
    return null;
  }

  note(node, text, first) {
    if (!text) { node?.remove(); return null; }
    const li = node || h("li", { class: "mx-ev mx-ev-gap" });
    fill(li, text);
    if (first) this.list.prepend(li); else this.list.append(li);
    return li;
  }
}

function renderEvent(ctx, { ev, action, step }, i) {
  const isNew = isNewEvent(ctx, action, step);
  const group = groupOf(ev, ctx.actions);
  const cls = `mx-ev mx-ev-${ev.kind} mx-g-${group}` + (isNew ? " is-new" : "");
  const body = describe(ctx, ev);
  const n = action < 0 ? 0 : action + 1;
  const when = action < 0 ? "the start" : `action ${n}` + (step && /^step/.test(ctx.actions[action] || "") ? `, step ${step}` : "");
  const jump = ctx.onJump
    ? h("button", {
      type: "button", class: "mx-ev-jump", dataset: { key: `ev:${ev.seq ?? i}` },
      title: `Go back to this moment (${when})`,
      onclick: () => ctx.onJump(action, step),
    }, h("span", { "aria-hidden": "true" }, "⟲"), h("span", { class: "visually-hidden" }, "Back to action"), " ", String(n))
    : h("span", { class: "mx-ev-jump is-static", title: when }, String(n));
  return h("li", { class: cls, dataset: { seq: ev.seq ?? i, kind: ev.kind } },
    jump, h("div", { class: "mx-ev-body" }, isNew ? h("span", { class: "visually-hidden mx-new" }, "New: ") : null, body, where(ctx, ev)));
}

function kind(text) {
  return h("span", { class: "mx-ev-kind" }, text);
}

function describe(ctx, ev) {
  switch (ev.kind) {
    case "action":
      return h("p", { class: "mx-ev-title" }, kind("Action"), " ", h("code", {}, actionText(ev) || "?"));
    case "insn":
      return h("p", { class: "mx-ev-title" }, h("code", { class: "mx-ev-addr" }, hex0x(ev.eip)), " ",
        h("code", {}, ev.text ?? [ev.mnemonic, ev.op_str].filter(Boolean).join(" ")));
    case "mem_write": {
      const what = ev.field ?? ev.symbol ?? hex0x(ev.address);
      return h("p", { class: "mx-ev-title" }, kind("Write"), " ", h("code", {}, what), " ← ",
        h("code", {}, hexShort(ev.new ?? ev.value)), ev.old !== undefined && ev.old !== null ? [" (was ", h("code", {}, hexShort(ev.old)), ")"] : null);
    }
    case "hypercall":
      return hypercall(ev);
    case "decision":
      return decision(ctx, ev);
    case "irq_delivered":
      return h("div", {}, h("p", { class: "mx-ev-title" }, kind("Interrupt delivered"), " ",
        ev.irq !== undefined ? `irq ${ev.irq}` : "", ev.vector !== undefined ? [" on vector ", h("code", {}, hexShort(ev.vector))] : null,
        ev.handler !== undefined ? [" → ", h("code", {}, ev.handler_symbol ?? hex0x(ev.handler))] : null),
      message(ev));
    case "rewrite":
      return h("div", {}, h("p", { class: "mx-ev-title" }, kind("Host rewrote the hypercall"), " at ", h("code", {}, hex0x(ev.address)),
        ": ", h("code", {}, ev.old), " → ", h("code", {}, ev.new)), message(ev), cites(ev));
    case "trap":
      return h("div", {}, h("p", { class: "mx-ev-title" }, kind("Trap"), ` ${ev.trap ?? ""} `, ev.outcome ? `(${ev.outcome})` : ""), message(ev));
    case "fault":
      return h("div", {}, h("p", { class: "mx-ev-title mx-bad" }, kind("Fault")), message(ev));
    case "killed":
      return h("div", {}, h("p", { class: "mx-ev-title mx-bad" }, kind("Guest killed"), ": ", ev.reason ?? ""), message(ev), cites(ev));
    case "budget":
      return h("div", {}, h("p", { class: "mx-ev-title mx-bad" }, kind("Instruction budget used up")), message(ev));
    case "halted":
      return h("div", {}, h("p", { class: "mx-ev-title" }, kind("Halted")), message(ev));
    case "finished":
      return h("div", {}, h("p", { class: "mx-ev-title" }, kind("Finished")), message(ev));
    case "stopped":
      return h("div", {}, h("p", { class: "mx-ev-title" }, kind(STOP_WORDS[ev.why] || "Stopped"), " ",
        h("code", {}, ev.action || "")), message(ev));
    default:
      return h("div", {}, h("p", { class: "mx-ev-title" }, kind(ev.kind)), message(ev));
  }
}

function message(ev) {
  const text = ev.message ?? ev.reason ?? ev.effect ?? ev.detail;
  return text ? h("p", { class: "mx-ev-text" }, String(text)) : null;
}

function hypercall(ev) {
  const name = ev.name ?? `unknown hypercall`;
  const args = Array.isArray(ev.args) ? ev.args : [];
  const shown = args.map((a, i) => [i ? ", " : "", h("span", { class: "mx-arg" }, `${ARG_REGS[i]}=`, h("code", {}, hexShort(a)))]);
  return h("div", {},
    h("p", { class: "mx-ev-title" }, kind(ev.source === "async" ? "Async hypercall" : "Hypercall"), " ",
      h("strong", { class: "mx-hcall" }, name), ` (${ev.number ?? "?"})`, args.length ? [" ", h("span", { class: "mx-args" }, "(", shown, ")")] : null),
    ev.effect ? h("p", { class: "mx-ev-text" }, ev.effect) : null, cites(ev));
}

/** The kernel lines the Host model follows for this event (server-side citations), as links that
 *  open the chapter with those lines marked. */
function cites(ev) {
  const list = Array.isArray(ev.citations) ? ev.citations : [];
  if (!list.length) return null;
  return h("p", { class: "mx-cites" }, "In the kernel: ", list.map((c, i) => [i ? "; " : "",
    h("a", { href: c.url, class: "mx-cite" }, h("code", {}, `${c.function}()`), ` ${c.file}:${c.first}–${c.last}`,
      c.chapter ? ` (${c.chapter})` : "")]), ".");
}

function decision(ctx, ev) {
  const [icon, words] = OUTCOME_WORDS[ev.outcome] || ["•", ev.outcome || "?"];
  const inputs = (ev.inputs || []).map((inp) => h("li", {},
    h("code", {}, inp.name), " = ", h("code", { class: "mx-in-value" }, inp.value === null ? "unreadable" : hexShort(inp.value)),
    inp.explanation ? h("span", { class: "mx-sub" }, ` — ${inp.explanation}`) : null));
  const steps = (ev.steps || []).map((s) => h("li", { class: `mx-step is-${s.result}` },
    h("span", { class: "mx-step-result" }, s.result === "stop" ? "stop" : s.result === "apply" ? "acts" : "pass"), " ",
    s.question, " ", h("span", { class: "mx-sub" }, s.detail), s.rule ? [" ", h("code", {}, s.rule)] : null));
  const writes = (ev.writes || []).map((w) => h("li", {}, h("code", {}, w.field), " ← ", h("code", {}, hexShort(w.new)),
    w.old !== null && w.old !== undefined ? [" (was ", h("code", {}, hexShort(w.old)), ")"] : null));
  return h("div", { class: "mx-decision" },
    h("p", { class: "mx-ev-title" }, kind("Host decision"), " ",
      h("strong", { class: `mx-outcome is-${ev.outcome}` }, h("span", { "aria-hidden": "true" }, icon), ` ${words}`),
      " · rule ", h("code", { class: "mx-rule" }, ev.rule)),
    h("p", { class: "mx-ev-text" }, ev.message || ""),
    h("details", { class: "mx-why" },
      h("summary", {}, "The values it read and the kernel’s checks"),
      inputs.length ? [h("p", { class: "mx-sub" }, "It read:"), h("ul", { class: "mx-inputs" }, inputs)] : null,
      steps.length ? h("p", { class: "mx-sub" }, "and checked, in the kernel’s order:") : null,
      steps.length ? h("ol", { class: "mx-steps" }, steps) : null,
      writes.length ? [h("p", { class: "mx-sub" }, "The Host wrote:"), h("ul", { class: "mx-writes" }, writes)] : null),
    cites(ev),
    explainedIn(ctx, ev.chapters || []));
}

function chapterLink(ctx, id, anchor) {
  const known = ctx.chapters.get(id);
  if (!known) return h("span", { class: "mx-chap", title: "A Host chapter (drivers/lguest), not part of this file’s tour" }, id);
  if (id === ctx.page.chapter) return h("a", { href: anchor || "#main", class: "mx-chap" }, id, sr(" (this chapter)"));
  return h("a", { href: known.url + (anchor || ""), class: "mx-chap", title: known.title }, id);
}

function explainedIn(ctx, chapters) {
  if (!chapters.length) return null;
  return h("p", { class: "mx-explained" }, "Explained in ", chapters.map((id, i) => [i ? ", " : "", chapterLink(ctx, id)]), ".");
}

/** Where the event happened: a link to the source line (on this page or its chapter's). */
function where(ctx, ev) {
  if (ev.kind === "action" || !ev.line) return null;
  const onPage = ev.file === ctx.page.file && ev.line >= ctx.page.start && ev.line <= ctx.page.end;
  let place;
  if (onPage) place = h("a", { href: `#L${ev.line}` }, `line ${ev.line}`);
  else if (ev.chapter && ctx.chapters.get(ev.chapter)) place = [h("a", { href: `${ctx.chapters.get(ev.chapter).url}#L${ev.line}` }, `line ${ev.line}`), ` (${ev.chapter})`];
  else place = `${ev.file || "?"}:${ev.line}`;
  return h("p", { class: "mx-ev-where" }, "at ", place,
    ev.kind !== "decision" && ev.chapters && ev.chapters.length ? [" · explained in ", ev.chapters.map((id, i) => [i ? ", " : "", chapterLink(ctx, id)])] : null);
}

/** One sentence for the live region: the hypercalls and Host decisions new in this update. */
export function announcement(events, newFrom, newFromStep) {
  const ctx = { newFrom, newFromStep };
  const rows = annotate(events).filter((r) => isNewEvent(ctx, r.action, r.step));
  const calls = rows.filter((r) => r.ev.kind === "hypercall").map((r) => r.ev.name);
  const parts = [];
  if (calls.length) parts.push(`Hypercall ${calls.join(", ")}.`);
  for (const r of rows) if (r.ev.kind === "decision") parts.push(`Host decision, rule ${r.ev.rule}: ${r.ev.message}`);
  for (const r of rows) if (r.ev.kind === "stopped") parts.push(r.ev.message);
  return parts.join(" ");
}
