import { api, messageOf } from "./http.js";

/**
 * The form becomes a POST /convert body; the API validates it, and what it
 * refuses is shown next to the field it names (`details.field`), in its own
 * words, so the page and the API can never disagree on a rule.
 */
export function initSubmit(onQueued) {
  const form = document.getElementById("convert-form");
  const formError = document.getElementById("form-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    formError.textContent = "";
    const answer = await api("POST", "/convert", bodyOf(form));
    if (answer.ok) {
      formError.textContent = "";
      onQueued(answer.body);
      return;
    }
    const field = answer.body?.error?.details?.field;
    const slot = field
      ? form.querySelector(`[data-error-for="${CSS.escape(String(field).split(",")[0].trim())}"]`)
      : null;
    if (slot) {
      slot.textContent = messageOf(answer);
      const control = form.querySelector(`[name="${CSS.escape(slot.dataset.errorFor)}"]`);
      control?.setAttribute("aria-invalid", "true");
      control?.focus();
    } else {
      formError.textContent = messageOf(answer);
    }
  });
}

/** Sets the input field (from an upload or the folder browser). */
export function setInput(path) {
  const input = document.querySelector('#convert-form [name="input"]');
  input.value = path;
  input.removeAttribute("aria-invalid");
}

function bodyOf(form) {
  const body = {};
  for (const control of form.querySelectorAll("[name]")) {
    const kind = control.dataset.kind;
    let value;
    if (kind === "flag") value = control.checked ? true : undefined;
    else if (control.value === "") value = undefined;
    else if (kind === "number") value = Number.isNaN(Number(control.value)) ? control.value : Number(control.value);
    else value = control.value;
    if (value === undefined) continue;
    const [head, tail] = control.name.split(".");
    if (tail) {
      body[head] ??= {};
      body[head][tail] = value;
    } else body[head] = value;
  }
  return body;
}

function clearErrors(form) {
  for (const slot of form.querySelectorAll("[data-error-for]")) slot.textContent = "";
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
}
