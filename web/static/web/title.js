// The title page: the quality modal, downloads (through the gatekeeper and its ad-link rule),
// the wishlist, reports, episode progress marks and the comments.
import { api, toast } from "./api.js";
import { mountComments } from "./comments.js";
import { mountDownloads } from "./downloads.js";

const shortId = JSON.parse(document.getElementById("short-id").textContent);
const qualityModal = document.getElementById("quality-modal");
const reportModal = document.getElementById("report-modal");

document.getElementById("qualities")?.addEventListener("click", () => qualityModal.showModal());
document.getElementById("report")?.addEventListener("click", () => reportModal.showModal());
reportModal.querySelector("[data-close]").addEventListener("click", () => reportModal.close());

document.getElementById("wishlist").addEventListener("click", async () => {
  try {
    const entry = await api("/api/me/wishlist/", { method: "POST", body: { short_id: shortId } });
    toast(entry ? "Saved to your wishlist." : "Saved.");
  } catch (error) {
    toast(error.message);
  }
});

document.getElementById("report-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(event.target);
  const body = { title: shortId, issue: data.get("issue") };
  if (data.get("note")) body.note = data.get("note");
  try {
    await api("/api/reports/", { method: "POST", body });
    reportModal.close();
    toast("Thanks — we are on it. You will hear back when it is fixed.");
  } catch (error) {
    toast(error.message);
  }
});

mountDownloads();

async function marks() {
  const episodes = document.querySelectorAll(".episodes li[data-season]");
  if (!episodes.length) return;
  let progress;
  try {
    progress = (await api(`/api/me/progress/${shortId}/`)).progress;
  } catch {
    return;
  }
  if (!progress || !progress.episode) return;
  const at = [progress.episode.season, progress.episode.episode];
  for (const li of episodes) {
    const here = [Number(li.dataset.season), Number(li.dataset.episode)];
    const mark = li.querySelector(".mark");
    if (here[0] < at[0] || (here[0] === at[0] && here[1] < at[1])) {
      mark.textContent = "✓ watched";
    } else if (here[0] === at[0] && here[1] === at[1]) {
      mark.textContent = `▶ ${Math.floor(progress.position / 60)} min in`;
    }
  }
}

marks();
mountComments(document.querySelector(".comments"));
