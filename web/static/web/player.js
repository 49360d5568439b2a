// The player: a signed URL from the gatekeeper (the browser-playable rendition when there is
// one), WebVTT tracks, resume from saved progress, progress saved every few seconds, "Skip
// intro", intro votes, timeline comments, next episode, and the gatekeeper's refusals in words.
import { api, el, onThisSite, toast } from "./api.js";
import { mountComments, timeline } from "./comments.js";

const data = JSON.parse(document.getElementById("player-data").textContent);
const video = document.getElementById("video");
const message = document.getElementById("player-message");
const skip = document.getElementById("skip-intro");
const quality = document.getElementById("quality");
const SAVE_EVERY = 5000;

// The stream slot survives a reload in this tab (a free plan has one).
const SESSION_KEY = "sv-stream-session";
let session = sessionStorage.getItem(SESSION_KEY) || "";
let heartbeat = null;
let lastSaved = -1;

const REFUSALS = {
  device_mismatch: "This account is locked to another device. Ask for a reset on your account page.",
  device_required: "This browser did not send a device id; reload the page.",
  account_required: "This title is for logged-in viewers: log in on your account page.",
  banned: "This account is banned.",
};

function say(text) {
  message.textContent = text;
  message.hidden = !text;
}

async function savedPosition() {
  try {
    const { progress } = await api(`/api/me/progress/${data.short_id}/`);
    if (!progress || !progress.position) return 0;
    if (data.season != null) {
      const ep = progress.episode;
      if (!ep || ep.season !== data.season || ep.episode !== data.episode) return 0;
    }
    return progress.position;
  } catch {
    return 0;
  }
}

async function play(fileHash, at = null) {
  let grant;
  try {
    grant = await api(`/api/stream/${fileHash}/`, { method: "POST", body: session ? { session } : {} });
  } catch (error) {
    say(REFUSALS[error.code] || error.message);
    return;
  }
  say("");
  session = grant.session;
  sessionStorage.setItem(SESSION_KEY, session);
  const resume = at ?? (await savedPosition());
  video.addEventListener(
    "loadedmetadata",
    () => {
      if (resume > 0 && resume < video.duration - 5) video.currentTime = resume;
      if (video.textTracks.length) video.textTracks[0].mode = "showing";
      video.play().catch(() => {});
    },
    { once: true },
  );
  for (const track of video.querySelectorAll("track")) track.remove();
  video.src = onThisSite(grant.url);
  grant.subtitles.forEach((sub, n) => {
    video.append(
      el("track", {
        kind: "subtitles",
        label: sub.label || sub.lang,
        srclang: sub.srclang,
        src: onThisSite(sub.url),
        default: n === 0,
      }),
    );
  });
  clearInterval(heartbeat);
  heartbeat = setInterval(() => {
    api("/api/stream/heartbeat/", { method: "POST", body: { session } }).catch(() => {});
  }, Math.max(5, grant.heartbeat_every) * 1000);
}

async function save() {
  const position = Math.floor(video.currentTime);
  if (!video.duration || position === lastSaved) return;
  lastSaved = position;
  const body = { position, duration: Math.floor(video.duration) };
  if (data.season != null) Object.assign(body, { season: data.season, episode: data.episode });
  try {
    await api(`/api/me/progress/${data.short_id}/`, { method: "PUT", body });
  } catch {
    /* progress is best effort: the next save tries again */
  }
}

video.addEventListener("error", () => {
  if (video.error) say(`This video could not be played (${video.error.message || video.error.code}).`);
});
video.addEventListener("timeupdate", () => {
  const intro = data.intro;
  skip.hidden = !(intro && video.currentTime >= intro.start && video.currentTime < intro.end - 1);
});
skip.addEventListener("click", () => {
  video.currentTime = data.intro.end;
  skip.hidden = true;
});
video.addEventListener("ended", () => {
  save();
  document.getElementById("next-episode")?.focus();
});
setInterval(() => {
  if (!video.paused) save();
}, SAVE_EVERY);
window.addEventListener("pagehide", save);

quality.addEventListener("change", () => play(quality.value, video.currentTime));

// Intro votes: first press marks where it starts, the second where it ends.
const voteButton = document.getElementById("vote-intro");
let voteStart = null;
voteButton.addEventListener("click", async () => {
  const now = Math.floor(video.currentTime);
  if (voteStart === null) {
    voteStart = now;
    voteButton.textContent = "Intro ends here";
    return;
  }
  const path = data.season != null
    ? `/api/titles/${data.short_id}/episodes/${data.season}/${data.episode}/intro/`
    : `/api/titles/${data.short_id}/intro/`;
  try {
    await api(path, { method: "PUT", body: { start: voteStart, end: now } });
    toast("Thanks: your intro timing is counted.");
  } catch (error) {
    toast(error.message);
  }
  voteStart = null;
  voteButton.textContent = "Mark the intro";
});

const comments = document.querySelector(".comments");
mountComments(comments, { currentTime: () => video.currentTime });
timeline(comments, video, document.getElementById("timeline-comments"));
play(data.file_hash);
