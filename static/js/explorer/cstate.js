// What the C chapters add to the live machine: the Host's GDT, clock event and page-table view
// (state.host.gdt / timer / pagetables) and the C variables gcc kept at EIP (state.locals, from DWARF).
import { fill, h, hex0x, sr } from "./dom.js";

const mark = (on) => (on ? [h("span", { class: "mx-star", "aria-hidden": "true" }, "*"), sr(" (changed)")] : []);

// <dt>/<dd> pairs appended to the Host's fact list (machine.js renderHost).
export function hostExtras(ctx, host) {
  const c = (k) => ctx.changed.has(`host:${k}`);
  const out = [];
  const gdt = Array.isArray(host.gdt) ? host.gdt : [];
  const extra = gdt.filter((e) => e.index !== 12 && e.index !== 13);
  if (extra.length) {
    out.push(h("dt", {}, "GDT"), h("dd", {}, extra.map((e, i) => [i ? h("br") : null, `entry ${e.index}: `,
      h("code", {}, hex0x(e.lo)), " ", h("code", {}, hex0x(e.hi))]), ...mark(c("gdt"))));
  }
  const t = host.timer;
  if (t && (t.armed || t.fired)) {
    out.push(h("dt", {}, "clock event (virtual clock)"), h("dd", {}, t.armed
      ? [`irq 0 at ${t.deadline_ns} ns`, h("span", { class: "mx-sub" }, ` (now ${t.now_ns} ns, ${t.remaining_ns} to go)`)]
      : `fired ${t.fired}×, not armed`, ...mark(c("timer"))));
  }
  const p = host.pagetables;
  if (p && (p.switches || p.ptes?.length || p.pgds?.length || p.flushes_all || p.flushes_user)) {
    const last = p.ptes?.length ? p.ptes[p.ptes.length - 1] : null;
    out.push(h("dt", {}, "page tables told"), h("dd", {},
      p.pgdir !== null && p.pgdir !== undefined ? ["cr3 ", h("code", {}, hex0x(p.pgdir))] : "boot tables",
      `; ${p.ptes?.length || 0} PTE(s), ${p.pgds?.length || 0} PGD(s) told`,
      last ? [" (last ", h("code", {}, hex0x(last.vaddr)), " → ", h("code", {}, hex0x(last.pte)), ")"] : null,
      `; flushes ${p.flushes_all} all / ${p.flushes_user} user`, ...mark(c("pagetables"))));
  }
  return out;
}

// The "C variables" card: hidden outside C code.
export function renderLocals(ctx, root, state) {
  const card = root?.closest("section");
  const locals = Array.isArray(state.locals) ? state.locals : [];
  if (card) card.hidden = !locals.length;
  if (!root) return;
  fill(root, ...locals.map((v) => h("tr", {},
    h("th", { scope: "row" }, h("code", {}, v.name), h("span", { class: "mx-sub" }, v.kind === "parameter" ? " arg" : "")),
    h("td", {}, v.value === null || v.value === undefined ? h("span", { class: "mx-sub" }, "—") : h("code", {}, hex0x(v.value))),
    h("td", { class: "mx-sub" }, v.where, v.function ? ` · ${v.function}` : ""))));
}
