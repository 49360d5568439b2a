// What the studio's pages share: a status line, form values as JSON, and uploads (multipart,
// with the CSRF token) — everything else goes through ../api.js.
import { csrfToken } from "../api.js";

export function say(id, text, { ok = false } = {}) {
  const box = document.getElementById(id);
  if (!box) return;
  box.textContent = text;
  box.classList.toggle("ok", ok);
  box.hidden = !text;
}

// A form's named fields as an object: numbers for number inputs, lists for the fields named
// in `lists` (comma-separated), and empty optional fields left out.
export function values(form, { lists = [] } = {}) {
  const body = {};
  for (const field of form.elements) {
    if (!field.name || field.type === "submit" || field.type === "file") continue;
    let value = field.type === "checkbox" ? field.checked : field.value.trim();
    if (field.type === "number" && value !== "") value = Number(value);
    if (lists.includes(field.name)) {
      value = String(value).split(",").map((w) => w.trim()).filter(Boolean);
    }
    if (value === "" && !field.required) continue;
    body[field.name] = value;
  }
  return body;
}

export async function upload(path, fields) {
  const data = new FormData();
  for (const [key, value] of Object.entries(fields)) data.append(key, value);
  const response = await fetch(path, {
    method: "POST",
    body: data,
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error((body && body.error && body.error.message) || `HTTP ${response.status}`);
  }
  return body;
}

// The first field error of the API's error shape, in words.
export function problem(error) {
  return error.message || "Something went wrong.";
}
