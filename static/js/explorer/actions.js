// The action list the client holds (the server keeps nothing): parsing the shared text grammar
// ("step 3; raise_irq 0; host_check"), the edits the controls make, and share links.

/** Split action text on ";" and newlines, as the server's grammar does. */
export function parseActions(text) {
  if (!text) return [];
  return String(text).split(/[;\n]/).map((a) => a.trim().replace(/\s+/g, " ")).filter(Boolean);
}

const STEP = /^step(?: (\d+))?$/;

function stepCount(action) {
  const m = STEP.exec(action || "");
  if (!m) return 0;
  return m[1] === undefined ? 1 : Number(m[1]);
}

/** One more single step. Each step is its own action, so Back undoes exactly one instruction and
 * "changed in the last step" means one instruction (a share link of 1,000 steps is ~5 KB). */
export function withStep(list) {
  return [...list, "step"];
}

/** One step back: a "step 3" (from a tour or a link) becomes "step 2"; any other action is removed whole. */
export function withoutLast(list) {
  if (!list.length) return list;
  const n = stepCount(list[list.length - 1]);
  if (n > 1) return [...list.slice(0, -1), n - 1 === 1 ? "step" : `step ${n - 1}`];
  return list.slice(0, -1);
}

/** A `set` replaces a `set` of the same target made just before it (editing a value twice). */
export function withSet(list, target, value) {
  const action = `set ${target} ${value}`;
  const last = list[list.length - 1] || "";
  if (last.startsWith(`set ${target} `)) return [...list.slice(0, -1), action];
  return [...list, action];
}

export function withAction(list, action) {
  return [...list, action];
}

/** What the current page's URL says: {scenario, actions, embed}. */
export function readLocation(loc = window.location) {
  const params = new URLSearchParams(loc.search);
  return {
    scenario: params.get("scenario") || null,
    actions: parseActions(params.get("actions") || ""),
    embed: params.get("embed") === "1",
  };
}

/** The link that reproduces this exact state. Actions are joined by ";" (URL-encoded by URLSearchParams). */
export function shareUrl(scenario, list, { embed = false, whatif = null, loc = window.location } = {}) {
  const url = new URL(loc.pathname, loc.origin);
  const params = new URLSearchParams();
  if (scenario) params.set("scenario", scenario);
  if (list.length) params.set("actions", list.join(";"));
  if (whatif) params.set("whatif", whatif);
  if (embed) params.set("embed", "1");
  url.search = params.toString();
  return url.toString();
}
