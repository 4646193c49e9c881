// Renders one machine State (POST /api/run's "state") into the panel: registers, EFLAGS bit by bit,
// lguest_data by field, the Host's private view, the stack around ESP and a memory window.
// Values that changed in the last action are marked by an outline, an asterisk and screen-reader
// text, never by colour alone. Editable values are buttons that turn into a text box.

import { dec, fill, h, hex, hex0x, hexShort, sr } from "./dom.js";

export const GENERAL = ["eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "eip", "eflags"];
export const SEGMENTS = ["cs", "ss", "ds", "es"];
// What a `set` action may change (runs/actions.py): eflags changes bit by bit through the flags.
const SETTABLE = new Set(["eax", "ebx", "ecx", "edx", "esi", "edi", "esp", "ebp", "eip"]);
// Bit positions of the decoded EFLAGS bits, and what each means to a reader of G:033 / G:045.
export const FLAGS = [
  ["CF", 0, "carry"], ["PF", 2, "parity"], ["AF", 4, "adjust"], ["ZF", 6, "zero"], ["SF", 7, "sign"],
  ["TF", 8, "trap"], ["IF", 9, "interrupt enable"], ["DF", 10, "direction"], ["OF", 11, "overflow"],
];
const PROMINENT_FLAGS = new Set(["IF", "ZF"]);
const PROMINENT_FIELDS = new Set(["irq_enabled", "irq_pending", "blocked_interrupts"]);

/** The marker every changed value gets: outline via class, an asterisk, and words for screen readers. */
function changedMark(isChanged) {
  return isChanged ? [h("span", { class: "mx-star", "aria-hidden": "true" }, "*"), sr(" (changed)")] : [];
}

/**
 * A value that can be edited in place. `key` is stable across renders so focus can be restored;
 * `target` is what the `set` action names (eax, ZF, irq_enabled).
 */
function editable(ctx, { key, target, label, text, title, changed }) {
  const attrs = {
    class: "mx-val" + (changed ? " is-changed" : ""),
    title,
    dataset: { key },
  };
  if (!ctx.editable) {
    return h("span", attrs, text, ...changedMark(changed));
  }
  const button = h("button", { ...attrs, type: "button", "aria-label": `${label} = ${text}${changed ? ", changed" : ""}; edit` },
    text, ...changedMark(changed));
  button.addEventListener("click", () => startEdit(ctx, button, { key, target, label, text }));
  return button;
}

function startEdit(ctx, button, { key, target, label, text }) {
  const input = h("input", {
    class: "mx-edit", type: "text", value: text, spellcheck: "false", autocomplete: "off",
    "aria-label": `New value for ${label} (hex with 0x, or decimal); Enter sets it, Escape cancels`,
    dataset: { key: key + ":edit" },
  });
  let done = false;
  const finish = (commit) => {
    if (done) return;
    done = true;
    input.replaceWith(button);
    button.focus();
    if (commit && input.value.trim() !== text) ctx.onSet(target, input.value.trim(), key);
  };
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); finish(true); }
    else if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); finish(false); }
  });
  input.addEventListener("blur", () => finish(false));
  button.replaceWith(input);
  input.focus();
  input.select();
}

function regText(ctx, name, value) {
  const digits = SEGMENTS.includes(name) ? 4 : 8;
  return ctx.decimal ? String(value >>> 0) : hex(value, digits);
}

export function renderRegisters(ctx, list, state) {
  const regs = state.registers || {};
  const items = [];
  for (const name of [...GENERAL, ...SEGMENTS]) {
    if (!(name in regs)) continue;
    const value = regs[name];
    const key = `reg:${name}`;
    const changed = ctx.changed.has(key);
    const digits = SEGMENTS.includes(name) ? 4 : 8;
    items.push(h("div", { class: "mx-reg" + (changed ? " is-changed" : "") + (SEGMENTS.includes(name) ? " is-segment" : "") },
      h("dt", {}, name),
      h("dd", {}, editable({ ...ctx, editable: ctx.editable && SETTABLE.has(name) }, {
        key, target: name, label: name, text: regText(ctx, name, value), changed,
        title: (ctx.decimal ? hex0x(value, digits) : `${dec(value)} in decimal`) + (SETTABLE.has(name) ? "" : name === "eflags" ? "; change it flag by flag" : "; read-only"),
      }))));
  }
  fill(list, items);
}

export function renderFlags(ctx, list, eflagsCode, state) {
  const flags = state.flags || {};
  const eflags = (state.registers || {}).eflags;
  fill(eflagsCode, eflags === undefined ? "" : hex0x(eflags));
  const items = [];
  // IF and ZF first and larger: they are what G:033 and G:045 turn on.
  const ordered = [...FLAGS.filter(([n]) => PROMINENT_FLAGS.has(n)).reverse(), ...FLAGS.filter(([n]) => !PROMINENT_FLAGS.has(n))];
  for (const [name, bit, meaning] of ordered) {
    if (!(name in flags)) continue;
    const on = Boolean(Number(flags[name]));
    const key = `flag:${name}`;
    const changed = ctx.changed.has(key);
    const cls = "mx-flag" + (PROMINENT_FLAGS.has(name) ? " is-prominent" : "") + (on ? " is-set" : "") +
      (changed ? " is-changed" : "");
    const body = [h("span", { class: "mx-flag-name" }, name), " ", h("span", { class: "mx-flag-bit" }, on ? "1" : "0"),
      ...changedMark(changed), PROMINENT_FLAGS.has(name) ? h("span", { class: "mx-flag-meaning" }, meaning) : null];
    let control;
    if (ctx.editable) {
      control = h("button", {
        type: "button", class: cls, "aria-pressed": on ? "true" : "false", dataset: { key },
        title: `${name} (${meaning}, bit ${bit}) is ${on ? 1 : 0}; activate to set it to ${on ? 0 : 1}`,
        onclick: () => ctx.onSet(name, on ? "0" : "1", key),
      }, ...body, PROMINENT_FLAGS.has(name) ? null : h("span", { class: "visually-hidden" }, ` ${meaning}`),
      h("span", { class: "visually-hidden" }, `, flag bit ${bit}`));
    } else {
      control = h("span", { class: cls, dataset: { key }, title: `${name} (${meaning}, bit ${bit})` }, ...body);
    }
    items.push(h("li", { class: PROMINENT_FLAGS.has(name) ? "is-prominent" : "" }, control));
  }
  fill(list, items);
}

function fieldValue(field) {
  if (Array.isArray(field.value)) {
    const free = field.value.filter((v) => v === 0xff).length;
    return field.name === "hcall_status" ? `${field.value.length} slots, ${free} free` : `${field.value.length} entries`;
  }
  return null;
}

export function renderLguestData(ctx, tbody, addrNode, state) {
  const ld = state.lguest_data || {};
  fill(addrNode, ld.address !== undefined && ld.address !== null ? `at ${hex0x(ld.address)}` : "");
  const rows = [];
  for (const field of ld.fields || []) {
    const key = `ld:${field.name}`;
    const changed = ctx.changed.has(key);
    const summary = fieldValue(field);
    let cell;
    if (summary !== null || field.value === null || field.value === undefined || typeof field.value !== "number") {
      cell = h("span", { class: "mx-val mx-ro" }, summary ?? (field.value === null ? "unmapped" : String(field.value)));
    } else {
      cell = editable(ctx, {
        key, target: field.name, label: `lguest_data.${field.name}`, changed,
        text: field.size === 1 ? hex0x(field.value, 2) : hex0x(field.value, 8),
        title: `${dec(field.value)} decimal; offset ${field.offset}, ${field.size} byte${field.size === 1 ? "" : "s"}`,
      });
    }
    rows.push(h("tr", { class: (PROMINENT_FIELDS.has(field.name) ? "is-prominent" : "") + (changed ? " is-changed" : "") },
      h("th", { scope: "row" }, h("span", { class: "mx-off", "aria-hidden": "true" }, `+${field.offset}`), " ", field.name),
      h("td", {}, cell)));
  }
  if (!rows.length) rows.push(h("tr", {}, h("td", { colspan: "2", class: "mx-empty" }, "Not readable in this state.")));
  fill(tbody, rows);
}

/** 32 labelled cells, irq 0 first. The words (which bits are set) are in the label, not in colour. */
export function bitmap(name, value, changed, described) {
  const v = (value ?? 0) >>> 0;
  const set = [];
  for (let bit = 0; bit < 32; bit += 1) if ((v >>> bit) & 1) set.push(bit);
  const words = set.length ? `irq ${set.join(", ")} set` : "no bit set";
  const cells = [];
  for (let bit = 0; bit < 32; bit += 1) {
    const on = (v >>> bit) & 1;
    cells.push(h("span", { class: "mx-bit" + (on ? " is-set" : "") + (bit % 8 === 0 ? " is-byte" : ""),
      title: `irq ${bit} (vector ${hexShort(0x20 + bit)}): ${on ? "set" : "clear"}` }, on ? "1" : "·"));
  }
  const scale = [0, 8, 16, 24].map((b) => h("span", { class: `mx-scale mx-scale-${b}` }, String(b)));
  return h("div", { class: "mx-bitmap" + (changed ? " is-changed" : ""), dataset: { key: `host:${name}` } },
    h("div", { class: "mx-bitmap-head" }, h("span", { class: "mx-bitmap-name" }, name), " ",
      h("code", {}, hex0x(v)), ...changedMark(changed), described ? h("span", { class: "mx-sub" }, ` ${described}`) : null),
    h("div", { class: "mx-bits", role: "img", "aria-label": `${name}: ${words}` }, cells),
    h("div", { class: "mx-bits-scale", "aria-hidden": "true" }, scale));
}

export function renderHost(ctx, root, state) {
  const host = state.host || {};
  const regs = state.registers || {};
  const c = (k) => ctx.changed.has(`host:${k}`);
  const eip = regs.eip;
  const inWindow = host.noirq_start !== undefined && eip >= host.noirq_start && eip < host.noirq_end && host.noirq_end > host.noirq_start;
  const dl = h("dl", { class: "mx-facts" },
    h("dt", {}, "lguest_data"),
    h("dd", {}, host.initialised || host.lguest_data
      ? [h("span", { class: "mx-yes" }, "registered"), " at ", h("code", {}, hex0x(host.lguest_data))]
      : [h("span", { class: "mx-no" }, "not yet"), " (no LHCALL_LGUEST_INIT)"], ...changedMark(c("lguest_data") || c("initialised"))),
    h("dt", {}, "Guest"),
    h("dd", { class: c("halted") || c("dead") ? "is-changed" : "" },
      host.dead ? [h("strong", { class: "mx-dead" }, "killed: "), String(host.dead)]
        : host.halted ? h("strong", { class: "mx-halted" }, "halted (waiting for an interrupt)")
          : "running", ...changedMark(c("halted") || c("dead"))),
    h("dt", {}, "no-irq window"),
    h("dd", {}, host.noirq_end ? [h("code", {}, hex0x(host.noirq_start)), "–", h("code", {}, hex0x(host.noirq_end)),
      inWindow ? h("strong", { class: "mx-inwin" }, " EIP is inside") : " (EIP outside)"] : "not set"));
  const idt = Array.isArray(host.idt) ? host.idt : [];
  const present = idt.filter((e) => e.present !== false && (e.hi === undefined || (e.hi & 0x8000)));
  const idtText = present.length
    ? `${present.length} present: ` + present.slice(0, 6).map((e) => hexShort(e.vector)).join(", ") + (present.length > 6 ? ", …" : "")
    : "no entries loaded";
  dl.append(h("dt", {}, "IDT"), h("dd", {}, idtText, ...changedMark(c("idt"))));
  const patched = Array.isArray(host.patched) ? host.patched : [];
  if (patched.length) {
    dl.append(h("dt", {}, "rewritten"), h("dd", {}, patched.map((p, i) => [i ? h("br") : null,
      h("code", {}, hex0x(p.address)), " ", h("code", {}, p.old), " → ", h("code", {}, p.new)]), ...changedMark(c("patched"))));
  }
  kernelKeeps(dl, host);
  fill(root,
    bitmap("irqs_pending", host.irqs_pending, c("irqs_pending"), "(host-private)"),
    bitmap("blocked", host.blocked, c("blocked"), "(lguest_data.blocked_interrupts)"),
    dl);
}

// The rest of what struct lguest / lg_cpu keep (lg.h): one row each, plain text.
function kernelKeeps(dl, host) {
  const row = (term, ...value) => dl.append(h("dt", {}, term), h("dd", {}, ...value));
  if (host.restart) row("restart", h("strong", { class: "mx-dead" }, "dead = ERR_PTR(-ERESTART)"), ": the Launcher restarts the Guest");
  if (host.kick !== undefined) row("raise_irq", host.kick ? "kicks the Guest: the Host looks at once (set_interrupt)" : "only marks it pending (kick off)");
  const ks = host.kernel_stack;
  if (ks) row("SET_STACK", ks.pages ? [h("code", {}, `${hexShort(ks.ss1)}:${hex0x(ks.esp1)}`), ` ${ks.pages} page(s)`] : "not set");
  row("ts / clock", `ts ${host.ts ?? 0}; `, host.clockevent_ns ? `timer in ${host.clockevent_ns} ns` : "no timer armed");
  if (host.pgdir !== undefined && host.pgdir !== null) {
    row("page tables", "cr3 ", h("code", {}, hex0x(host.pgdir)), `; shadowed: ${(host.pgdirs || []).map(hex0x).join(", ") || "none"}`,
      host.last_pages ? ["; last_pages ", h("code", {}, hex0x(host.last_pages))] : null);
  }
  const ring = host.async_ring;
  if (ring) {
    const slots = (ring.slots || []).map((s) => `#${s.slot} ${s.status === 0 ? "ready" : hexShort(s.status)}: ${s.args.map(hexShort).join(" ")}`);
    row("async ring", `next ${ring.next_hcall}; `, slots.length ? slots.join("; ") : "every slot free (0xff)");
  }
  const idt = (Array.isArray(host.idt) ? host.idt : []).filter((e) => e.present);
  if (idt.length) {
    row("IDT as held", idt.slice(0, 8).map((e, i) => [i ? ", " : "", h("code", {}, hexShort(e.vector)),
      ` ${e.gate || ""} DPL ${e.dpl ?? 0}${e.cpu === "direct" ? " (CPU enters it directly)" : ""}`]), idt.length > 8 ? ", …" : "");
  }
}

// Words of the frame set_guest_interrupt() pushes (and lguest_iret pops), as the state labels them.
const FRAME_WORDS = new Set(["eip", "cs", "eflags", "esp", "ss", "errcode"]);

export function renderStack(ctx, tbody, state) {
  const esp = (state.registers || {}).esp;
  const rows = (state.stack || []).map((word) => {
    const key = `stack:${word.address}`;
    const changed = ctx.changed.has(key);
    const atEsp = word.address === esp;
    const isFrame = FRAME_WORDS.has(word.label);
    const label = isFrame ? `interrupt frame: ${word.label}` : word.label || "";
    return h("tr", { class: (atEsp ? "is-esp" : "") + (isFrame ? " is-frame" : "") + (changed ? " is-changed" : "") },
      h("th", { scope: "row" }, h("code", {}, hex(word.address))),
      h("td", {}, h("code", { title: `${dec(word.value)} in decimal` }, hex(word.value)), ...changedMark(changed)),
      h("td", { class: "mx-label" }, atEsp ? h("span", { class: "mx-esp" }, "← esp ") : null, label,
        word.symbol ? h("span", { class: "mx-sub" }, `${label ? " · " : ""}${word.symbol}`) : null));
  });
  if (!rows.length) rows.push(h("tr", {}, h("td", { colspan: "3", class: "mx-empty" }, "No stack words readable.")));
  fill(tbody, rows);
}

/**
 * Memory as the Guest sees it, from the state: the head of struct lguest_data (what G:033's testl
 * and G:045's %ss: store touch) as little-endian bytes, and the bytes of the next instruction.
 */
export function renderMemory(ctx, root, whatNode, state) {
  const ld = state.lguest_data || {};
  const rows = [];
  const head = (ld.fields || []).filter((f) => f.offset < 24 && typeof f.value === "number");
  if (ld.address !== undefined && ld.address !== null && head.length) {
    const bytes = [];
    const names = [];
    for (const f of head) {
      for (let i = 0; i < f.size; i += 1) {
        bytes[f.offset + i] = (f.value >>> (8 * i)) & 0xff;
        names[f.offset + i] = f.name;
      }
    }
    for (let off = 0; off < 24; off += 8) {
      const cells = [];
      for (let i = off; i < off + 8; i += 1) {
        const isChanged = ctx.changed.has(`ld:${names[i]}`);
        cells.push(h("span", { class: "mx-byte" + (isChanged ? " is-changed" : "") + (i % 4 === 0 ? " is-word" : ""), title: names[i] || "" },
          bytes[i] === undefined ? "??" : hex(bytes[i], 2)));
      }
      const fieldNames = [...new Set(names.slice(off, off + 8).filter(Boolean))].join(", ");
      rows.push(h("div", { class: "mx-dump-row" },
        h("span", { class: "mx-dump-addr" }, hex(ld.address + off)), " ", cells, " ",
        h("span", { class: "mx-dump-note" }, fieldNames),
        ...changedMark(cells.some((c) => c.classList.contains("is-changed")))));
    }
  }
  const next = state.next_insn;
  if (next && next.bytes) {
    rows.push(h("div", { class: "mx-dump-row mx-dump-code" },
      h("span", { class: "mx-dump-addr" }, hex(next.address ?? state.eip)), " ",
      String(next.bytes).split(" ").map((b) => h("span", { class: "mx-byte" }, b)), " ",
      h("span", { class: "mx-dump-note" }, `at EIP: ${next.text}`)));
  }
  fill(whatNode, "lguest_data+0..23 and the code at EIP");
  // tabindex: the dump scrolls sideways on narrow screens, and a keyboard must be able to scroll it too
  fill(root, rows.length ? h("div", { class: "mx-dump", tabindex: "0", role: "group", "aria-label": "Memory bytes" }, rows)
    : h("p", { class: "mx-empty" }, "Nothing readable."));
}
