// Prompt templates: a new version checked as you type (the variables the text uses against
// those declared, the JSON of variables and output schema), versions side by side, and a
// label moved to a version.
import { api } from "../api.js";
import { say } from "./common.js";

const root = document.getElementById("prompts");
const templateId = root.dataset.template;
const TYPES = ["string", "number", "boolean", "json", "text", "url"];
let versions = [];

function parse(text, fallback) {
  if (!text.trim()) return [fallback, ""];
  try {
    return [JSON.parse(text), ""];
  } catch (error) {
    return [null, error.message];
  }
}

// What is wrong with the form, in words (empty when it can be saved).
function check(form) {
  const problems = [];
  const [variables, badVariables] = parse(form.elements.variables.value, []);
  const [schema, badSchema] = parse(form.elements.output_schema.value, null);
  if (badVariables) problems.push(`Variables are not JSON: ${badVariables}`);
  else if (!Array.isArray(variables)) problems.push("Variables are a JSON list.");
  else {
    for (const v of variables) {
      if (!v || typeof v.name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.name)) problems.push("Each variable has a name (letters, digits, _).");
      else if (!TYPES.includes(v.type)) problems.push(`${v.name}: type is one of ${TYPES.join(", ")}.`);
    }
    const declared = new Set(variables.map((v) => v && v.name));
    const used = [...form.elements.text.value.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1]);
    for (const name of new Set(used)) if (!declared.has(name)) problems.push(`{{${name}}} is used but not declared.`);
  }
  if (badSchema) problems.push(`The output schema is not JSON: ${badSchema}`);
  else if (schema !== null && (typeof schema !== "object" || Array.isArray(schema))) problems.push("The output schema is a JSON object.");
  if (!form.elements.text.value.trim()) problems.push("The text is empty.");
  return problems;
}

function compare() {
  const pick = (id) => versions.find((v) => String(v.number) === document.getElementById(id).value);
  const left = pick("left");
  const right = pick("right");
  document.getElementById("left-text").textContent = left ? left.text : "";
  document.getElementById("right-text").textContent = right ? right.text : "";
}

async function load() {
  if (!templateId) return;
  const page = await api(`/api/studio/prompts/${templateId}/versions/?page_size=50`);
  versions = page.results;
  const latest = versions[0];
  const form = document.getElementById("version");
  if (latest) {
    form.elements.text.value = latest.text;
    form.elements.variables.value = JSON.stringify(latest.variables, null, 2);
    form.elements.output_schema.value = latest.output_schema ? JSON.stringify(latest.output_schema, null, 2) : "";
    form.elements.model.value = latest.model;
  }
  if (versions.length > 1) document.getElementById("left").value = String(versions[1].number);
  document.getElementById("right").value = latest ? String(latest.number) : "";
  compare();
  const shown = () => {
    const problems = check(form);
    const line = document.getElementById("check");
    line.textContent = problems.length ? problems.join(" ") : "Looks good.";
    line.classList.toggle("bad", problems.length > 0);
    form.querySelector("button[type=submit]").disabled = problems.length > 0;
  };
  form.addEventListener("input", shown);
  shown();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (check(form).length) return;
    const body = {
      text: form.elements.text.value,
      variables: parse(form.elements.variables.value, [])[0],
      output_schema: parse(form.elements.output_schema.value, null)[0],
    };
    if (form.elements.model.value.trim()) body.model = form.elements.model.value.trim();
    if (form.elements.notes.value.trim()) body.notes = form.elements.notes.value.trim();
    try {
      await api(`/api/studio/prompts/${templateId}/`, { method: "PATCH", body });
      window.location.reload();
    } catch (error) {
      say("prompts-message", error.message);
    }
  });
  root.dataset.ready = "";
}

// Bound at once, so a click before the versions arrive never submits the form natively.
if (templateId) {
  document.getElementById("left").addEventListener("change", compare);
  document.getElementById("right").addEventListener("change", compare);
  document.getElementById("label").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    try {
      await api(`/api/studio/prompts/${templateId}/labels/${form.elements.label.value}/`, {
        method: "PUT",
        body: { version: Number(form.elements.version.value) },
      });
      window.location.reload();
    } catch (error) {
      say("prompts-message", error.message);
    }
  });
}

load().catch((error) => say("prompts-message", error.message));
