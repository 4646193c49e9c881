// C beside its machine code (templates/_c_asm.html): colour each C source line like its instructions
// and, on hover or focus of either side, outline the line and every instruction it became.
const section = document.querySelector(".casm");
if (section) {
  const file = section.dataset.file;
  const listing = document.querySelector(`.listing[data-file="${CSS.escape(file)}"]`);
  const colours = new Map((section.dataset.colours || "").split(",").filter(Boolean).map((p) => p.split(":")));
  const lineEl = (n) => listing?.querySelector(`#L${CSS.escape(String(n))}`);
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
    light(sl && colours.has(sl.dataset.line) ? sl.dataset.line : null);
  };
  section.addEventListener("mouseover", fromInsn);
  section.addEventListener("focusin", fromInsn);
  section.addEventListener("mouseleave", clear);
  listing?.addEventListener("mouseover", fromLine);
  listing?.addEventListener("focusin", fromLine);
  listing?.addEventListener("mouseleave", clear);
}
