// The account page: who you are, your invite code and count, what 4K needs, your device, and
// logging out everywhere.
import { api, toast } from "./api.js";

const who = document.getElementById("who");

async function load() {
  let me;
  try {
    me = await api("/api/me/");
  } catch (error) {
    who.textContent = error.message;
    return;
  }
  const guest = me.kind === "guest";
  who.textContent = guest
    ? "You are browsing as a guest: your progress is kept in this browser's session."
    : `Logged in as ${me.first_name || "a Telegram user"} (${me.role}${me.premium_active ? ", premium" : ""}).`;
  document.getElementById("guest-login").hidden = !guest;
  document.getElementById("member").hidden = guest;
  if (guest) return;
  document.getElementById("referral-link").textContent = me.referral.code || "—";
  document.getElementById("invites").textContent = `${me.referral.invited_count} friend(s) joined`;
  document.getElementById("four-k").textContent = me.can_stream_2160p
    ? "4K is unlocked for you."
    : "4K needs premium, or friends who join with your code.";
  document.getElementById("device").textContent = me.device.bound
    ? `Locked to this account's device since ${me.device.locked_at || "your first stream"}.`
    : "No device is bound yet.";
}

document.getElementById("device-reset").addEventListener("click", async () => {
  try {
    await api("/api/me/device/reset/", { method: "POST", body: {} });
    toast("Reset requested.");
  } catch (error) {
    toast(error.message);
  }
});
document.getElementById("logout-everywhere").addEventListener("click", async () => {
  try {
    await api("/api/me/logout-everywhere/", { method: "POST", body: {} });
    window.location.assign("/");
  } catch (error) {
    toast(error.message);
  }
});

load();
