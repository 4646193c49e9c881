// Renders a grade, the open hints and errors into the lab page, with the markup and classes the
// server uses for the same things (templates/labs_macros.html), so the page looks the same with or
// without JavaScript. Text only, never innerHTML: `code` spans are the one markup lab texts get.

import { fill, h } from "../explorer/dom.js";

/** "Compare `testl` with `cmpl`" → text and <code> nodes. */
export function codeSpans(text) {
  const out = [];
  const re = /`([^`\n]+)`/g;
  let last = 0;
  const s = String(text ?? "");
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m.index > last) out.push(s.slice(last, m.index));
    out.push(h("code", {}, m[1]));
    last = m.index + m[0].length;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function check(c) {
  const failedVisible = !c.passed && !c.hidden;
  return h("li", { class: `lab-check ${c.passed ? "is-passed" : "is-failed"}${c.hidden ? " is-hidden" : ""}` },
    h("span", { class: "lab-check-mark", "aria-hidden": "true" }, c.passed ? "✓" : "✗"),
    h("div", { class: "lab-check-body" },
      h("p", { class: "lab-check-text" }, codeSpans(c.text)),
      h("p", { class: "lab-check-points" }, h("span", { class: "lab-check-verdict" }, c.passed ? "Passed" : "Failed"),
        ` · ${c.earned} of ${plural(c.points, "point")}`),
      failedVisible && c.detail ? h("p", { class: "lab-check-detail" }, codeSpans(c.detail)) : null,
      failedVisible && c.advice ? h("p", { class: "lab-check-advice" }, codeSpans(c.advice)) : null,
      failedVisible && c.chapter ? h("p", { class: "lab-check-reread" }, "Reread ",
        c.chapter_url ? h("a", { href: c.chapter_url }, c.chapter) : c.chapter, ".") : null));
}

/** The whole result section (its heading is what gets focus after a check). */
export function renderGrade(section, grade) {
  const saved = grade.saved
    ? h("p", { class: "lab-saved" }, "Saved for ", h("strong", {}, grade.student), ` (attempt ${grade.saved.attempt ?? grade.saved.id}).`)
    : (!grade.student ? h("p", { class: "lab-saved" }, "Not saved: give your name or id above to keep a record of your attempts.") : null);
  const build = (grade.build_errors || []).length
    ? h("div", { class: "lab-build-errors", role: "group", "aria-labelledby": "lab-build-h" },
      h("h3", { id: "lab-build-h" }, "Your edit does not build"),
      h("ul", {}, grade.build_errors.map((e) => h("li", {},
        e.line ? [h("a", { href: `#L${e.line}` }, `Line ${e.line}`), e.yours ? " (yours)" : "", ": "] : null,
        h("code", {}, e.message)))))
    : null;
  fill(section,
    h("h2", { id: "lab-result-h", tabindex: "-1" }, "Your result"),
    h("p", { class: `lab-score ${grade.passed ? "is-pass" : "is-fail"}` },
      h("strong", { class: "lab-score-n" }, String(grade.score), h("span", { class: "lab-score-of" }, `/${grade.max_score}`)),
      " ", h("span", { class: "lab-score-text" }, grade.summary)),
    saved, build,
    h("ol", { class: "lab-checks" }, (grade.checks || []).map(check)));
  section.hidden = false;
}

export function renderHints(list, hints) {
  fill(list, hints.map((hint) => h("li", { value: String(hint.n), id: `lab-hint-${hint.n}` }, codeSpans(hint.text))));
}

export function showError(box, err) {
  const lead = err.code === "rate_limited" ? "Slow down." : "Not checked.";
  fill(box, h("p", {}, h("strong", {}, lead), " ", err.message || String(err)));
  box.hidden = false;
}

export function clearError(box) {
  box.hidden = true;
  box.replaceChildren();
}
