// The scene board: produce and publish the episode, reorder scenes, draw a new take of a
// panel and pick one, and watch every task of the episode progress without a reload.
import { api, el } from "../api.js";
import { say, values } from "./common.js";
import { watch } from "./progress.js";

const board = document.getElementById("board");
const episodeId = Number(board.dataset.episode);
const projectId = board.dataset.project;
const scenes = document.getElementById("scenes");
const sceneIds = new Set([...scenes.querySelectorAll("[data-scene]")].map((n) => Number(n.dataset.scene)));
const LABELS = {
  script_generation: "script",
  image_generation: "storyboard",
  audio_generation: "voices",
  scene_assembly: "clip",
  embedding_generation: "search index",
  video_generation: "video",
};
let sawRunning = false;
let pendingTakes = new Set();

function mine(task) {
  return task.episode === episodeId || (task.scene !== null && sceneIds.has(task.scene));
}

function name(task) {
  const what = task.task_type === "scene_assembly" && task.scene === null ? "episode" : LABELS[task.task_type] || task.task_type;
  const where = task.scene !== null ? ` · scene ${sceneNumber(task.scene)}` : "";
  const panel = task.panel ? ` · panel ${task.panel} (new take)` : "";
  return `${what}${where}${panel}`;
}

function sceneNumber(id) {
  const node = scenes.querySelector(`[data-scene="${id}"] h3`);
  return node ? node.textContent.split(".")[0] : "?";
}

function render(tasks) {
  const rows = Object.values(tasks).filter(mine).sort((a, b) => b.id - a.id);
  const list = document.getElementById("progress");
  if (!rows.length) return;
  const open = rows.filter((t) => t.status === "queued" || t.status === "running" || t.status === "waiting");
  // What runs or waits, what failed, and the last few finished; the rest as a count.
  const failed = rows.filter((t) => t.status === "failed" || t.status === "cancelled");
  const finished = rows.filter((t) => !open.includes(t) && !failed.includes(t));
  const shown = [...open, ...failed, ...finished.slice(0, 3)].slice(0, 30);
  const more = rows.length - shown.length;
  list.replaceChildren(
    ...shown.map((t) =>
      el(
        "li",
        { class: `task ${t.status}`, "data-task": t.id, "data-status": t.status },
        el("strong", { text: name(t) }),
        " ",
        el("span", { class: "words", text: t.words }),
        t.status === "running" ? el("progress", { max: 100, value: t.percentage }) : "",
      ),
    ),
    ...(more > 0 ? [el("li", { class: "task summary", text: `and ${more} more finished` })] : []),
  );
  for (const t of rows) {
    if (t.scene !== null && (t.status === "failed" || t.status === "running")) {
      const state = scenes.querySelector(`[data-state="${t.scene}"]`);
      if (state) state.textContent = t.status === "failed" ? `${LABELS[t.task_type]}: ${t.words}` : t.words;
    }
    if (t.panel) {
      // A take's own state under its panel: queued, drawing, or why it failed.
      const state = scenes.querySelector(`[data-panel-state="${t.scene}-${t.panel}"]`);
      if (state) state.textContent = t.status === "done" ? "" : `new take: ${t.words}`;
    }
    if (t.panel && t.status !== "done") pendingTakes.add(t.id);
    if (t.panel && t.status === "done" && pendingTakes.has(t.id)) {
      pendingTakes.delete(t.id);
      refreshTakes(t.scene, t.panel);
    }
  }
  if (open.length) sawRunning = true;
  if (sawRunning && !open.length) document.getElementById("ready").hidden = false;
}

async function refreshTakes(sceneId, panelNumber) {
  const panels = await api(`/api/studio/scenes/${sceneId}/takes/`);
  const panel = panels.find((p) => p.panel_number === panelNumber);
  const list = scenes.querySelector(`[data-scene="${sceneId}"] [data-panel="${panelNumber}"] .studio-takes`);
  if (!panel || !list) return;
  list.replaceChildren(
    ...panel.takes.map((m) => {
      const take = m.generation_metadata.take || 1;
      const shown = m.id === panel.image;
      return el(
        "li",
        { class: shown ? "approved" : "" },
        el("img", { src: m.url, alt: `Take ${take}` }),
        el("small", { text: `take ${take}${shown ? " · shown" : ""}` }),
        shown ? "" : el("button", { class: "button", type: "button", "data-pick": m.id, text: "Use this take" }),
      );
    }),
  );
  list.closest("details").open = true;
  list.closest("details").querySelector("summary").textContent = `Redraw · ${panel.takes.length} takes`;
}

watch(projectId, render, {
  onTransport: (how) => {
    document.getElementById("transport").textContent = how === "live" ? "· live" : "· updating every 2 s";
    board.dataset.transport = how;
  },
});

document.getElementById("produce").addEventListener("click", async () => {
  try {
    const done = await api(`/api/studio/episodes/${episodeId}/produce/`, {
      method: "POST",
      body: { burn_subtitles: document.getElementById("burn").checked },
    });
    say("board-message", `${done.created} new tasks, ${done.reused} already made.`, { ok: true });
  } catch (error) {
    say("board-message", error.message);
  }
});

const publish = document.getElementById("publish");
if (publish) {
  publish.addEventListener("click", async () => {
    publish.disabled = true;
    try {
      await api(`/api/studio/episodes/${episodeId}/publish/`, { method: "POST" });
      say("board-message", "Publishing to the catalog…", { ok: true });
      const timer = setInterval(async () => {
        const episode = await api(`/api/studio/episodes/${episodeId}/`);
        if (episode.metadata.catalog_episode) {
          clearInterval(timer);
          window.location.reload();
        }
      }, 1500);
    } catch (error) {
      publish.disabled = false;
      say("board-message", error.message);
    }
  });
}

scenes.addEventListener("submit", async (event) => {
  const line = event.target.closest("form.line");
  if (line) {
    event.preventDefault();
    const sceneId = line.closest("[data-scene]").dataset.scene;
    const dialogue = JSON.parse(document.getElementById(`dialogue-${sceneId}`).textContent);
    dialogue[Number(line.dataset.line)].lines = line.elements.lines.value.trim();
    try {
      await api(`/api/studio/scenes/${sceneId}/`, { method: "PATCH", body: { dialogue } });
      document.getElementById(`dialogue-${sceneId}`).textContent = JSON.stringify(dialogue);
      say("board-message", "Line saved: “Produce what changed” speaks it again.", { ok: true });
    } catch (error) {
      say("board-message", error.message);
    }
    return;
  }
  const form = event.target.closest("form.redraw");
  if (!form) return;
  event.preventDefault();
  const sceneId = form.closest("[data-scene]").dataset.scene;
  const panel = form.closest("[data-panel]").dataset.panel;
  try {
    const task = await api(`/api/studio/scenes/${sceneId}/panels/${panel}/regenerate/`, {
      method: "POST",
      body: values(form),
    });
    pendingTakes.add(task.id);
    say("board-message", `Drawing a new take of panel ${panel}…`, { ok: true });
  } catch (error) {
    say("board-message", error.message);
  }
});

scenes.addEventListener("click", async (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  const scene = button.closest("[data-scene]");
  try {
    if (button.dataset.pick) {
      const panel = button.closest("[data-panel]").dataset.panel;
      const done = await api(`/api/studio/scenes/${scene.dataset.scene}/panels/${panel}/pick/`, {
        method: "POST",
        body: { media: Number(button.dataset.pick) },
      });
      say("board-message", done.changed ? "Picked: the scene's clip and the episode are being remade." : "Already shown.", { ok: true });
      refreshTakes(Number(scene.dataset.scene), Number(panel));
    } else if (button.dataset.move) {
      const order = [...scenes.querySelectorAll("[data-scene]")];
      const at = order.indexOf(scene);
      const to = at + Number(button.dataset.move);
      if (to < 0 || to >= order.length) return;
      order.splice(to, 0, order.splice(at, 1)[0]);
      await api(`/api/studio/episodes/${episodeId}/scenes/reorder/`, {
        method: "POST",
        body: { order: order.map((n) => Number(n.dataset.scene)) },
      });
      window.location.reload();
    }
  } catch (error) {
    say("board-message", error.message);
  }
});
