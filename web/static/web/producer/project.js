// A project: episodes and characters added, settings saved, pictures uploaded (style
// references, a character's pictures), collaborators invited and removed, a character's voice
// heard, and a run paused for the budget continued.
import { api } from "../api.js";
import { say, upload, values } from "./common.js";

const root = document.getElementById("project");
const id = root.dataset.project;
const base = `/api/studio/projects/${id}`;

function on(formId, handler) {
  const form = document.getElementById(formId);
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await handler(form);
      window.location.reload();
    } catch (error) {
      say("project-message", error.message);
    }
  });
}

on("episode-add", (form) => api(`${base}/episodes/`, { method: "POST", body: values(form) }));
on("character-add", (form) =>
  api(`${base}/characters/`, {
    method: "POST",
    body: values(form, { lists: ["personality", "voice_characteristics"] }),
  }),
);
on("settings", (form) => api(`${base}/`, { method: "PATCH", body: values(form) }));
on("invite", (form) => api(`${base}/collaborators/`, { method: "POST", body: values(form) }));

root.addEventListener("submit", async (event) => {
  const form = event.target.closest("form.relate");
  if (!form) return;
  event.preventDefault();
  const body = { relationship_type: form.elements.relationship_type.value.trim() };
  try {
    await api(`/api/studio/characters/${form.dataset.of}/relationships/${form.elements.other.value}/`, {
      method: "PUT",
      body,
    });
    window.location.reload();
  } catch (error) {
    say("project-message", error.message);
  }
});

root.addEventListener("click", async (event) => {
  const target = event.target.closest("button");
  if (!target) return;
  try {
    if (target.dataset.remove) {
      await api(`${base}/collaborators/${target.dataset.remove}/`, { method: "DELETE" });
      window.location.reload();
    } else if (target.dataset.hear) {
      target.disabled = true;
      const sample = await api(`/api/studio/characters/${target.dataset.hear}/voice-sample/`, {
        method: "POST",
      });
      const player = root.querySelector(`[data-voice="${target.dataset.hear}"]`);
      player.src = sample.url;
      player.hidden = false;
      await player.play().catch(() => {});
      target.disabled = false;
    } else if (target.id === "continue") {
      await api(`${base}/continue/`, { method: "POST" });
      window.location.reload();
    }
  } catch (error) {
    target.disabled = false;
    say("project-message", error.message);
  }
});

root.addEventListener("change", async (event) => {
  const input = event.target;
  if (input.type !== "file" || !input.files.length) return;
  const fields = { file: input.files[0] };
  if (input.dataset.picture) {
    fields.media_type = "character_design";
    fields.character = input.dataset.picture;
  } else {
    fields.media_type = "style_reference";
  }
  try {
    await upload(`${base}/media/`, fields);
    window.location.reload();
  } catch (error) {
    say("project-message", error.message);
  }
});
