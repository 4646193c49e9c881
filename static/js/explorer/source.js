// The chapter's source listing (rendered by the pages blueprint): highlight the line EIP is on,
// and turn each line's address into a "run to here" button (run_until <label|0xaddr>).

import { h } from "./dom.js";

let current = null;

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
  if (scroll) {
    const box = line.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) {
      const smooth = window.matchMedia("(prefers-reduced-motion: no-preference)").matches;
      line.scrollIntoView({ block: "center", behavior: smooth ? "smooth" : "auto" });
    }
  }
  return true;
}

/** Each code line with an address (or a label) gets a button: run the machine until it gets there. */
export function addRunButtons(onRunTo) {
  for (const line of document.querySelectorAll(".listing .sl[data-line]")) {
    const slot = line.querySelector(".sl-a");
    const labelAddress = line.dataset.labelAddress;
    const address = line.dataset.address || labelAddress;
    if (!slot || !address || slot.querySelector("button")) continue;
    const label = line.dataset.label;
    const target = label && labelAddress && !line.dataset.address ? label : address.toLowerCase();
    const text = slot.textContent.trim() || address.replace(/^0x/, "");
    const button = h("button", {
      type: "button", class: "sl-run", dataset: { key: `run:L${line.dataset.line}` },
      title: `Run the machine until it reaches line ${line.dataset.line} (${target})`,
      "aria-label": `Run to line ${line.dataset.line}, ${label ? label + ", " : ""}address ${text}`,
      onclick: () => onRunTo(target, Number(line.dataset.line)),
    }, text);
    slot.replaceChildren(button);
    slot.removeAttribute("title");
  }
}
