// The explorer's only way to the server: the JSON API under /api/ (documented at /api/openapi.json).
// Every failure arrives in the one error shape {"error": {code, message, detail}}.

export class ApiError extends Error {
  constructor(status, error) {
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "http_error";
    this.detail = error.detail ?? null;
  }
}

/** fetch() a JSON endpoint; resolves to the body, or throws ApiError in the one error shape. */
export async function call(url, options = {}) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", ...options,
      headers: { Accept: "application/json", ...(options.headers || {}) } });
  } catch (err) {
    throw new ApiError(0, { code: "network", message: "The server could not be reached." });
  }
  let body = null;
  try {
    body = await response.json();
  } catch (err) {
    body = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, (body && body.error) || { message: `HTTP ${response.status}` });
  }
  return body;
}

export function listScenarios(version, chapter) {
  const params = new URLSearchParams();
  if (version) params.set("version", version);
  if (chapter) params.set("chapter", chapter);
  return call(`/api/scenarios?${params}`);
}

/** POST /api/run: replay `actions` (a list, sent as the text grammar) on `scenario`; returns {state, events, ...}.
 * A lab page sends the same request to its own endpoint (`url`) with `extra` fields (the student's edits). */
export function run({ version, scenario, actions, kinds, maxEvents, eventsFrom, url = "/api/run", extra = null }) {
  const body = { ...(extra || {}), scenario, actions: actions.join("; ") };
  if (eventsFrom) body.events_from = eventsFrom;
  if (version) body.version = version;
  if (kinds) body.kinds = kinds;
  if (maxEvents) body.max_events = maxEvents;
  return call(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** The site's chapters ({id, url, title}) from the contents page's JSON twin, to link explanations. */
export async function chapters(indexUrl) {
  try {
    const data = await call(indexUrl);
    return new Map((data.journey_order || []).map((c) => [c.id, c]));
  } catch (err) {
    return new Map();
  }
}

/** POST /api/whatif: the run `actions` and its fork with `change` before action `at`, and where they differ. */
export function whatIf({ version, scenario, actions, at, change, kinds, maxEvents }) {
  const body = { scenario, actions: actions.join("; "), at, change };
  if (version) body.version = version;
  if (kinds) body.kinds = kinds;
  if (maxEvents) body.max_events = maxEvents;
  return call("/api/whatif", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}
