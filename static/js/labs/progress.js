// What a student has done on a lab, kept in this browser (localStorage) so a reload keeps the work:
// actions, edited lines, answers, hints asked for, failed attempts. The name is shared by all labs.
// Graded attempts are stored on the server too (save=true); this is only the unfinished work.

const STUDENT_KEY = "journey.labs.student";

function read(key) {
  try {
    const raw = window.localStorage.getItem(key);
    return raw ? JSON.parse(raw) : null;
  } catch (err) {
    return null;   // storage disabled or full: the page works, it just forgets on reload
  }
}

function write(key, value) {
  try {
    window.localStorage.setItem(key, JSON.stringify(value));
  } catch (err) {
    /* see read() */
  }
}

export class Progress {
  constructor(labId) {
    this.key = `journey.labs.${labId}.v1`;
    const saved = read(this.key) || {};
    this.actions = typeof saved.actions === "string" ? saved.actions : null;
    this.edits = saved.edits && typeof saved.edits === "object" ? saved.edits : {};
    this.answers = saved.answers && typeof saved.answers === "object" ? saved.answers : {};
    this.hintsAsked = Number.isInteger(saved.hintsAsked) ? saved.hintsAsked : 0;
    this.failed = Number.isInteger(saved.failed) ? saved.failed : 0;
    this.known = Boolean(read(this.key));
  }

  get student() {
    const name = read(STUDENT_KEY);
    return typeof name === "string" ? name : "";
  }

  set student(name) {
    write(STUDENT_KEY, name);
  }

  save() {
    write(this.key, { actions: this.actions, edits: this.edits, answers: this.answers,
      hintsAsked: this.hintsAsked, failed: this.failed });
  }
}
