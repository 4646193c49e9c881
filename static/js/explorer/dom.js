// Small DOM and number-formatting helpers for the explorer. No framework, no innerHTML with data:
// every value reaches the page as a text node, so nothing the server sends can become markup.

/** h("button", {class: "x", onclick: fn, "aria-label": "..."}, "text", child) */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      node.className = value;
    } else if (key === "dataset") {
      Object.assign(node.dataset, value);
    } else if (value === true) {
      node.setAttribute(key, "");
    } else {
      node.setAttribute(key, String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

/** Replace every child of `node`. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** Text only a screen reader hears. */
/** A "more"/"less" toggle for `box`, whose text (id `controls`) CSS clamps while `box` is .is-clamped. */
export function moreToggle(box, controls) {
  const more = h("button", { type: "button", class: "mx-more", "aria-expanded": "false", "aria-controls": controls }, "more");
  more.addEventListener("click", () => {
    const open = box.classList.toggle("is-clamped") === false;
    more.setAttribute("aria-expanded", String(open));
    fill(more, open ? "less" : "more");
  });
  box.classList.add("is-clamped");
  return more;
}

export function sr(text) {
  return h("span", { class: "visually-hidden" }, text);
}

export function hex(value, digits = 8) {
  if (value === null || value === undefined) return "—";
  return (value >>> 0).toString(16).padStart(digits, "0");
}

export function hex0x(value, digits = 8) {
  if (value === null || value === undefined) return "—";
  return "0x" + hex(value, digits);
}

/** Short 0x form without padding, as the kernel's %#x prints. */
export function hexShort(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value !== "number") return String(value);
  return value === 0 ? "0x0" : "0x" + (value >>> 0).toString(16);
}

export function dec(value) {
  if (value === null || value === undefined) return "—";
  const unsigned = value >>> 0;
  const signed = unsigned | 0;
  return signed < 0 ? `${unsigned} (${signed})` : String(unsigned);
}

/** Parse what a reader typed into a value box: 0x1f, 1f (hex view), 31 (decimal view), -1. */
export function parseNumber(text, preferHex) {
  const t = String(text).trim().toLowerCase().replace(/_/g, "");
  let n = null;
  if (/^0x[0-9a-f]{1,8}$/.test(t)) n = Number.parseInt(t, 16);
  else if (preferHex && /^[0-9a-f]{1,8}$/.test(t)) n = Number.parseInt(t, 16);
  else if (/^-?[0-9]{1,10}$/.test(t)) n = Number.parseInt(t, 10);
  if (n === null || n > 0xffffffff || n < -0x80000000) return null;
  return n >>> 0;
}
