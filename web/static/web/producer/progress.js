// A project's task progress, live: the project's WebSocket pushes each change; where no socket
// can open (or it drops), the same snapshot is polled. `watch` calls `render(tasks)` with the
// whole picture (task id → state) each time something changed.
import { api } from "../api.js";

const POLL_MS = 2000;

export function watch(projectId, render, { onTransport = () => {} } = {}) {
  const tasks = {};
  let polling = null;

  const apply = (rows) => {
    for (const row of rows) tasks[row.id] = row;
    render(tasks);
  };

  const poll = async () => {
    try {
      const snapshot = await api(`/api/studio/projects/${projectId}/progress/`);
      apply(Object.values(snapshot.tasks));
    } catch {
      /* the next round tries again */
    }
  };

  const fallBack = () => {
    if (polling) return;
    onTransport("polling");
    poll();
    polling = setInterval(poll, POLL_MS);
  };

  if (!("WebSocket" in window) || document.body.dataset.noSocket !== undefined) {
    fallBack();
    return;
  }
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  let socket;
  try {
    socket = new WebSocket(`${scheme}://${window.location.host}/ws/studio/projects/${projectId}/`);
  } catch {
    fallBack();
    return;
  }
  socket.addEventListener("open", () => onTransport("live"));
  socket.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === "snapshot") apply(Object.values(frame.tasks));
    else if (frame.type === "changed") apply(frame.tasks);
  });
  socket.addEventListener("close", fallBack);
  socket.addEventListener("error", fallBack);
}
