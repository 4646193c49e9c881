// The chapter's source listing (rendered by the pages blueprint): highlight the line EIP is on and keep
// it in view inside the listing (the page itself moves only when the listing is off screen), turn each
// line's address into a "run to here" button (run_until <label|0xaddr>) and its gutter into a
// breakpoint toggle (break L<n> / unbreak L<n>). A line is `.sl#L<n>`; its address is the text of its
// `.sl-a` (a lab's editable line says it in data-address instead), a label's in data-label-address.

import { h } from "./dom.js";

let current = null;

/** The part of the window not covered by fixed bars (the phone's bottom dock). */
function visibleBottom() {
  let bottom = window.innerHeight;
  for (const bar of document.querySelectorAll(".mx-dock-part")) {
    if (getComputedStyle(bar).position !== "fixed") continue;
    const box = bar.getBoundingClientRect();
    if (box.height) bottom = Math.min(bottom, box.top);
  }
  return bottom;
}

/** Bring `line` into view: scroll its listing if the listing scrolls, then the page only if needed. */
export function reveal(line) {
  const box0 = line.closest(".listing");
  // Only a listing given a height of its own (the workbench layout) scrolls inside itself.
  const listing = box0 && getComputedStyle(box0).maxHeight !== "none" && box0.scrollHeight > box0.clientHeight + 1 ? box0 : null;
  if (listing) {
    const lbox = listing.getBoundingClientRect();
    const box = line.getBoundingClientRect();
    const margin = Math.min(80, listing.clientHeight / 4);
    if (box.top < lbox.top + margin || box.bottom > lbox.bottom - margin) {
      listing.scrollTop += box.top - lbox.top - listing.clientHeight / 3;
    }
  }
  const box = line.getBoundingClientRect();
  const bottom = visibleBottom();
  if (box.top >= 0 && box.bottom <= bottom) return;
  const target = listing ? listing.getBoundingClientRect() : box;
  const top = target === box ? box.top - (bottom - box.height) / 2 : target.top - 8;
  window.scrollBy({ top, behavior: "instant" });
}

/** Mark `#L<line>` as where the machine is; returns true when the line is on this page. */
export function markCurrent(page, location, { scroll = false } = {}) {
  if (current) {
    current.classList.remove("is-current");
    current.removeAttribute("aria-current");
    current = null;
  }
  if (!location || location.file !== page.file || !location.line) return false;
  const line = document.getElementById(`L${location.line}`);
  if (!line) return false;
  line.classList.add("is-current");
  line.setAttribute("aria-current", "step");
  current = line;
  if (scroll) reveal(line);
  return true;
}

/** The source's own spelling of the instruction on a line ("jnz"), or "". */
export function sourceMnemonic(lineNumber) {
  const code = document.querySelector(`#L${lineNumber} > code`);
  const words = (code?.textContent || "").trim().split(/\s+/);
  return words[0] && /^[a-z]/.test(words[0]) && !words[0].endsWith(":") ? words[0] : "";
}

const LINES = '.listing .sl[id^="L"]';

/** The line number of a listing line (`#L<n>`). */
export const lineOf = (line) => line.id.slice(1);

/** The address of the line's own bytes ("0xc0100000"), or "". */
function addressOf(line) {
  if (line.dataset.address !== undefined) return line.dataset.address;
  const slot = line.querySelector(".sl-a:not(.sl-a-label)");
  return slot ? `0x${slot.textContent.trim()}` : "";
}

/** Each code line with an address (or a label) gets a button: run the machine until it gets there. */
export function addRunButtons(onRunTo) {
  for (const line of document.querySelectorAll(LINES)) {
    const slot = line.querySelector(".sl-a");
    const own = addressOf(line);
    const labelAddress = line.dataset.labelAddress;
    const address = own || labelAddress;
    if (!slot || !address || slot.querySelector("button")) continue;
    const n = lineOf(line);
    const label = line.dataset.label;
    const target = label && labelAddress && !own ? label : address.toLowerCase();
    const text = slot.textContent.trim() || address.replace(/^0x/, "");
    const button = h("button", {
      type: "button", class: "sl-run", dataset: { key: `run:L${n}` },
      title: `Run the machine until it reaches line ${n} (${target})`,
      onclick: () => onRunTo(target, Number(n)),
    }, text);
    slot.replaceChildren(button);
    slot.removeAttribute("title");
  }
}

/** A breakpoint toggle in the gutter of every line with code. */
export function addBreakButtons(onToggle) {
  for (const line of document.querySelectorAll(LINES)) {
    if (line.querySelector(".sl-bp")) continue;
    const n = lineOf(line);
    const button = h("button", {
      type: "button", class: "sl-bp", "aria-pressed": "false", dataset: { key: `bp:L${n}`, line: n },
      title: `Breakpoint on line ${n}: Continue stops here`,
      onclick: () => onToggle(Number(n)),
    }, h("span", { class: "sl-bp-dot", "aria-hidden": "true" }), h("span", { class: "visually-hidden" }, `Breakpoint on line ${n}`));
    line.prepend(button);
  }
}

/** Show which lines have breakpoints (from the state's `breakpoints`). */
export function markBreakpoints(breakpoints, file) {
  const on = new Set((breakpoints || []).filter((b) => !b.file || b.file === file).map((b) => String(b.line)));
  for (const button of document.querySelectorAll(".listing .sl-bp")) {
    const set = on.has(button.dataset.line);
    if ((button.getAttribute("aria-pressed") === "true") !== set) button.setAttribute("aria-pressed", String(set));
    button.closest(".sl")?.classList.toggle("has-bp", set);
  }
}
