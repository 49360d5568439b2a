// The projects page: create a project (the tier's limit is said in words when reached).
import { api } from "../api.js";
import { say, values } from "./common.js";

const form = document.getElementById("create");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const project = await api("/api/studio/projects/", { method: "POST", body: values(form) });
    window.location.assign(`/studio/projects/${project.id}/`);
  } catch (error) {
    say("create-message", error.message);
  }
});

const resend = document.getElementById("resend");
if (resend) {
  resend.addEventListener("click", async () => {
    try {
      const answer = await api("/api/me/email/resend/", { method: "POST", body: {} });
      say("create-message", answer.detail, { ok: true });
    } catch (error) {
      say("create-message", error.message);
    }
  });
}
