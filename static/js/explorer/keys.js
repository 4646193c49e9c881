// Keyboard shortcuts for the explorer. They never fire while the reader types in a field, and
// never with Ctrl/Alt/Meta held (those belong to the browser and assistive technology).

const TYPING = new Set(["INPUT", "TEXTAREA", "SELECT"]);

/** bindings: {key: command-name}; Shift is part of the key (e.g. "R"), as is "?". */
export const BINDINGS = {
  s: "step", ArrowRight: "step",
  b: "back", ArrowLeft: "back",
  f: "forward",
  r: "run_decision", c: "run_hypercall", t: "run_ret",
  h: "host_check", i: "raise_irq", p: "play", g: "continue",
  R: "reset", "?": "help",
};
export const EMBED_BINDINGS = {};   // the embed is read-only: it shows a shared run, it does not change it

export function installShortcuts(bindings, run) {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
    const target = event.target;
    if (target && (TYPING.has(target.tagName) || target.isContentEditable)) return;
    if (document.querySelector("dialog[open]")) return;
    const command = bindings[event.key];
    if (!command) return;
    // Shift+R resets; a capital R typed with Caps Lock on (no Shift) must not wipe the run.
    if (event.key === "R" && !event.shiftKey) return;
    // Arrow keys keep their usual meaning inside scrollable listings and on links.
    if (event.key.startsWith("Arrow") && target && target.closest && target.closest("a, .listing, details")) return;
    event.preventDefault();
    run(command);
  });
}
