// Every page: the search box answers as you type (typo-tolerant: the API's search).
import { api, el } from "./api.js";

const input = document.querySelector("[data-suggest]");
const list = document.getElementById("suggest");
let timer = null;
let active = -1;

function close() {
  list.hidden = true;
  list.replaceChildren();
  active = -1;
  input.setAttribute("aria-expanded", "false");
}

function highlight(index) {
  const items = [...list.querySelectorAll("a")];
  if (!items.length) return;
  active = (index + items.length) % items.length;
  items.forEach((a, n) => a.setAttribute("aria-selected", n === active ? "true" : "false"));
  items[active].focus();
}

async function suggest() {
  const query = input.value.trim();
  if (query.length < 2) return close();
  let data;
  try {
    data = await api(`/api/titles/?search=${encodeURIComponent(query)}&page_size=8`);
  } catch {
    return close();
  }
  if (input.value.trim() !== query) return; // a newer keystroke won
  const items = data.results.map((card) =>
    el(
      "li",
      { role: "option" },
      el("a", { href: `/title/${card.short_id}/`, text: `${card.title}${card.year ? ` (${card.year})` : ""}` }),
    ),
  );
  if (!items.length) items.push(el("li", { class: "empty", text: "No match" }));
  list.replaceChildren(...items);
  list.hidden = false;
  input.setAttribute("aria-expanded", "true");
}

if (input && list) {
  input.setAttribute("aria-controls", "suggest");
  input.setAttribute("aria-autocomplete", "list");
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 180);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && !list.hidden) {
      event.preventDefault();
      highlight(0);
    } else if (event.key === "Escape") close();
  });
  list.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") highlight(active + 1);
    else if (event.key === "ArrowUp") highlight(active - 1);
    else if (event.key === "Escape") {
      close();
      input.focus();
    } else return;
    event.preventDefault();
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest(".search")) close();
  });
}
