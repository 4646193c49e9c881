// Lab mode (templates/labs_lab.html): the explorer's live machine on the lab's scenario, the editor
// of the permitted lines, "Run my version", "Check my work" with per-check feedback, hints, and the
// student's work kept in localStorage. Without JavaScript the page is a plain form that the server
// grades; this module only enhances it (the form's submit becomes a fetch, the machine appears).

import { parseActions } from "../explorer/actions.js";
import { fill } from "../explorer/dom.js";
import { Explorer } from "../explorer/main.js";
import * as labApi from "./api.js";
import { Editor } from "./editor.js";
import { clearError, renderGrade, renderHints, showError } from "./feedback.js";
import { Progress } from "./progress.js";

class LabPage {
  constructor(article) {
    const d = article.dataset;
    this.article = article;
    this.lab = { id: d.lab, scenario: d.scenario, version: d.version, finish: d.finish || "",
      studentActions: d.studentActions === "1", api: d.api, gradeUrl: d.gradeUrl, runUrl: d.runUrl,
      hintsTotal: Number(d.hintsTotal || 0), hintsAfter: (d.hintsAfter || "").split(" ").filter(Boolean).map(Number) };
    this.$ = (id) => document.getElementById(id);
    this.form = this.$("lab-form");
    this.studentBox = this.$("lab-student");
    this.actionsBox = this.$("lab-actions");
    this.result = this.$("lab-result");
    this.errorBox = this.$("lab-error");
    this.progress = new Progress(this.lab.id);
    this.editor = new Editor(this.form, () => this.remember());
    this.applied = {};   // the edits the machine runs ("Run my version" sets them)
    this.good = {};      // the last edits that built
    this.explorer = null;
    this.actionsTyped = false;   // the actions box holds text the machine has not run yet
  }

  boot() {
    // A page the server rendered after a form POST already shows that work; otherwise bring back
    // what this browser kept.
    if (this.result.hidden) this.restore();
    this.editor.reveal();
    this.wire();
    for (const node of this.article.querySelectorAll(".lab-js-only")) node.hidden = false;
    const run = this.$("lab-run");
    fill(run, this.editor.present ? "Run my version" : "Run my actions");
    run.hidden = false;
    this.startMachine();
  }

  restore() {
    if (!this.studentBox.value && this.progress.student) this.studentBox.value = this.progress.student;
    if (!this.progress.known) return;
    if (this.actionsBox && this.progress.actions !== null) this.actionsBox.value = this.progress.actions;
    this.editor.load(this.progress.edits);
    for (const [id, value] of Object.entries(this.progress.answers)) {
      const box = this.form.querySelector(`[name="answer-${CSS.escape(id)}"]`);
      if (!box) continue;
      if (box.type === "radio") {
        const choice = this.form.querySelector(`[name="answer-${CSS.escape(id)}"][value="${CSS.escape(value)}"]`);
        if (choice) choice.checked = true;
      } else {
        box.value = value;
      }
    }
    if (this.progress.hintsAsked) this.$("lab-hints-asked").value = String(this.progress.hintsAsked);
    const asked = Math.max(this.progress.hintsAsked, this.studentBox.value ? 0 : this.autoOpened());
    if (asked) this.openHints(asked, { focus: false });
  }

  wire() {
    this.form.addEventListener("input", (event) => {
      if (event.target === this.studentBox) this.progress.student = this.studentBox.value.trim();
      if (event.target === this.actionsBox) this.actionsTyped = true;
      this.remember();
    });
    this.form.addEventListener("submit", (event) => { event.preventDefault(); this.check(); });
    this.$("lab-run").addEventListener("click", () => this.runMine());
    const more = this.$("lab-hint-more");
    if (more) {
      more.addEventListener("click", (event) => {
        event.preventDefault();
        const next = Number(more.dataset.next);
        if (next) this.openHints(next, { focus: true });
      });
    }
  }

  /** Everything typed so far goes to localStorage, so a reload keeps it. */
  remember() {
    this.progress.actions = this.actionsBox ? this.actionsBox.value : null;
    this.progress.edits = this.editor.edits();
    this.progress.answers = this.answers();
    this.progress.save();
  }

  answers() {
    const out = {};
    for (const field of this.form.querySelectorAll('[name^="answer-"]')) {
      if (field.type === "radio" && !field.checked) continue;
      const value = field.value.trim();
      if (value) out[field.name.slice("answer-".length)] = value;
    }
    return out;
  }

  // -- the machine ----------------------------------------------------------------------------------

  startMachine() {
    const section = this.$("lab-machine");
    const root = this.$("mx");
    if (!section || !root) return;
    this.explorer = new Explorer(section, root, {
      scenario: this.lab.scenario,
      // Lab mode shows the lab's words for the scenario, never the scenario file's (they may give the answer).
      scenarioInfo: { id: this.lab.scenario, title: this.article.dataset.scenarioTitle || "",
        description: this.article.dataset.scenarioDescription || "", chapters: [], tour: "" },
      actions: this.lab.studentActions && this.actionsBox ? parseActions(this.actionsBox.value) : [],
      lockScenario: true,
      keepUrl: true,
      runUrl: this.lab.runUrl,
      runBody: () => ({ edits: this.applied }),
      onResult: (result, actions) => this.machineRan(result, actions),
      onError: (err) => this.machineFailed(err),
    });
    this.article.classList.add("has-machine");
    this.explorer.boot();
  }

  /** "Run my version": the graded run on the machine (setup, the student's actions or the lab's
   * fixed finish), on a build of the lines as they are now. */
  runMine() {
    if (!this.explorer) return;
    this.editor.clearErrors();
    this.applied = this.editor.edits();
    this.actionsTyped = false;
    let list = this.actionsBox ? parseActions(this.actionsBox.value) : [];
    if (!this.lab.studentActions) list = parseActions(this.lab.finish);
    this.say("Running your version…");
    this.explorer.replayAfresh(list);
    this.$("lab-machine").scrollIntoView({ block: "nearest" });
  }

  machineRan(result, actions) {
    this.good = this.applied;
    const edited = result.edited || [];
    const source = this.$("lab-machine-source");
    fill(source, edited.length ? `The machine runs your version (line${edited.length === 1 ? "" : "s"} ${edited.join(", ")} edited).`
      : "The machine runs the kernel as shipped.");
    source.hidden = false;
    // In labs that take actions, the machine's controls add to the text box, unless the student has
    // typed there since the last run, or the machine could not run what the box says (its error shows).
    const failed = !(document.getElementById("mx-error")?.hidden ?? true);
    if (this.lab.studentActions && this.actionsBox && !this.actionsTyped && !failed
        && document.activeElement !== this.actionsBox) {
      const text = actions.join("\n");
      if (parseActions(this.actionsBox.value).join("\n") !== text) {
        this.actionsBox.value = text;
        this.remember();
      }
    }
  }

  /** A refused or failed build of the student's lines: its message goes under the line it is about,
   * and only there (true: the machine panel does not repeat it). Other errors are the panel's. */
  machineFailed(err) {
    this.applied = this.good;   // keep stepping on the last version that built
    const marked = this.markLines(err);
    if (!marked.length) return false;
    const source = this.$("lab-machine-source");
    const lines = `line${marked.length === 1 ? "" : "s"} ${marked.join(", ")}`;
    const verb = err.code === "sandbox_refused" ? "is not accepted" : "does not build";
    fill(source, `Your version ${verb}: the message is under ${lines}. The machine still runs the last version that built.`);
    source.hidden = false;
    this.say(`Your version ${verb}. ${this.firstMessage(err)}`);
    this.editor.focusLine(marked[0]);
    return true;
  }

  /** Mark the editable lines an error names (a refusal's one line, a build's tool messages); the lines marked. */
  markLines(err) {
    const d = err.detail || {};
    const found = Number.isInteger(d.line) ? [{ line: d.line, message: d.reason || err.message }]
      : (Array.isArray(d.lines) ? d.lines.filter((l) => Number.isInteger(l.line)) : []);
    const marked = [];
    for (const l of found) if (!marked.includes(l.line) && this.editor.markError(l.line, l.message)) marked.push(l.line);
    return marked;
  }

  firstMessage(err) {
    const d = err.detail || {};
    if (Number.isInteger(d.line)) return d.reason || err.message;
    return (Array.isArray(d.lines) && d.lines[0]?.message) || err.message;
  }

  // -- checking ---------------------------------------------------------------------------------------

  request() {
    const student = this.studentBox.value.trim();
    const asked = Number(this.$("lab-hints-asked").value || 0);
    const body = { edits: this.editor.edits(), answers: this.answers(), hints: Math.min(100, asked) };
    if (this.lab.studentActions && this.actionsBox && this.actionsBox.value.trim()) body.actions = this.actionsBox.value;
    if (student) { body.student = student; body.save = true; }
    return body;
  }

  async check() {
    const button = this.$("lab-check");
    button.disabled = true;
    this.form.setAttribute("aria-busy", "true");
    this.editor.clearErrors();
    clearError(this.errorBox);
    this.say("Checking your work…");
    try {
      const grade = await labApi.grade(this.lab.gradeUrl, this.request());
      if (!grade.passed) this.progress.failed += 1;
      this.progress.save();
      renderGrade(this.result, grade);
      for (const e of grade.build_errors || []) if (e.line && e.yours) this.editor.markError(e.line, e.message);
      this.showHints(grade.hints || []);
      // The server opens hints after the failed attempts it stored; an anonymous student's are counted here.
      const opened = (grade.hints || []).reduce((n, hint) => Math.max(n, hint.n), 0);
      if (!grade.student && this.autoOpened() > opened) this.openHints(this.autoOpened(), { focus: false });
      this.say(grade.summary);
      this.$("lab-result-h")?.focus();
    } catch (err) {
      const marked = this.markLines(err);
      if (marked.length) {
        // The reason is under the line (and read with it): the alert says where, not the same words again.
        showError(this.errorBox, { code: err.code, message: `line ${marked[0]} is not accepted; the reason is under it.` });
        this.editor.focusLine(marked[0]);
        this.say(`Not checked. ${this.firstMessage(err)}`);
      } else {
        showError(this.errorBox, err);
        this.errorBox.focus();
        this.say(err.message);
      }
    } finally {
      button.disabled = false;
      this.form.removeAttribute("aria-busy");
    }
  }

  // -- hints ------------------------------------------------------------------------------------------

  async openHints(count, { focus }) {
    try {
      const data = await labApi.lab(this.lab.api, { hints: count, student: this.studentBox.value.trim() });
      if (focus) this.progress.hintsAsked = Math.max(this.progress.hintsAsked, count);
      this.progress.save();
      this.$("lab-hints-asked").value = String(Math.max(this.progress.hintsAsked, count));
      this.showHints(data.hints_open || []);
      if (focus) document.getElementById(`lab-hint-${count}`)?.focus?.();
    } catch (err) {
      showError(this.errorBox, err);
    }
  }

  /** The last hint this browser's failed attempts open (hint k opens after its `after` failures). */
  autoOpened() {
    return this.lab.hintsAfter.reduce((n, after, i) => (after <= this.progress.failed ? i + 1 : n), 0);
  }

  showHints(hints) {
    const list = this.$("lab-hint-list");
    if (!list) return;
    renderHints(list, hints);
    for (const item of list.children) item.tabIndex = -1;
    const opened = hints.reduce((n, hint) => Math.max(n, hint.n), 0);
    const more = this.$("lab-hint-more");
    const next = opened < this.lab.hintsTotal ? opened + 1 : 0;
    more.dataset.next = String(next || "");
    fill(more, next ? `Show hint ${next}` : "");
    more.parentElement.hidden = !next;
  }

  say(text) {
    const region = this.$("lab-announce");
    region.textContent = "";
    window.setTimeout(() => { region.textContent = text; }, 30);
  }
}

const article = document.getElementById("lab");
if (article) new LabPage(article).boot();
