// Connector form: keeps the plain fields and the JSON view in sync, checks the config as it is typed, sends test
// SMS without leaving the page and shows their progress live. The server's checks are the ones that count.
"use strict";
(() => {
  // Django's JavaScript catalogue (/i18n/js) defines gettext and friends; without it, English.
  const gettext = window.gettext || ((text) => text);
  const ngettext = window.ngettext || ((one, many, n) => (n === 1 ? one : many));
  const interpolate = window.interpolate || ((text, values, named) => (named
    ? text.replace(/%\((\w+)\)s/g, (_, key) => values[key]) : values.reduce((t, v) => t.replace("%s", v), text)));
  const POLL_MS = 700;
  const POLL_GIVE_UP_MS = 3 * 60 * 1000;
  const STEPS = [["QUEUED", gettext("Queued")], ["SENDING", gettext("Sending")], ["SENT", gettext("Sent")]];

  const form = document.getElementById("connector-form");
  if (form) setUpConnectorForm(form);
  const messageStatus = document.getElementById("message-status");
  if (messageStatus && messageStatus.dataset.finished === "0") {
    // The message page has nothing to keep: reload it once the message is done.
    poll(messageStatus.dataset.statusUrl, (status) => status.finished && window.location.reload());
  }

  function setUpConnectorForm(form) {
    const textarea = form.querySelector("textarea[data-json-editor]");
    const editor = textarea && textarea.jsonEditor;
    if (!editor) return;
    const schema = JSON.parse(document.getElementById("connector-schema").textContent);
    const problemList = form.querySelector(".json-problems");
    const plainInputs = [...form.querySelectorAll("[data-config-key]")];

    const check = () => showProblems(problemList, problemsOf(editor.parse(), schema, form));
    const hideServerErrors = () => form.querySelectorAll("[data-server-error]").forEach((el) => el.remove());

    textarea.addEventListener("input", () => {
      hideServerErrors();
      const parsed = editor.parse();
      if (isObject(parsed.value)) {
        for (const input of plainInputs) {
          if (input.hasAttribute("data-secret")) continue;
          const value = parsed.value[input.dataset.configKey];
          input.value = typeof value === "string" ? value : "";
        }
      }
      check();
    });
    for (const input of plainInputs) {
      input.addEventListener("input", () => {
        if (!input.hasAttribute("data-secret")) {
          const parsed = editor.parse();
          const config = isObject(parsed.value) ? parsed.value : parsed.error ? null : {};
          if (config) {
            config[input.dataset.configKey] = input.value;
            textarea.value = JSON.stringify(config, null, 2);
            editor.refresh();
          }
        }
        check();
      });
    }

    // Nothing typed is lost by leaving: a form changed here (or sent back unsaved by the server) asks first.
    let dirty = form.hasAttribute("data-unsaved");
    form.addEventListener("input", () => { dirty = true; });
    window.addEventListener("beforeunload", (event) => {
      if (!dirty) return;
      event.preventDefault();
      event.returnValue = "";
    });

    const statusBox = document.getElementById("test-send-status");
    form.addEventListener("submit", async (event) => {
      const button = event.submitter;
      if (!button || !button.hasAttribute("data-test-send")) {
        dirty = false;  // saving (or a test send without JavaScript's help) is not leaving
        return;
      }
      event.preventDefault();
      button.disabled = true;
      form.querySelectorAll(".js-error").forEach((el) => el.remove());
      try {
        const response = await fetch(button.formAction, {
          method: "POST", body: new FormData(form), headers: { Accept: "application/json" }, credentials: "same-origin",
        });
        const answer = await response.json();
        showFieldErrors(form, problemList, answer.errors || {});
        if (answer.message) {
          renderStatus(statusBox, answer.message);
          if (!answer.message.finished) poll(answer.message.status_url, (status) => renderStatus(statusBox, status));
        } else {
          statusBox.replaceChildren();
        }
      } catch (error) {
        statusBox.replaceChildren(element("p", "field-error", gettext("Postern could not be reached. Check your connection and try again.")));
      } finally {
        button.disabled = false;
      }
    });
  }

  // The same checks as the server's schema validation, for what can be known in the browser.
  function problemsOf(parsed, schema, form) {
    if (parsed.error) return [["config", interpolate(gettext("Not valid JSON yet: %s"), [parsed.error])]];
    const problems = [];
    checkObject(parsed.value, schema.fields, "", problems, form);
    return problems;
  }

  function checkObject(value, fields, path, problems, form) {
    if (!isObject(value)) {
      problems.push([path || "config", gettext("Must be an object with named fields.")]);
      return;
    }
    const known = new Set(fields.map((field) => field.name));
    for (const key of Object.keys(value)) if (!known.has(key)) problems.push([join(path, key), gettext("Unknown field.")]);
    for (const field of fields) {
      const fieldPath = join(path, field.name);
      const value_ = value[field.name];
      const blank = value_ === undefined || value_ === null || (typeof value_ === "string" && !value_.trim());
      const masked = typeof value_ === "string" && value_.startsWith("••••");
      if (field.secret && (blank || masked)) {
        const input = !path && form.querySelector(`[data-config-key="${field.name}"]`);
        const saved = input && input.placeholder;
        if (blank && !saved && !(input && input.value)) problems.push([fieldPath, gettext("Required.")]);
        continue;
      }
      if (value_ === undefined || value_ === null) {
        if (field.required) problems.push([fieldPath, gettext("Required.")]);
      } else if (field.type === "list") {
        if (!Array.isArray(value_)) problems.push([fieldPath, gettext("Must be a list.")]);
        else value_.forEach((item, index) => checkObject(item, field.items, `${fieldPath}[${index}]`, problems, form));
      } else if (typeof value_ !== "string") {
        problems.push([fieldPath, gettext("Must be text (a quoted string).")]);
      } else if (!value_.trim()) {
        if (!field.blank) problems.push([fieldPath, gettext("Must not be empty.")]);
      } else if (field.choices.length && !field.choices.includes(value_.trim())) {
        problems.push([fieldPath, interpolate(gettext("Must be one of %s."), [field.choices.join(", ")])]);
      }
    }
  }

  function showProblems(list, problems) {
    list.replaceChildren(...problems.map(([path, message]) => element("li", "", `${path}: ${message}`)));
    list.hidden = problems.length === 0;
  }

  function showFieldErrors(form, problemList, errors) {
    for (const [name, messages] of Object.entries(errors)) {
      const input = name === "__all__" ? null : form.elements[name];
      const anchor = name === "config" ? problemList : input ? input.closest(".field") || input : form.querySelector("h3");
      for (const message of messages) {
        const error = element("p", "field-error js-error", message);
        error.setAttribute("role", "alert");
        if (name === "config") anchor.after(error);
        else anchor.append(error);
      }
    }
  }

  function renderStatus(box, status) {
    const steps = element("ol", "progress-steps");
    const reached = STEPS.findIndex(([name]) => name === status.status);
    STEPS.forEach(([name, label], index) => {
      let state = "";
      if (status.status === "FAILED") state = index < 2 ? "done" : "failed";
      else if (index < reached || status.status === "SENT") state = "done";
      else if (index === reached) state = "current";
      steps.append(element("li", state, index === 2 && status.status === "FAILED" ? gettext("Failed") : label));
    });
    const summary = element("p");
    summary.append(element("span", `status status-${status.status}`, status.status_label), ` · ${status.phone}`);
    if (status.attempts > 1) {
      summary.append(` · ${interpolate(ngettext("%s attempt", "%s attempts", status.attempts), [status.attempts])}`);
    }
    const parts = [steps, summary, routingList(status)];
    if (status.status === "SENT") {
      parts.push(definitionList([[gettext("Serial number"), status.serial_no], [gettext("Fee"), status.fee ?? "—"],
        [gettext("Request ID"), status.request_id || "—"]]));
    } else if (status.status === "FAILED") {
      const failure = element("div", "flash flash-error");
      failure.setAttribute("role", "alert");
      const what = element("p");
      what.append(element("strong", "", status.error_code), status.error_message ? `: ${status.error_message}` : "");
      failure.append(what, element("p", "", status.fix));
      parts.push(failure);
    } else if (status.error_code) {
      parts.push(element("p", "muted", interpolate(gettext("Last attempt: %s. Retrying…"), [status.error_code])));
    }
    const link = element("a", "", gettext("Message details"));
    link.href = status.detail_url;
    link.target = "_blank";  // the form stays as typed in this tab
    link.rel = "noopener";
    parts.push(element("p", "", link));
    const wrapper = element("div", "sms-progress");
    wrapper.dataset.status = status.status;
    wrapper.append(...parts);
    box.replaceChildren(wrapper);
  }

  function poll(url, onStatus) {
    const started = Date.now();
    const tick = async () => {
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (response.ok) {
          const status = await response.json();
          onStatus(status);
          if (status.finished) return;
        }
      } catch (error) {
        // The network blipped: the next tick tries again.
      }
      if (Date.now() - started < POLL_GIVE_UP_MS) window.setTimeout(tick, POLL_MS);
    };
    window.setTimeout(tick, POLL_MS);
  }

  // Which template served the message, on which route, in which language (the server's labels).
  function routingList(status) {
    const pairs = [[gettext("Template"), status.template_code]];
    if (status.route) pairs.push([gettext("Route"), status.country ? `${status.route_label} (${status.country})` : status.route_label]);
    pairs.push([gettext("Template language"), status.locale_label]);
    const list = definitionList(pairs);
    list.classList.add("sms-routing");
    list.dataset.routing = "";
    return list;
  }

  function definitionList(pairs) {
    const list = element("dl", "kv");
    for (const [term, value] of pairs) list.append(element("dt", "", term), element("dd", "", String(value)));
    return list;
  }

  function element(tag, className = "", ...children) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    el.append(...children);
    return el;
  }

  function isObject(value) {
    return typeof value === "object" && value !== null && !Array.isArray(value);
  }

  function join(path, name) {
    return path ? `${path}.${name}` : name;
  }
})();
