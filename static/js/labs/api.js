// The lab page's calls to the lab API (documented at /api/openapi.json). Failures arrive in the one
// error shape and are thrown as the explorer's ApiError (through its `call`), so both panels read errors the same way.

import { call } from "../explorer/api.js";

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
