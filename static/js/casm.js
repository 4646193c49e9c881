// C beside its machine code (templates/_c_asm.html): colour each C source line like its instructions
// and, on hover or focus of either side, outline the line and every instruction it became.

const INSN = /^([0-9a-f]{8})  (.*?)(?:\t| {2,})(.*)$/;   // address, bytes, then a tab and the text

/** The <ol> of one function from its text form: one item per instruction, tagged with its line. */
function listOf(pre, file) {
  const list = document.createElement("ol");
  list.className = "casm-list";
  for (const run of pre.querySelectorAll(".casm-run")) {
    const link = run.querySelector("a[href^='#L']");
    const line = link?.hash.slice(2);
    for (const text of run.textContent.split("\n").slice(1)) {
      const m = INSN.exec(text);
      if (!m) continue;
      const item = document.createElement("li");
      item.className = run.className.replace("casm-run", "casm-i");
      item.tabIndex = 0;
      item.dataset.address = `0x${m[1]}`;
      if (line) {
        item.dataset.line = line;
        item.dataset.file = run.dataset.file || file;
      }
      for (const [tag, cls, value] of [["span", "casm-a", m[1]], ["span", "casm-b", m[2].trim()], ["code", "casm-t", m[3]]]) {
        const part = document.createElement(tag);
        part.className = cls;
        part.textContent = value;
        item.append(part);
      }
      if (link) {
        const copy = link.cloneNode(true);
        copy.className = "casm-l";
        copy.tabIndex = -1;
        item.append(copy);
      }
      list.append(item);
    }
  }
  return list;
}

const section = document.querySelector(".casm");
if (section) {
  const file = section.dataset.file;
  const listing = document.querySelector(`.listing[data-file="${CSS.escape(file)}"]`);
  const colours = new Map((section.dataset.colours || "").split(",").filter(Boolean).map((p) => p.split(":")));
  const lineEl = (n) => listing?.querySelector(`#L${CSS.escape(String(n))}`);
  // The page sends each function as objdump-style text (instructions grouped under their C line, a
  // fraction of the bytes of one element per instruction); here each run becomes list items, one per
  // instruction, that hover and focus can light up.
  for (const pre of section.querySelectorAll("pre.casm-pre")) pre.replaceWith(listOf(pre, file));
  for (const [line, colour] of colours) lineEl(line)?.classList.add(`casm-c${colour}`);

  let hot = [];
  const clear = () => { for (const el of hot) el.classList.remove("casm-hot"); hot = []; };
  const light = (line) => {
    clear();
    if (!line) return;
    hot = [lineEl(line), ...section.querySelectorAll(`.casm-i[data-line="${CSS.escape(line)}"][data-file="${CSS.escape(file)}"]`)]
      .filter(Boolean);
    for (const el of hot) el.classList.add("casm-hot");
  };
  const fromInsn = (ev) => light(ev.target.closest(".casm-i")?.dataset.line);
  const fromLine = (ev) => {
    const sl = ev.target.closest(".sl");
    const line = sl?.id.slice(1);
    light(line && colours.has(line) ? line : null);
  };
  section.addEventListener("mouseover", fromInsn);
  section.addEventListener("focusin", fromInsn);
  section.addEventListener("mouseleave", clear);
  listing?.addEventListener("mouseover", fromLine);
  listing?.addEventListener("focusin", fromLine);
  listing?.addEventListener("mouseleave", clear);
}
