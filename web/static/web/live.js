// The live stream page: the HLS player (hls.js, vendored; Safari plays HLS natively), the chat
// socket (/ws/live/<id>/), follow and like. The channel page uses only the follow button.
import { api, el, toast } from "./api.js";

const dataNode = document.getElementById("stream-data");
const stream = dataNode ? JSON.parse(dataNode.textContent) : null;

async function needsSession() {
  // Writes make a guest for a visitor with no session; make sure a cookie exists first.
  if (!document.cookie.includes("csrftoken=")) await api("/api/session/");
}

const follow = document.getElementById("follow");
if (follow) {
  const creatorId = stream ? stream.creator.id : follow.dataset.creator;
  follow.addEventListener("click", async () => {
    const on = follow.getAttribute("aria-pressed") !== "true";
    try {
      await needsSession();
      const data = await api(`/api/live/creators/${creatorId}/follow/`, { method: on ? "PUT" : "DELETE" });
      follow.setAttribute("aria-pressed", String(data.following));
      follow.textContent = data.following ? "Following" : "Follow";
      const count = document.getElementById("followers");
      if (count) count.textContent = data.total_followers;
    } catch (error) {
      toast(error.message);
    }
  });
}

// Reporting the stream to the moderators (once per viewer).
const reportForm = document.getElementById("report-form");
if (reportForm && stream) {
  reportForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(reportForm);
    try {
      await needsSession();
      await api(`/api/live/streams/${stream.id}/report/`, {
        method: "POST",
        body: { reason: form.get("reason"), note: form.get("note") || "" },
      });
      reportForm.hidden = true;
      document.getElementById("report-done").hidden = false;
      document.querySelector("#report summary").textContent = "You reported this stream";
    } catch (error) {
      toast(error.message);
    }
  });
}

// Sharing: a copied link or a Telegram share, counted once per visitor.
async function shared(channel) {
  try {
    const data = await api(`/api/live/streams/${stream.id}/share/`, { method: "POST", body: { channel } });
    document.getElementById("shares").textContent = data.total_shares;
  } catch (error) {
    toast(error.message);
  }
}
const shareLink = document.getElementById("share-link");
if (shareLink && stream) {
  shareLink.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(window.location.href);
      toast("Link copied.");
    } catch {
      toast(window.location.href);
    }
    shared("link");
  });
  document.getElementById("share-telegram").addEventListener("click", () => shared("telegram"));
}

const like = document.getElementById("like");
if (like && stream) {
  like.addEventListener("click", async () => {
    const on = like.getAttribute("aria-pressed") !== "true";
    try {
      await needsSession();
      const data = await api(`/api/live/streams/${stream.id}/like/`, { method: on ? "PUT" : "DELETE" });
      like.setAttribute("aria-pressed", String(data.liked_by_me));
      document.getElementById("likes").textContent = data.total_likes;
    } catch (error) {
      toast(error.message);
    }
  });
}

// The mature gate: the visitor's choice is remembered (a cookie) by the API.
async function matureChoose(choice) {
  await needsSession();
  await api("/api/live/mature/", { method: "PUT", body: { choice } });
}
const matureShow = document.getElementById("mature-show");
if (matureShow) {
  matureShow.addEventListener("click", () =>
    matureChoose("show").then(() => window.location.reload(), (error) => toast(error.message)),
  );
  document.getElementById("mature-hide").addEventListener("click", () =>
    matureChoose("hide").then(() => window.location.assign("/live/"), (error) => toast(error.message)),
  );
}
const matureToggle = document.getElementById("mature-toggle");
if (matureToggle) {
  matureToggle.addEventListener("click", () =>
    matureChoose(matureToggle.dataset.choice).then(() => window.location.reload(), (error) => toast(error.message)),
  );
}

function play(url) {
  if (stream.gated) return; // behind the age confirmation: no player
  const video = document.getElementById("live-video");
  document.getElementById("live-offline").hidden = true;
  if (window.Hls && window.Hls.isSupported()) {
    const hls = new window.Hls({ enableWorker: false, liveSyncDurationCount: 2 });
    hls.on(window.Hls.Events.ERROR, (_event, data) => {
      if (data.fatal && data.type === window.Hls.ErrorTypes.NETWORK_ERROR) {
        setTimeout(() => hls.loadSource(url), 2000); // the playlist is not there yet: retry
      }
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    window.liveHls = hls;
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = url;
  }
  video.play().catch(() => {});
}

const list = document.getElementById("chat-list");
const form = document.getElementById("chat-form");
const note = document.getElementById("chat-note");

function line(event) {
  const who = event.user ? event.user.name : "";
  const item = el("li", { class: `chat-line ${event.message_type}`, "data-id": event.id });
  if (who && event.user.avatar_seed) {
    item.append(el("img", { class: "avatar-small", src: `/avatar/${event.user.avatar_seed}.svg`, alt: "", width: 24, height: 24 }));
  }
  if (who) item.append(el("b", { text: who }), " ");
  item.append(el("span", { text: event.message }));
  return item;
}

function show(event) {
  list.append(line(event));
  while (list.children.length > 200) list.firstElementChild.remove();
  list.scrollTop = list.scrollHeight;
}

function chat() {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${window.location.host}/ws/live/${stream.id}/`);
  const input = document.getElementById("chat-input");
  const send = form.querySelector("button");
  socket.addEventListener("message", (frame) => {
    const event = JSON.parse(frame.data);
    if (event.type === "hello") {
      input.disabled = send.disabled = !event.can_send;
      note.textContent = event.refused ? event.refused.message : "";
    } else if (event.type === "message") show(event);
    else if (event.type === "deleted") list.querySelector(`[data-id="${event.id}"]`)?.remove();
    else if (event.type === "viewers") document.getElementById("viewers").textContent = event.count;
    else if (event.type === "status") {
      document.getElementById("status").textContent = event.status;
      if (event.status === "live") play(`/live/hls/${stream.id}.m3u8`);
    } else if (event.type === "error") toast(event.message);
  });
  socket.addEventListener("close", () => {
    input.disabled = send.disabled = true;
    setTimeout(chat, 3000);
  });
  form.onsubmit = (submit) => {
    submit.preventDefault();
    if (!input.value.trim()) return;
    socket.send(JSON.stringify({ type: "message", message: input.value }));
    input.value = "";
  };
}

async function history() {
  try {
    const page = await api(`/api/live/streams/${stream.id}/chat/?limit=50`);
    page.results.reverse().forEach(show);
  } catch {
    /* the socket still brings new lines */
  }
}

if (stream) {
  if (stream.playback_url) play(stream.playback_url);
  history().then(chat);
}
