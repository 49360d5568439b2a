// The creator dashboard: open a channel, make a stream key (shown once), save broadcasts.
import { api, csrfToken, deviceId, el, toast } from "./api.js";

function values(form) {
  const data = {};
  for (const [name, value] of new FormData(form).entries()) {
    if (value === "") continue;
    if (name === "category_id" || name === "slow_mode_seconds") data[name] = Number(value);
    else if (name === "scheduled_at") data[name] = new Date(value).toISOString();
    else if (name === "is_mature") data[name] = true;
    else data[name] = value;
  }
  return data;
}

const become = document.getElementById("become");
if (become) {
  become.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("/api/live/studio/", { method: "POST", body: values(become) });
      window.location.reload();
    } catch (error) {
      toast(error.message);
    }
  });
}

const rotate = document.getElementById("rotate-key");
if (rotate) {
  rotate.addEventListener("click", async () => {
    try {
      const data = await api("/api/live/studio/key/", { method: "POST" });
      document.getElementById("stream-key").textContent = data.stream_key;
      toast("Copy your key now: it is shown only this once.");
    } catch (error) {
      toast(error.message);
    }
  });
}

async function mine() {
  const list = document.getElementById("my-streams");
  if (!list) return;
  const page = await api("/api/live/studio/streams/?limit=50");
  list.replaceChildren(
    ...page.results.map((s) => {
      const item = el("li", {}, el("a", { href: `/live/${s.id}`, text: s.title }), ` — ${s.status}, ${s.total_views} views `);
      const box = el("input", { type: "checkbox", "aria-label": `${s.title} is mature (18+)` });
      box.checked = s.is_mature;
      box.addEventListener("change", async () => {
        try {
          await api(`/api/live/studio/streams/${s.id}/`, { method: "PATCH", body: { is_mature: box.checked } });
          toast(box.checked ? "Marked mature (18+)." : "No longer marked mature.");
        } catch (error) {
          box.checked = !box.checked;
          toast(error.message);
        }
      });
      item.append(el("label", {}, box, " 18+"));
      return item;
    }),
  );
}

const schedule = document.getElementById("schedule-form");
if (schedule) {
  schedule.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("/api/live/studio/streams/", { method: "POST", body: values(schedule) });
      schedule.reset();
      toast("Saved.");
      mine();
    } catch (error) {
      toast(error.message);
    }
  });
}
mine().catch(() => {});

const pictures = document.getElementById("images-form");
if (pictures) {
  pictures.addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await fetch("/api/live/studio/images/", {
      method: "POST",
      body: new FormData(pictures),
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": csrfToken(),
        "X-Device-Fingerprint": deviceId(),
      },
    });
    if (response.ok) window.location.reload();
    else toast(((await response.json()).error || {}).message || "Upload failed.");
  });
}

const about = document.getElementById("about-form");
if (about) {
  about.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(about);
    const urls = form.getAll("url");
    const links = form
      .getAll("platform")
      .map((platform, n) => ({ platform: platform.trim(), url: (urls[n] || "").trim() }))
      .filter((link) => link.platform && link.url);
    try {
      await api("/api/live/studio/", {
        method: "PATCH",
        body: { description: form.get("description"), social_accounts: links },
      });
      toast("Saved.");
    } catch (error) {
      toast(error.message);
    }
  });
}
