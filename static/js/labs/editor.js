// The editable source lines: one text box per permitted line, inside the read-only listing around
// them. Knows which lines differ from the kernel as shipped, restores them, and shows an error on
// the line it is about (the sandbox and the assembler name lines).

import { fill } from "../explorer/dom.js";

export class Editor {
  constructor(root, onChange) {
    this.inputs = [...root.querySelectorAll("input.sl-input[data-original]")];
    this.status = root.querySelector("#lab-edit-status");
    this.restoreButton = root.querySelector("#lab-restore");
    this.onChange = onChange;
    for (const input of this.inputs) {
      input.addEventListener("input", () => { this.clearError(input); this.refresh(); this.onChange(); });
    }
    if (this.restoreButton) {
      this.restoreButton.hidden = false;
      this.restoreButton.addEventListener("click", () => this.restore());
    }
    this.refresh();
  }

  /** Scroll the listing (not the page) so the first editable line sits in its middle. */
  reveal() {
    const row = this.inputs[0]?.closest(".sl");
    const listing = row?.closest(".lab-listing");
    if (!row || !listing) return;
    const offset = row.getBoundingClientRect().top - listing.getBoundingClientRect().top;
    listing.scrollTop = Math.max(0, listing.scrollTop + offset - (listing.clientHeight - row.offsetHeight) / 2);
  }

  get present() {
    return this.inputs.length > 0;
  }

  line(input) {
    return Number(input.name.slice("line-".length));
  }

  /** {"78": "text"} for the lines that differ from the kernel as shipped. */
  edits() {
    const out = {};
    for (const input of this.inputs) {
      if (input.value !== input.dataset.original) out[String(this.line(input))] = input.value;
    }
    return out;
  }

  /** Put saved text back into the boxes (only lines that are still editable). */
  load(edits) {
    for (const input of this.inputs) {
      const text = edits[String(this.line(input))];
      if (typeof text === "string") input.value = text;
    }
    this.refresh();
  }

  restore() {
    for (const input of this.inputs) { input.value = input.dataset.original; this.clearError(input); }
    this.refresh();
    this.onChange();
    this.inputs[0]?.focus();
  }

  refresh() {
    const changed = [];
    for (const input of this.inputs) {
      const edited = input.value !== input.dataset.original;
      input.closest(".sl")?.classList.toggle("is-edited", edited);
      if (edited) changed.push(this.line(input));
    }
    if (this.restoreButton) this.restoreButton.disabled = changed.length === 0;
    if (this.status) {
      fill(this.status, changed.length === 0 ? "No line changed yet."
        : `${changed.length === 1 ? "Line" : "Lines"} ${changed.join(", ")} changed.`);
    }
  }

  /** Show `message` under `line` (and say so to assistive technology); false if the line has no box. */
  markError(line, message) {
    const input = this.inputs.find((i) => this.line(i) === line);
    if (!input) return false;
    const box = document.getElementById(`${input.id}-error`);
    input.setAttribute("aria-invalid", "true");
    if (box) {
      fill(box, message);
      box.hidden = false;
      const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (!described.includes(box.id)) input.setAttribute("aria-describedby", [...described, box.id].join(" "));
    }
    return true;
  }

  clearError(input) {
    input.removeAttribute("aria-invalid");
    const box = document.getElementById(`${input.id}-error`);
    if (box) { box.hidden = true; box.replaceChildren(); }
  }

  clearErrors() {
    for (const input of this.inputs) this.clearError(input);
  }

  focusLine(line) {
    this.inputs.find((i) => this.line(i) === line)?.focus();
  }
}
