// The live explorer on a chapter page. The client holds the action list; every change replays it
// on the server (POST /api/run, stateless) and renders the returned state and events. Step back is
// "the same list minus one step"; a share link is the scenario plus the list.
//
// Loaded as an ES module from static/ (CSP default-src 'self'); without JavaScript the section
// stays hidden and the page is the book it was.

import * as api from "./api.js";
import { parseActions, readLocation, shareUrl, withAction, withoutLast, withSet, withStep } from "./actions.js";
import { fill, h, hex, hex0x, moreToggle, parseNumber } from "./dom.js";
import { announcement, EventLog, GROUPS } from "./eventlog.js";
import { BINDINGS, EMBED_BINDINGS, installShortcuts } from "./keys.js";
import { renderLocals } from "./cstate.js";
import { FLAGS, renderFlags, renderHost, renderLguestData, renderMemory, renderRegisters, renderStack } from "./machine.js";
import { addBreakButtons, addRunButtons, markBreakpoints, markCurrent, sourceMnemonic } from "./source.js";
import { EVENT_KINDS, REGISTERS } from "./vocabulary.js";
import { renderWhatIf, whatIfFromUrl } from "./whatif.js";

const FLAG_NAMES = new Set(FLAGS.map(([name]) => name));
const REG_NAMES = new Set(REGISTERS);
const ALL_KINDS = EVENT_KINDS;
const MAX_EVENTS = 400;

/** The page's chapter index (pages/chapters.py boot_index): {url, titles: [[id, title]]}, a chapter's url being
 * `url` and its id with "-" for ":", or a list of {id, url, title}. */
function chapterMap(index) {
  const rows = Array.isArray(index) ? index
    : index.titles.map(([id, title]) => ({ id, title, url: index.url + id.replace(":", "-") }));
  return new Map(rows.map((c) => [c.id, c]));
}

/**
 * `options` are for pages that drive the panel themselves (the lab page, static/js/labs/main.js):
 * {scenario, scenarioInfo ({id, title, description}: shown instead of the scenario file's words), actions (initial list), lockScenario, keepUrl (no history, no Share), runUrl + runBody()
 * (another endpoint with the shape of POST /api/run, and extra body fields), onResult(result, actions),
 * onError(err) (true when the page showed the error itself, so the panel does not repeat it)}. The chapter page passes none.
 */
export class Explorer {
  constructor(section, root, options = {}) {
    this.options = options;
    this.section = section;
    this.root = root;
    const d = root.dataset;
    this.page = { version: d.version, chapter: d.chapter, file: d.file, start: Number(d.startLine), end: Number(d.endLine), index: d.index };
    this.embed = d.embed === "1";
    this.el = (id) => root.querySelector(`#${id}`);
    this.scenarios = [];
    this.scenario = null;
    this.actions = [];        // what the rendered state is the replay of
    this.target = null;       // what the reader asked for last (may be in flight)
    this.redo = [];           // snapshots Back / jump / reset left behind, for Forward
    this.inflight = false;
    this.result = null;
    this.previous = null;
    this.decimal = false;
    this.showInsns = false;
    this.chapters = new Map();
    this.timer = null;
    this.focusKey = null;
    this.timeline = [];       // the longest run the reader has made; the scrubber moves along it
    this.log = new EventLog(this.el("mx-events"));
    this.hiddenGroups = new Set(["steps"]);
  }

  // -- boot ----------------------------------------------------------------------------------------

  async boot() {
    const wanted = this.options.scenario
      ? { scenario: this.options.scenario, actions: this.options.actions || [], embed: false } : readLocation();
    const boot = readBoot();
    const fork = whatIfFromUrl();          // read before the first render rewrites the URL
    this.chaptersPromise = boot?.chapters
      ? Promise.resolve().then(() => { this.chapters = chapterMap(boot.chapters); })
      : api.chapters(this.page.index).then((map) => { this.chapters = map; });
    let listing;
    try {
      listing = this.options.scenarioInfo ? { scenarios: [this.options.scenarioInfo] }
        : boot?.scenarios && !this.options.scenario ? boot.scenarios : await api.listScenarios(this.page.version, this.page.chapter);
      this.scenarios = listing.scenarios || [];
      this.forChapter = true;
      if (!this.scenarios.length || (wanted.scenario && !this.scenarios.some((s) => s.id === wanted.scenario))) {
        const all = await api.listScenarios(this.page.version, null);
        if (!this.scenarios.length) this.forChapter = false;
        this.scenarios = mergeScenarios(this.scenarios, all.scenarios || []);
      }
    } catch (err) {
      this.section.hidden = false;
      this.showError(err);
      return;
    }
    if (!this.scenarios.length) {
      this.section.hidden = false;
      fill(this.el("mx-scenario-about"), "No scenario runs this chapter’s code yet.");
      return;
    }
    this.fillPicker();
    if (this.options.keepUrl) this.root.querySelector('[data-cmd="share"]')?.remove();
    const known = wanted.scenario && this.scenarios.some((s) => s.id === wanted.scenario);
    this.scenario = known ? wanted.scenario : this.scenarios[0].id;
    this.el("mx-scenario").value = this.scenario;
    this.describeScenario();
    this.wire();
    this.section.hidden = false;
    document.querySelector("article.chapter")?.classList.add("has-machine");
    if (!this.embed && !this.options.keepUrl) addSkipLink(this.el("mx-controls"));
    document.body.classList.add(this.embed ? "mx-embedded" : "mx-live");
    if (wanted.scenario && !known) this.showError({ message: `There is no scenario “${wanted.scenario}”; showing ${this.scenario} instead.` });
    await this.chaptersPromise;
    const first = boot?.run;
    if (first && !this.options.scenario && first.scenario === this.scenario
        && (first.actions || []).join(";") === wanted.actions.join(";")) {
      // The server replayed the first run into the page: the machine is ready without a request.
      this.actions = first.actions;
      this.timeline = first.actions;
      this.result = first;
      this.eventsKind = this.kindsKey();
      this.eventsScenario = this.scenario;
      [this.newFrom, this.newFromStep] = [Infinity, 0];
      this.render({ scroll: wanted.actions.length > 0 });
    } else {
      this.request(wanted.actions, { initial: true, scroll: wanted.actions.length > 0 });
    }
    if (fork && !this.embed && !this.options.keepUrl) this.whatIf(fork.at, fork.change, { list: wanted.actions });
  }

  kindsKey() {
    const extra = this.options.runBody ? this.options.runBody() : null;
    return `${this.showInsns ? "all" : "no-insn"}|${JSON.stringify(extra)}`;
  }

  fillPicker() {
    const select = this.el("mx-scenario");
    const mine = this.scenarios.filter((s) => (s.chapters || []).includes(this.page.chapter));
    const others = this.scenarios.filter((s) => !(s.chapters || []).includes(this.page.chapter));
    const option = (s) => h("option", { value: s.id }, s.title ? `${s.title}` : s.id);
    const groups = [];
    if (mine.length) groups.push(h("optgroup", { label: `Runs ${this.page.chapter}` }, mine.map(option)));
    if (others.length) groups.push(h("optgroup", { label: mine.length ? "Other chapters" : "All scenarios" }, others.map(option)));
    fill(select, groups);
    if (this.embed || this.options.lockScenario) select.disabled = true;
  }

  /** The scenario's description, two lines of it until the reader asks for more. */
  describeScenario() {
    const s = this.scenarios.find((x) => x.id === this.scenario);
    const about = this.el("mx-scenario-about");
    if (!s) { fill(about, ""); return; }
    const text = h("span", { class: "mx-about-text", id: "mx-about-text" }, s.description || "",
      s.chapters && s.chapters.length ? ` (${s.chapters.join(", ")})` : "");
    const more = moreToggle(about, "mx-about-text");
    fill(about, text, " ", (s.description || "").length > 140 ? more : null);
    const tour = this.el("mx-tour");
    if (tour) {
      tour.hidden = !s.tour || this.embed;
      fill(tour, "Suggested tour: ", h("code", {}, s.tour || ""), " ",
        h("button", { type: "button", class: "mx-more", dataset: { cmd: "tour" } }, "take it"));
    }
  }

  wire() {
    this.root.addEventListener("click", (event) => {
      const button = event.target.closest("[data-cmd]");
      if (!button || !this.root.contains(button)) return;
      this.command(button.dataset.cmd, button.dataset.arg, button);
    });
    this.el("mx-scenario").addEventListener("change", (event) => {
      this.pause();
      this.scenario = event.target.value;
      this.redo = [];
      this.describeScenario();
      this.request([], { replaceHistory: true });
    });
    const speed = this.el("mx-speed");
    if (speed) {
      speed.addEventListener("input", () => {
        fill(this.el("mx-speed-out"), `${speed.value}/s`);
        if (this.timer) { this.pause(); this.play(); }
      });
    }
    const insns = this.el("mx-show-insns");
    insns.addEventListener("change", () => { this.showInsns = insns.checked; this.request(this.target ?? this.actions, { keepRedo: true }); });
    this.el("mx-irq")?.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); this.command("raise_irq"); }
    });
    installShortcuts(this.embed ? EMBED_BINDINGS : BINDINGS, (name) => this.shortcut(name));
    if (!this.embed) {
      addRunButtons((target) => this.command("run_until", target));
      addBreakButtons((line) => this.toggleBreak(line));
    }
    for (const box of this.root.querySelectorAll("[data-log-group]")) {
      box.checked = !this.hiddenGroups.has(box.dataset.logGroup);
      box.addEventListener("change", () => {
        if (box.checked) this.hiddenGroups.delete(box.dataset.logGroup); else this.hiddenGroups.add(box.dataset.logGroup);
        this.el("mx-events").classList.toggle(`hide-${box.dataset.logGroup}`, !box.checked);
      });
      this.el("mx-events").classList.toggle(`hide-${box.dataset.logGroup}`, !box.checked);
    }
    const scrub = this.el("mx-timeline");
    scrub?.addEventListener("input", () => {
      this.pause();
      const k = Number(scrub.value);
      const line = this.timeline.length >= k ? this.timeline : this.actions;
      this.request(line.slice(0, k), { keepRedo: true, scroll: true, keepTimeline: true });
    });
    this.el("mx-watch-form")?.addEventListener("submit", (event) => {
      event.preventDefault();
      const input = this.el("mx-watch-what");
      const what = input.value.trim().replace(/\s+/g, "");
      if (!what) { input.focus(); return; }
      this.change(withAction(this.target ?? this.actions, `watch ${what}`));
      input.value = "";
    });
    this.el("mx-whatif-form")?.addEventListener("submit", (event) => {
      event.preventDefault();
      const change = this.el("mx-whatif-change").value;
      event.target.hidden = true;
      this.root.querySelector('[data-cmd="whatif_open"]')?.setAttribute("aria-expanded", "false");
      const irq = Number(this.el("mx-whatif-irq").value || 0);
      this.whatIf((this.target ?? this.actions).length, change === "raise_irq" ? `raise_irq ${irq}` : change,
        { list: this.timeline.length > (this.target ?? this.actions).length ? this.timeline : null });
    });
  }

  // -- commands ------------------------------------------------------------------------------------

  shortcut(name) {
    const map = {
      run_decision: ["run_until", "decision"], run_hypercall: ["run_until", "hypercall"], run_ret: ["run_until", "ret"],
    };
    const [cmd, arg] = map[name] || [name];
    const button = this.root.querySelector(`[data-cmd="${cmd}"]${arg ? `[data-arg="${arg}"]` : ""}`);
    this.command(cmd, arg, button);
  }

  command(cmd, arg, button) {
    const base = this.target ?? this.actions;
    switch (cmd) {
      case "step":
        if (this.finished()) return this.refuse();
        return this.change(withStep(base));
      case "continue":
        if (this.finished()) return this.refuse();
        return this.change(withAction(base, "continue"));
      case "unbreak": case "unwatch": return this.change(withAction(base, `${cmd} ${arg}`));
      case "whatif_open": {
        const panel = this.el("mx-whatif-form");
        panel.hidden = !panel.hidden;
        button?.setAttribute("aria-expanded", String(!panel.hidden));
        if (!panel.hidden) this.el("mx-whatif-change").focus();
        return undefined;
      }
      case "whatif_close": return this.closeWhatIf();
      case "back":
        this.pause();
        if (!base.length) return this.say("Already at the start of the scenario.");
        this.redo.push(base);
        return this.request(withoutLast(base), { keepRedo: true });
      case "forward":
        if (this.redo.length) return this.request(this.redo.pop(), { keepRedo: true });
        if (this.timeline.length > base.length && sameStart(this.timeline, base)) {
          return this.request(this.timeline.slice(0, base.length + 1), { keepRedo: true, keepTimeline: true });
        }
        return this.say("Nothing to redo.");
      case "play": return this.timer ? this.pause() : this.play();
      case "run_until":
        if (this.finished()) return this.refuse();
        return this.change(withAction(base, `run_until ${arg}`));
      case "host_check": return this.change(withAction(base, "host_check"));
      case "step_line": case "next_line": return this.change(withAction(base, cmd));
      case "raise_irq": {
        const input = this.el("mx-irq");
        const n = Number(input.value);
        if (!Number.isInteger(n) || n < 0 || n > 31) {
          this.showError({ message: "An irq is a number from 0 to 31." });
          input.focus();
          return undefined;
        }
        return this.change(withAction(base, `raise_irq ${n}`));
      }
      case "toggle_field": {
        const field = this.field(arg);
        return this.change(withSet(base, arg, field ? "0" : "0x200"));
      }
      case "tour": {
        this.pause();
        const s = this.scenarios.find((x) => x.id === this.scenario);
        if (base.length) this.redo.push(base);
        return this.request(parseActions(s?.tour || ""), { keepRedo: true, scroll: true });
      }
      case "reset":
        this.pause();
        if (base.length) this.redo.push(base);
        return this.request([], { keepRedo: true });
      case "radix":
        this.decimal = !this.decimal;
        button?.setAttribute("aria-pressed", String(this.decimal));
        if (button) button.title = this.decimal ? "Show registers in hex" : "Show registers in decimal";
        return this.render({ focus: true });
      case "share": return this.toggleShare(button);
      case "copy": return this.copy(button);
      case "help": return this.el("mx-help")?.showModal();
      default: return undefined;
    }
  }

  /** Has the shown run ended (so Step, Continue and Run-to would do nothing)? */
  finished() {
    const state = this.result?.state;
    return Boolean(state && state.status !== "running" && (this.target ?? this.actions).join(";") === this.actions.join(";"));
  }

  refuse() {
    const state = this.result.state;
    const words = `The run has ${state.status === "finished" ? "finished" : `stopped (${state.status})`}: ${state.reason || ""}. ` +
      "Step back, reset, or change a value to go on.";
    this.say(words);
    this.fillStop(h("strong", {}, "Nothing to run. "), words);
  }

  toggleBreak(line) {
    const base = this.target ?? this.actions;
    const bps = this.result?.state?.breakpoints || [];
    const found = bps.find((b) => b.line === line && (!b.file || b.file === this.page.file));
    this.change(withAction(base, found ? `unbreak ${found.spec}` : `break L${line}`));
  }

  async whatIf(at, change, { list = null } = {}) {
    const base = list || (this.target ?? this.actions);
    const box = this.el("mx-whatif");
    if (!box) return;
    box.hidden = false;
    fill(box, h("p", { class: "mx-hint" }, "Replaying both runs…"));
    try {
      const result = await api.whatIf({ version: this.page.version, scenario: this.scenario, actions: base, at, change,
        kinds: ALL_KINDS.filter((k) => k !== "insn"), maxEvents: MAX_EVENTS });
      this.fork = { at, change, actions: base };
      renderWhatIf(box, result, {
        chapters: this.chapters, page: this.page,
        onOpen: (side) => { this.closeWhatIf(); this.change(side === "fork" ? result.fork.actions : result.base.actions); },
        onClose: () => this.closeWhatIf(),
      });
      this.updateShare();
      box.scrollIntoView({ block: "nearest" });
    } catch (err) {
      box.hidden = true;
      this.showError(err, base);
    }
  }

  closeWhatIf() {
    const box = this.el("mx-whatif");
    if (box) { box.hidden = true; box.replaceChildren(); }
    this.fork = null;
    this.updateShare();
  }

  /** Replay `list` afresh, keeping none of the events held: what a lab page does when the source changed. */
  replayAfresh(list) {
    this.pause();
    this.redo = [];
    this.eventsScenario = null;
    return this.request(list, { keepRedo: true, scroll: true });
  }

  /** A new action by the reader: Forward has nothing left to redo. */
  change(list) {
    this.redo = [];
    return this.request(list, { keepRedo: true });
  }

  set(target, text) {
    const isFlag = FLAG_NAMES.has(target);
    let value;
    if (isFlag) {
      value = text === "1" || text === "0" ? text : null;
    } else {
      const n = parseNumber(text, !this.decimal || !REG_NAMES.has(target));
      value = n === null ? null : "0x" + n.toString(16);
    }
    if (value === null) {
      this.showError({ message: `“${text}” is not a value for ${target}: write hex as 0x1f (or 1f), decimal as 31.` });
      return;
    }
    this.change(withSet(this.target ?? this.actions, target, value));
  }

  field(name) {
    const fields = this.result?.state?.lguest_data?.fields || [];
    const f = fields.find((x) => x.name === name);
    return f && typeof f.value === "number" ? f.value : 0;
  }

  play() {
    if (this.embed) return;
    const speed = Number(this.el("mx-speed")?.value || 4);
    const button = this.root.querySelector('[data-cmd="play"]');
    button?.setAttribute("aria-pressed", "true");
    fill(button?.querySelector(".mx-play-label") || button, "Pause");
    this.say("Running.");
    this.timer = window.setInterval(() => {
      if (this.inflight) return;
      const status = this.result?.state?.status;
      if (status && status !== "running") { this.pause(); this.say(`Stopped: the machine is ${status}.`); return; }
      this.command("step");
    }, Math.max(50, 1000 / speed));
  }

  pause() {
    if (!this.timer) return;
    window.clearInterval(this.timer);
    this.timer = null;
    const button = this.root.querySelector('[data-cmd="play"]');
    button?.setAttribute("aria-pressed", "false");
    fill(button?.querySelector(".mx-play-label") || button, "Run");
  }

  /** Go back to the moment of an event: the actions before it, and (inside `step n`) the first `step` of them. */
  jump(actionIndex, step) {
    this.pause();
    const base = this.target ?? this.actions;
    let list = base.slice(0, Math.max(0, actionIndex));
    const action = base[actionIndex];
    if (action !== undefined) {
      const m = /^step(?: (\d+))?$/.exec(action);
      const n = m ? Number(m[1] || 1) : 0;
      if (m && step > 0 && step < n) list = [...list, step === 1 ? "step" : `step ${step}`];
      else list = [...list, action];
    }
    if (list.join(";") !== base.join(";")) this.redo.push(base);
    this.request(list, { keepRedo: true, scroll: true });
  }

  // -- talking to the server -------------------------------------------------------------------------

  request(list, options = {}) {
    this.target = list;
    this.requestOptions = options;
    if (!this.inflight) this.pump();
  }

  async pump() {
    this.inflight = true;
    this.root.classList.add("is-busy");
    this.root.setAttribute("aria-busy", "true");
    for (;;) {
      const want = this.target;
      const options = this.requestOptions || {};
      let result;
      // Events are deterministic: those of the actions this list shares with the shown one are kept,
      // and only the rest is asked for.
      // (A lab page's extra body fields, e.g. edited source, change every event: then nothing is kept.)
      const extra = this.options.runBody ? this.options.runBody() : null;
      const kindsKey = this.kindsKey();
      const reuse = this.result && this.eventsKind === kindsKey && this.eventsScenario === this.scenario
        ? firstDifferent(this.actions, want) : 0;
      try {
        result = await api.run({
          version: this.page.version, scenario: this.scenario, actions: want, eventsFrom: reuse,
          kinds: this.showInsns ? null : ALL_KINDS.filter((k) => k !== "insn"), maxEvents: MAX_EVENTS,
          url: this.options.runUrl, extra,
        });
        if (reuse > 0) {
          const kept = (this.result.events || []).filter((e) => e.action_index < reuse);
          const merged = [...kept, ...result.events];
          result.events_omitted = (this.result.events_omitted || 0) + Math.max(0, merged.length - MAX_EVENTS);
          result.events = merged.slice(Math.max(0, merged.length - MAX_EVENTS));
        }
        this.eventsKind = kindsKey;
        this.eventsScenario = this.scenario;
      } catch (err) {
        this.target = null;
        this.pause();
        if (options.initial && err.status === 400 && want.length) {
          this.showError(err, want);
          this.target = [];
          this.requestOptions = { initial: true, keepError: true };
          continue;
        }
        // A page that shows the error where it belongs (the lab's edited line) says so: shown once.
        if (!this.options.onError?.(err)) this.showError(err, want);
        break;
      }
      if (this.target !== want) continue;   // the reader asked for more meanwhile: replay the newest
      if (!options.keepError) this.clearError();
      const before = this.actions;
      this.previous = this.result;
      this.actions = Array.isArray(result.actions) && result.actions.length === want.length ? result.actions : want;
      this.target = null;
      this.result = result;
      [this.newFrom, this.newFromStep] = firstNew(before, this.actions, options.initial);
      if (!options.keepTimeline && !sameStart(this.timeline, this.actions)) this.timeline = this.actions;
      if (this.timeline.length < this.actions.length) this.timeline = this.actions;
      this.render({ focus: true, scroll: options.scroll ?? !options.initial, announce: !options.initial });
      if (this.options.onResult) this.options.onResult(result, this.actions);
      break;
    }
    this.inflight = false;
    this.root.classList.remove("is-busy");
    this.root.removeAttribute("aria-busy");
  }

  // -- rendering --------------------------------------------------------------------------------------

  render({ focus = false, scroll = false, announce = false } = {}) {
    if (!this.result) return;
    const active = document.activeElement;
    const focusKey = this.focusKey || (active && this.root.contains(active) ? active.dataset.key : null)
      || (active && active.classList && active.classList.contains("sl-run") ? active.dataset.key : null);
    this.focusKey = null;
    const state = this.result.state;
    const ctx = {
      editable: !this.embed, decimal: this.decimal,
      changed: changedKeys(state, this.previous?.state, this.result.events, this.newFrom ?? Infinity, this.newFromStep || 0),
      onSet: (target, text, key) => { this.focusKey = key; this.set(target, text); },
    };
    renderRegisters(ctx, this.el("mx-regs"), state);
    renderFlags(ctx, this.el("mx-flags"), this.el("mx-eflags"), state);
    renderLguestData(ctx, this.el("mx-ld").tBodies[0], this.el("mx-ld-addr"), state);
    renderHost(ctx, this.el("mx-host"), state);
    renderStack(ctx, this.el("mx-stack").tBodies[0], state);
    renderLocals(ctx, this.el("mx-locals")?.tBodies[0], state);
    renderMemory(ctx, this.el("mx-mem"), this.el("mx-mem-what"), state);
    this.renderStatus(state);
    this.renderToggles();
    const onPage = markCurrent(this.page, state.location, { scroll });
    this.renderAt(state, onPage);
    this.log.update({
      chapters: this.chapters, page: this.page, actions: this.actions, newFrom: this.newFrom ?? Infinity, newFromStep: this.newFromStep || 0,
      onJump: this.embed ? null : (action, step) => this.jump(action, step),
    }, this.result, `${this.eventsScenario}|${this.eventsKind}`);
    this.renderStop(state);
    this.renderDebug(state);
    this.renderTimeline();
    if (!this.embed) markBreakpoints(state.breakpoints, this.page.file);
    if ((scroll || announce) && !this.embed) this.keepRegistersInView();
    this.updateShare();
    if (!this.readyMarked) {
      this.readyMarked = true;
      performance.mark("mx-ready");
      if (this.embed) this.revealShared(onPage);
    }
    this.root.dataset.renders = String(Number(this.root.dataset.renders || 0) + 1);
    if (announce) {
      const words = announcement(this.result.events || [], this.newFrom ?? Infinity, this.newFromStep || 0);
      this.say(words || `${state.status}; ${describeAt(state)}`);
    }
    const key = focusKey;
    if (focus && key) {
      const again = document.querySelector(`[data-key="${CSS.escape(key)}"]`);
      if (again && again !== document.activeElement) again.focus({ preventScroll: true });
    }
  }

  /**
   * The workbench pane sticks to the top of the window only once the page has scrolled past what is
   * above it (masthead, crumbs): on a 768 px screen a long stop reason can push the registers below the
   * window's edge until then. Scroll the page just enough (at most that far) to bring them back.
   */
  keepRegistersInView() {
    if (getComputedStyle(this.section).position !== "sticky") return;
    const pane = this.section.getBoundingClientRect();
    const regs = this.el("mx-regs")?.getBoundingClientRect();
    if (!regs || pane.top <= 0 || regs.bottom <= window.innerHeight) return;
    window.scrollBy({ top: Math.min(pane.top, regs.bottom - window.innerHeight + 8), behavior: "instant" });
  }

  /**
   * An embed shows a shared moment, in an iframe often 720 px tall: open on what its last action did.
   * A Host decision made by the last action (marked; its rule-by-rule details one click away), else
   * the current source line (markCurrent already brought it into view), else the run's last decision,
   * else the machine's "Next" line. Scrolls this document only (window.scrollBy: scrollIntoView
   * would move the course page around the iframe too).
   */
  revealShared(onPage) {
    const last = String(this.actions.length - 1);
    const decisions = [...this.el("mx-events").querySelectorAll(".mx-ev-decision")];
    const seqs = new Map((this.result.events || []).map((ev) => [String(ev.seq), String(ev.action_index)]));
    const byLast = decisions.filter((li) => seqs.get(li.dataset.seq) === last).pop();
    if (!byLast && onPage) return;
    const target = byLast || decisions.pop() || this.el("mx-at");
    if (target.classList.contains("mx-ev")) target.classList.add("is-shared");
    const box = target.getBoundingClientRect();
    if (box.top >= 0 && box.bottom <= window.innerHeight) return;
    // The decision's title at most a quarter down the window, so the rows before it give the context.
    const room = Math.max(0, window.innerHeight - box.height);
    window.scrollBy({ top: box.top - Math.min(room / 2, window.innerHeight / 4), behavior: "instant" });
  }

  /** Why the last action stopped, in words (the state's `stop`, also the log's `stopped` event). */
  renderStop(state) {
    const box = this.el("mx-stop");
    if (!box) return;
    const stop = state.stop;
    const fresh = stop && stop.action_index === this.actions.length - 1;
    box.hidden = !fresh;
    if (fresh) this.fillStop(h("strong", {}, `${stop.action}: `), stop.message);
  }

  /** The stop box: in the workbench pane three lines of it (so the registers stay on a 768 px screen)
   * and "more" when that cuts it; the whole text is always in the DOM and in the log's `stopped` event. */
  fillStop(...parts) {
    const box = this.el("mx-stop");
    const text = h("span", { class: "mx-stop-text", id: "mx-stop-text" }, ...parts);
    const more = moreToggle(box, "mx-stop-text");
    fill(box, text, " ", more);
    box.hidden = false;
    more.hidden = text.scrollHeight <= text.clientHeight + 1;    // nothing cut (phones show it all)
  }

  /** Breakpoints and watches now set, each with a button to remove it; watched values shown. */
  renderDebug(state) {
    const list = this.el("mx-debug-list");
    if (!list) return;
    const items = [];
    for (const b of state.breakpoints || []) {
      items.push(h("li", { class: "mx-dbg mx-dbg-bp" },
        h("span", { class: "mx-dbg-kind" }, "break"), " ", h("code", {}, b.spec),
        b.line ? h("span", { class: "mx-sub" }, ` line ${b.line}${b.symbol ? ", " + b.symbol : ""}`) : null, " ",
        this.embed ? null : h("button", { type: "button", class: "mx-mini-btn", dataset: { cmd: "unbreak", arg: b.spec, key: `unbreak:${b.spec}` } },
          "remove", h("span", { class: "visually-hidden" }, ` breakpoint ${b.spec}`))));
    }
    for (const w of state.watches || []) {
      items.push(h("li", { class: "mx-dbg mx-dbg-watch" + (this.watchChanged(w) ? " is-changed" : "") },
        h("span", { class: "mx-dbg-kind" }, "watch"), " ", h("code", {}, w.spec), " = ",
        h("code", { class: "mx-dbg-value" }, watchText(w)), " ",
        this.embed ? null : h("button", { type: "button", class: "mx-mini-btn", dataset: { cmd: "unwatch", arg: w.spec, key: `unwatch:${w.spec}` } },
          "remove", h("span", { class: "visually-hidden" }, ` watch ${w.spec}`))));
    }
    if (!items.length) items.push(h("li", { class: "mx-empty" }, "No breakpoints or watches: activate a line’s gutter to set one."));
    fill(list, items);
  }

  watchChanged(w) {
    const old = (this.previous?.state?.watches || []).find((x) => x.spec === w.spec);
    return Boolean(old && (old.value !== w.value || old.bytes !== w.bytes));
  }

  renderTimeline() {
    const scrub = this.el("mx-timeline");
    if (!scrub) return;
    const total = Math.max(this.timeline.length, this.actions.length);
    scrub.max = String(total);
    scrub.value = String(this.actions.length);
    scrub.disabled = total === 0;
    const now = this.actions.length;
    const text = now === 0 ? `the start (of ${total} action${total === 1 ? "" : "s"})` : `action ${now} of ${total}: ${this.actions[now - 1]}`;
    scrub.setAttribute("aria-valuetext", text);
    fill(this.el("mx-timeline-out"), text);
  }

  renderStatus(state) {
    const words = { running: "ready", finished: "finished", halted: "halted", dead: "killed by the Host", fault: "faulted", budget: "out of instruction budget" };
    const n = state.insn_count ?? 0;
    // The site's wall clock also ends a run with status budget (runner.out_of_time): its reason says which.
    const word = state.status === "budget" && /time budget/.test(state.reason || "") ? "out of time" : words[state.status];
    fill(this.el("mx-status"),
      h("span", { class: `mx-state is-${state.status}` }, word || state.status),
      ` · ${n} instruction${n === 1 ? "" : "s"} · ${this.actions.length} action${this.actions.length === 1 ? "" : "s"}`,
      state.reason && !(state.stop && state.stop.action_index === this.actions.length - 1) ? [" · ", state.reason] : null);
    for (const b of this.root.querySelectorAll('[data-cmd="back"]')) b.disabled = false;
    const fwd = this.root.querySelector('[data-cmd="forward"]');
    if (fwd) fwd.setAttribute("aria-disabled", String(!this.redo.length));
  }

  renderAt(state, onPage) {
    const loc = state.location || {};
    const next = state.next_insn || {};
    let where;
    if (onPage) where = h("a", { href: `#L${loc.line}` }, `line ${loc.line}`);
    else if (loc.chapter && this.chapters.get(loc.chapter)) where = [h("a", { href: `${this.chapters.get(loc.chapter).url}#L${loc.line}` }, `line ${loc.line}`), ` of ${loc.chapter}`];
    else if (loc.line) where = `${loc.file}:${loc.line}`;
    else where = "no source line";
    const branch = branchHint(next.text, state.flags || {});
    const written = onPage ? sourceMnemonic(loc.line) : "";
    const shown = String(next.text || "").split(/\s+/)[0];
    const alias = written && shown && written !== shown && JCC[written] && JCC[shown] && JCC[written].join() === JCC[shown].join()
      ? h("span", { class: "mx-alias" }, ` (the source writes ${written}: the same instruction, another name)`) : null;
    fill(this.el("mx-at"),
      h("span", { class: "mx-at-label" }, "Next"), " ",
      h("code", { class: "mx-at-insn" }, next.text || "—"),
      alias, branch ? h("span", { class: "mx-branch" }, ` — ${branch}`) : null, " ",
      h("span", { class: "mx-at-where" }, "at ", h("code", {}, loc.symbol || hex0x(state.eip ?? loc.address)), ", ", where));
  }

  renderToggles() {
    for (const button of this.root.querySelectorAll('[data-cmd="toggle_field"]')) {
      const on = this.field(button.dataset.arg) !== 0;
      button.setAttribute("aria-pressed", String(on));
      button.title = `lguest_data.${button.dataset.arg} is ${on ? "0x200" : "0"}; activate to set it to ${on ? "0" : "0x200"}`;
    }
  }

  updateShare() {
    const link = this.fork
      ? shareUrl(this.scenario, this.fork.actions, { whatif: `${this.fork.at}:${this.fork.change}` })
      : shareUrl(this.scenario, this.actions);
    const embedLink = shareUrl(this.scenario, this.actions, { embed: true });
    // Keep the fragment (#L78, #main): rewriting the query must not move the reader's place on the page.
    const fork = this.fork ? { whatif: `${this.fork.at}:${this.fork.change}`, actions: this.fork.actions } : null;
    const here = shareUrl(this.scenario, fork ? fork.actions : this.actions, { embed: this.embed, whatif: fork?.whatif }) + window.location.hash;
    if (!this.options.keepUrl && here !== window.location.href) window.history.replaceState(null, "", here);
    const urlBox = this.el("mx-share-url");
    if (urlBox) urlBox.value = link;
    const embedBox = this.el("mx-embed-code");
    if (embedBox) embedBox.value = `<iframe src="${embedLink}" title="The Lguest Journey: ${this.page.chapter} live machine" width="100%" height="720" loading="lazy"></iframe>`;
    const text = this.el("mx-actions-text");
    if (text) fill(text, this.actions.join("; ") || "(none: the scenario’s start)");
    const open = this.el("mx-open");
    if (open) open.href = link;
  }

  toggleShare(button) {
    const panel = this.el("mx-share");
    panel.hidden = !panel.hidden;
    button.setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) this.el("mx-share-url").select();
  }

  async copy(button) {
    const box = this.el(button.dataset.target);
    box.select();
    try {
      await navigator.clipboard.writeText(box.value);
      this.say("Copied.");
    } catch (err) {
      this.say("Selected: press Ctrl+C to copy.");
    }
  }

  say(text) {
    const region = this.el("mx-announce");
    region.textContent = "";
    window.setTimeout(() => { region.textContent = text; }, 30);
  }

  showError(err, actions) {
    const box = this.el("mx-error");
    const d = err.detail || {};
    const parts = [h("strong", {}, "The machine could not do that. "), err.message || String(err)];
    if (d && Number.isInteger(d.action_index)) {
      const action = (actions || [])[d.action_index];
      parts.push(" — in action ", String(d.action_index + 1), action ? [": ", h("code", {}, action)] : null,
        d.word !== undefined ? [", at “", h("code", {}, String(d.word)), "”"] : null,
        d.expected ? [", expected ", Array.isArray(d.expected) ? d.expected.join(", ") : String(d.expected)] : null, ".");
    }
    fill(box, parts);
    box.hidden = false;
  }

  clearError() {
    const box = this.el("mx-error");
    box.hidden = true;
    box.replaceChildren();
  }
}

/** The first run, scenarios and chapter index the server rendered into the page (no request needed). */
function readBoot() {
  const node = document.getElementById("mx-boot");
  if (!node) return null;
  try { return JSON.parse(node.textContent); } catch (err) { return null; }
}

/** A second skip link, right after "Skip to content": Tab, Tab, Enter reaches Step past the listing's buttons. */
function addSkipLink(target) {
  const first = document.querySelector(".skip-link");
  if (!first || !target || document.querySelector(".skip-link-machine")) return;
  target.tabIndex = -1;
  first.after(h("a", { class: "skip-link skip-link-machine", href: `#${target.id}` }, "Skip to the machine’s controls"));
}

function sameStart(long, short) {
  if (long.length < short.length) return false;
  for (let i = 0; i < short.length; i += 1) if (long[i] !== short[i]) return false;
  return true;
}

function watchText(w) {
  if (w.bytes) return w.bytes;
  if (w.value === null || w.value === undefined) return "unreadable";
  return w.kind === "flag" ? String(w.value) : hex0x(w.value, w.size ? Math.min(8, 2 * w.size) : 8);
}

function mergeScenarios(first, all) {
  const seen = new Set(first.map((s) => s.id));
  return [...first, ...all.filter((s) => !seen.has(s.id))];
}

/** How many leading actions two lists share. */
function firstDifferent(a, b) {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  return i;
}

/** [first action with new events, steps of it already seen]: "step 3" → "step 4" has one new step. */
function firstNew(before, after, initial) {
  if (initial) return [Infinity, 0];
  const i = firstDifferent(before, after);
  if (i === after.length) return [Infinity, 0];   // went back: nothing is new
  const count = (a) => { const m = /^step(?: (\d+))?$/.exec(a || ""); return m ? Number(m[1] || 1) : 0; };
  const was = count(before[i]);
  return [i, was && count(after[i]) > was ? was : 0];
}

/**
 * Keys of the values that changed in the last action: the state's own `changed` list ("eax", "ZF",
 * "lguest_data.irq_pending", "host.irqs_pending"), plus the stack words the new mem_write events
 * wrote. Without a `changed` list, by comparing with the previous state.
 */
function changedKeys(state, prev, events, newFrom, newFromStep) {
  const keys = new Set();
  for (const ev of events || []) {
    const fresh = ev.action_index > newFrom || (ev.action_index === newFrom && (!newFromStep || ev.action_step > newFromStep));
    if (fresh && ev.kind === "mem_write") keys.add(`stack:${(ev.address & ~3) >>> 0}`);
  }
  if (Array.isArray(state.changed)) {
    for (const name of state.changed) keys.add(keyOf(String(name)));
    if (keys.has("ld:blocked_interrupts")) keys.add("host:blocked");
    if (keys.has("host:initialised")) keys.add("host:lguest_data");
    return keys;
  }
  if (!prev) return keys;
  for (const [k, v] of Object.entries(state.registers || {})) if (prev.registers?.[k] !== v) keys.add(`reg:${k}`);
  for (const [k, v] of Object.entries(state.flags || {})) if (prev.flags?.[k] !== v) keys.add(`flag:${k}`);
  const old = new Map((prev.lguest_data?.fields || []).map((f) => [f.name, f.value]));
  for (const f of state.lguest_data?.fields || []) if (old.get(f.name) !== f.value) keys.add(`ld:${f.name}`);
  for (const [k, v] of Object.entries(state.host || {})) if (JSON.stringify(prev.host?.[k]) !== JSON.stringify(v)) keys.add(`host:${k}`);
  return keys;
}

function keyOf(name) {
  const n = String(name);
  if (n.includes(":")) return n;
  if (n.startsWith("registers.")) return `reg:${n.slice(10)}`;
  if (n.startsWith("flags.")) return `flag:${n.slice(6)}`;
  if (n.startsWith("lguest_data.")) return `ld:${n.slice(12)}`;
  if (n.startsWith("host.")) return `host:${n.slice(5)}`;
  if (FLAG_NAMES.has(n)) return `flag:${n}`;
  if (REG_NAMES.has(n)) return `reg:${n}`;
  return `ld:${n}`;
}

// Conditional jumps and the flag each one reads (Intel SDM Jcc), for the "will it jump?" hint.
const JCC = {
  jz: ["ZF", 1], je: ["ZF", 1], jnz: ["ZF", 0], jne: ["ZF", 0], js: ["SF", 1], jns: ["SF", 0],
  jc: ["CF", 1], jb: ["CF", 1], jnc: ["CF", 0], jae: ["CF", 0], jo: ["OF", 1], jno: ["OF", 0],
};

function branchHint(text, flags) {
  const mnemonic = String(text || "").trim().split(/\s+/)[0];
  const rule = JCC[mnemonic];
  if (!rule || !(rule[0] in flags)) return "";
  const value = Number(flags[rule[0]]) ? 1 : 0;
  return value === rule[1] ? `will jump (${rule[0]} = ${value})` : `will not jump (${rule[0]} = ${value})`;
}

function describeAt(state) {
  const loc = state.location || {};
  return `at ${loc.symbol || hex(state.eip)}${loc.line ? `, line ${loc.line}` : ""}; next ${state.next_insn?.text || "nothing"}`;
}

const section = document.getElementById("machine");
const root = document.getElementById("mx");
if (section && root) {
  const explorer = new Explorer(section, root);
  explorer.boot();
}
