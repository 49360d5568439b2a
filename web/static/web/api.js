// The site's one door to the API: JSON in and out, the CSRF token, this browser's device id,
// and the API's one error shape turned into an Error with .code and .status.

const DEVICE_KEY = "sv-device";

export function deviceId() {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

// The cookie first: logging in (a guest made on the first API call included) rotates the
// token, and the page's copy goes stale.
export function csrfToken() {
  const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
  if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

export async function api(path, { method = "GET", body } = {}) {
  const headers = {
    Accept: "application/json",
    "X-CSRFToken": csrfToken(),
    "X-Device-Fingerprint": deviceId(),
  };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const error = new Error((data && data.error && data.error.message) || `HTTP ${response.status}`);
    error.code = data && data.error ? data.error.code : "http_error";
    error.status = response.status;
    throw error;
  }
  return data;
}

// A signed URL as a path on this site: the signature covers the path only, so it works on
// any host this site answers on (a tenant's domain too) and stays same-origin for <track>.
export function onThisSite(url) {
  const parsed = new URL(url, window.location.href);
  return parsed.pathname + parsed.search;
}

export function toast(text) {
  const box = document.getElementById("toast");
  if (!box) return;
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    box.hidden = true;
  }, 4000);
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) node.append(child);
  return node;
}
