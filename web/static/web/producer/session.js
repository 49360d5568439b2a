// The conversation with the studio assistant: the history (kept, so the session resumes
// where it stopped), the choices it offers as buttons, whether it waits for you, and the
// context — episode and character — which you can change.
import { api, el } from "../api.js";
import { say } from "./common.js";

const root = document.getElementById("session");
const projectId = root.dataset.project;
const PHASES = {
  story_development: "story",
  character_creation: "characters",
  visual_design: "visuals",
  audio_design: "audio",
  scene_production: "scenes",
  post_production: "post-production",
  final_assembly: "assembly",
};
let sessionId = root.dataset.session;

function show(session) {
  const history = document.getElementById("history");
  history.replaceChildren(
    ...session.conversation_history.map((m) =>
      el("li", { class: `said ${m.role}` }, el("small", { text: m.role === "user" ? "You" : "Assistant" }), el("p", { text: m.content })),
    ),
  );
  history.lastElementChild?.scrollIntoView({ block: "nearest" });
  document.getElementById("choices").replaceChildren(
    ...session.last_choices.map((c) => el("button", { class: "button", type: "button", "data-choice": c.choice_id, text: c.label })),
  );
  document.getElementById("waiting").hidden = !session.awaiting_user_input;
  document.getElementById("phase").textContent = PHASES[session.current_step] || session.current_step || "—";
  const context = session.context_data;
  document.getElementById("ctx-episode").value = context.current_episode ?? "";
  document.getElementById("ctx-character").value = context.focus_character ?? "";
  root.dataset.ready = "true";
}

async function reply(body) {
  const form = document.getElementById("say");
  form.querySelector("button").disabled = true;
  try {
    show(await api(`/api/studio/sessions/${sessionId}/reply/`, { method: "POST", body }));
    say("session-message", "");
  } catch (error) {
    say("session-message", error.message);
  } finally {
    form.querySelector("button").disabled = false;
  }
}

async function start() {
  if (!sessionId) {
    const made = await api(`/api/studio/projects/${projectId}/sessions/`, { method: "POST", body: {} });
    sessionId = made.id;
  }
  const session = await api(`/api/studio/sessions/${sessionId}/`);
  if (!session.conversation_history.length) await reply({});
  else show(session);
}

document.getElementById("say").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = document.getElementById("said");
  const content = input.value.trim();
  if (!content) return;
  input.value = "";
  reply({ content });
});

document.getElementById("choices").addEventListener("click", (event) => {
  const button = event.target.closest("[data-choice]");
  if (button) reply({ choice_id: button.dataset.choice });
});

for (const [id, field] of [["ctx-episode", "current_episode"], ["ctx-character", "focus_character"]]) {
  document.getElementById(id).addEventListener("change", async (event) => {
    const value = event.target.value ? Number(event.target.value) : null;
    try {
      show(await api(`/api/studio/sessions/${sessionId}/`, { method: "PATCH", body: { [field]: value } }));
    } catch (error) {
      say("session-message", error.message);
    }
  });
}

start().catch((error) => say("session-message", error.message));
