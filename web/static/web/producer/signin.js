// Sign in or register with an email address (the API's email login); forgotten passwords.
import { api } from "../api.js";
import { say, values } from "./common.js";

const signin = document.getElementById("signin");
const register = document.getElementById("register");

signin.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("/api/auth/email/login/", { method: "POST", body: values(signin) });
    window.location.assign("/studio/");
  } catch (error) {
    say("signin-message", error.message);
  }
});

register.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const answer = await api("/api/auth/email/register/", { method: "POST", body: values(register) });
    say("signin-message", answer.detail, { ok: true });
    register.reset();
  } catch (error) {
    say("signin-message", error.message);
  }
});

document.getElementById("forgot").addEventListener("click", async () => {
  const email = signin.elements.email.value.trim();
  if (!email) {
    say("signin-message", "Type your email address above first.");
    return;
  }
  try {
    const answer = await api("/api/auth/email/reset/", { method: "POST", body: { email } });
    say("signin-message", answer.detail, { ok: true });
  } catch (error) {
    say("signin-message", error.message);
  }
});
