// Comments of a title, an episode or a chapter: spoilers stay hidden until clicked; on the
// player, timeline comments appear as the video passes their second.
import { api, el, toast } from "./api.js";

function spoiler(text) {
  const hidden = el("span", { class: "spoiler-text", hidden: true, text });
  const button = el("button", { type: "button", class: "spoiler", text: "Spoiler — show" });
  button.addEventListener("click", () => {
    hidden.hidden = false;
    button.remove();
  });
  return el("span", { class: "spoiler-wrap" }, button, hidden);
}

export function renderComment(comment) {
  const body = el("p", { class: "comment-body" });
  if (comment.hidden === "not_reached") {
    body.textContent = "Watch further to see this comment.";
  } else if (comment.hidden) {
    body.textContent = comment.hidden === "deleted" ? "Comment removed." : "Hidden by moderators.";
  } else if (comment.is_spoiler) {
    body.append(spoiler(comment.body));
  } else {
    for (const part of comment.segments) body.append(part.spoiler ? spoiler(part.text) : part.text);
  }
  const when = comment.timestamp != null ? ` at ${Math.floor(comment.timestamp / 60)}:${String(comment.timestamp % 60).padStart(2, "0")}` : "";
  return el(
    "li",
    { class: "comment", "data-id": comment.id },
    el("img", { class: "avatar-small", src: `/avatar/${comment.avatar_seed}.svg`, alt: "", width: 24, height: 24 }),
    el("span", { class: "nickname", text: `${comment.nickname}${when}` }),
    body,
  );
}

export function mountComments(section, { currentTime } = {}) {
  const target = section.dataset.target;
  const list = section.querySelector(".comment-list");
  const form = section.querySelector(".comment-form");

  async function load() {
    try {
      const page = await api(`/api/comments/?target=${encodeURIComponent(target)}&page_size=50`);
      list.replaceChildren(...page.results.map(renderComment));
      if (!page.results.length) list.append(el("li", { class: "empty", text: "No comments yet." }));
    } catch (error) {
      list.replaceChildren(el("li", { class: "empty", text: error.message }));
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { target, body: data.get("body"), is_spoiler: data.get("is_spoiler") === "on" };
    if (currentTime && data.get("at_time") === "on") body.timestamp = Math.floor(currentTime());
    try {
      await api("/api/comments/", { method: "POST", body });
      form.reset();
      toast("Comment posted.");
      await load();
    } catch (error) {
      toast(error.message);
    }
  });
  load();
  return { reload: load };
}

// The player's overlay: comments whose second the video has just passed.
export function timeline(section, video, overlay) {
  const target = section.dataset.target;
  const shown = new Set();
  let fetched = -1;
  async function tick() {
    const second = Math.floor(video.currentTime);
    if (second === fetched || video.paused) return;
    fetched = second;
    let page;
    try {
      page = await api(`/api/comments/?target=${encodeURIComponent(target)}&until=${second}&page_size=20`);
    } catch {
      return;
    }
    for (const comment of page.results) {
      if (comment.timestamp == null || shown.has(comment.id) || second - comment.timestamp > 8) continue;
      shown.add(comment.id);
      const item = renderComment(comment);
      overlay.append(item);
      setTimeout(() => item.remove(), 6000);
    }
  }
  setInterval(tick, 4000);
}
