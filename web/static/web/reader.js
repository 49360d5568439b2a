// The manga reader: pages through the gatekeeper's signed URLs, right-to-left or left-to-right,
// keys and taps, the next pages preloaded, progress saved.
import { api, onThisSite } from "./api.js";
import { mountDownloads } from "./downloads.js";

const reader = document.getElementById("reader");
const stage = document.getElementById("page-stage");
const image = document.getElementById("page");
const number = document.getElementById("page-number");
const message = document.getElementById("reader-message");
const rtl = reader.dataset.direction === "rtl";
const shortId = reader.dataset.shortId;
let pages = [];
let at = 1;
let saveTimer = null;
const preloaded = new Map();

function preload(n) {
  if (n < 1 || n > pages.length || preloaded.has(n)) return;
  const img = new Image();
  img.src = onThisSite(pages[n - 1]);
  preloaded.set(n, img);
}

function show(n) {
  if (n > pages.length) {
    if (reader.dataset.next) window.location.assign(reader.dataset.next);
    return;
  }
  if (n < 1) {
    if (reader.dataset.previous) window.location.assign(reader.dataset.previous);
    return;
  }
  at = n;
  image.src = onThisSite(pages[n - 1]);
  image.alt = `Page ${n} of ${pages.length}`;
  number.textContent = `Page ${n} of ${pages.length}`;
  preload(n + 1);
  preload(n + 2);
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => {
    api(`/api/me/progress/${shortId}/`, {
      method: "PUT",
      body: { chapter: Number(reader.dataset.chap), page: n },
    }).catch(() => {});
  }, 400);
}

const forward = () => show(at + 1);
const back = () => show(at - 1);

document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, textarea, select")) return;
  const keys = rtl
    ? { ArrowLeft: forward, ArrowRight: back }
    : { ArrowRight: forward, ArrowLeft: back };
  const action = keys[event.key] || { PageDown: forward, " ": forward, PageUp: back }[event.key];
  if (action) {
    event.preventDefault();
    action();
  }
});
stage.addEventListener("click", (event) => {
  const box = stage.getBoundingClientRect();
  const left = event.clientX - box.left < box.width / 2;
  (left === rtl ? forward : back)();
});

async function start() {
  try {
    pages = (await api(`/api/read/${reader.dataset.chapter}/`, { method: "POST", body: {} })).pages;
  } catch (error) {
    message.textContent = error.message;
    message.hidden = false;
    return;
  }
  let first = 1;
  try {
    const { progress } = await api(`/api/me/progress/${shortId}/`);
    if (progress && progress.chapter && progress.chapter.id === Number(reader.dataset.chapter)) {
      first = Math.min(progress.page, pages.length);
    }
  } catch {
    /* start at page 1 */
  }
  show(first);
  stage.focus();
}

mountDownloads(reader);
start();
