// Download buttons (a file or a pack): the gatekeeper signs the download — through today's ad
// link for a free user's heavy one — and the browser goes there. A file's stream slot, which
// the grant also takes, is given back at once.
import { api, toast } from "./api.js";

export function mountDownloads(root = document) {
  for (const button of root.querySelectorAll("button.download")) {
    button.addEventListener("click", async () => {
      const hash = button.dataset.file || button.dataset.pack;
      try {
        const grant = await api(`/api/stream/${hash}/`, { method: "POST", body: {} });
        if (grant.session) {
          api(`/api/stream/heartbeat/?session=${grant.session}`, { method: "DELETE" }).catch(() => {});
        }
        window.location.assign(grant.download ? grant.download.url : grant.url);
      } catch (error) {
        toast(error.message);
      }
    });
  }
}
