// The lab page's calls to the lab API (documented at /api/openapi.json). Failures arrive in the one
// error shape and are thrown as the explorer's ApiError, so both panels read errors the same way.

import { ApiError } from "../explorer/api.js";

async function call(url, options = {}) {
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
  if (!response.ok) throw new ApiError(response.status, (body && body.error) || { message: `HTTP ${response.status}` });
  return body;
}

/** POST /api/labs/<id>/grade: {student?, save, actions?, edits, answers, hints} → the grade. */
export function grade(url, body) {
  return call(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

/** GET /api/labs/<id>?hints=n[&student=]: the lab, with the hints open for this student. */
export function lab(url, { hints = 0, student = "" } = {}) {
  const params = new URLSearchParams();
  if (hints) params.set("hints", String(hints));
  if (student) params.set("student", student);
  return call(`${url}?${params}`);
}
