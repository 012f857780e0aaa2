// Live preview: the hosted page re-rendered from the unsaved form whenever a setting changes, in a sandboxed frame
// (no scripts, no form submission). A click in it never navigates: a link or button that leads to another step of
// the sign-in (the code page after "Continue with phone number") shows that step; anything else does nothing.
(function () {
  const form = document.getElementById("experience-form");
  if (!form) return;
  const frame = document.getElementById("preview-frame");
  const wrap = frame.parentElement;
  const previewUrl = form.dataset.previewUrl;
  const SIZES = { desktop: [880, 620], mobile: [390, 760] };  // the frame's own viewport, CSS pixels
  const state = { step: "sign_in", phone: "", country: "" };
  let timer = null;
  let sequence = 0;

  function render() {
    const body = new FormData(form);
    body.set("preview_step", state.step);
    body.set("preview_phone", state.phone);
    body.set("preview_country", state.country);
    const mine = ++sequence;
    fetch(previewUrl, { method: "POST", body, credentials: "same-origin" })
      .then((r) => r.text())
      .then((html) => { if (mine === sequence) frame.srcdoc = html; });
  }
  function refresh() {
    clearTimeout(timer);
    timer = setTimeout(render, 200);
  }

  function destinationOf(element) {
    if (element.matches("a[href]")) return element.getAttribute("href");
    const submits = element.matches("button:not([type=button]):not([type=reset]), input[type=submit]");
    if (!submits || !element.form) return null;
    return element.getAttribute("formaction") || element.form.getAttribute("action");
  }
  function onPreviewClick(event) {
    const element = event.target.closest("a[href], button, input[type=submit]");
    if (!element) return;
    const destination = destinationOf(element);
    if (destination === null) return;
    event.preventDefault();
    const step = /^#preview-step=(\w+)$/.exec(destination);
    if (!step) return;  // a link out of the sign-in page (terms), or back to the app
    const phone = element.form && element.form.querySelector("[name=phone]");
    if (phone) {
      state.phone = phone.value;
      const country = element.form.querySelector("[name=country]");
      state.country = country ? country.value : "";
    }
    state.step = step[1];
    render();
  }
  frame.addEventListener("load", () => {
    const doc = frame.contentDocument;
    if (!doc) return;
    doc.addEventListener("click", onPreviewClick, true);
    const shown = doc.documentElement.dataset.previewStep;
    if (shown) state.step = shown;  // the server falls back to the first step when a step is not offered
    wrap.dataset.step = state.step;
  });

  // Desktop and Mobile are two viewports (a desktop window, a phone), scaled down to fit the card.
  function fit() {
    const [width, height] = SIZES[wrap.dataset.width] || SIZES.desktop;
    const bezel = wrap.dataset.width === "mobile" ? 16 : 0;
    const scale = Math.min(1, wrap.clientWidth / (width + bezel));
    wrap.classList.add("scaled");
    wrap.style.setProperty("--frame-w", `${width}px`);
    wrap.style.setProperty("--frame-h", `${height}px`);
    wrap.style.setProperty("--scale", String(scale));
  }
  if (window.ResizeObserver) new ResizeObserver(fit).observe(wrap);
  fit();

  // Logto's rule, visible before saving: a sign-up identifier is also a sign-in method (the server adds it too).
  const IDENTIFIERS = { username: ["username"], email: ["email"], phone: ["phone"], email_or_phone: ["email", "phone"] };
  const addedNote = form.querySelector("[data-methods-added]");
  function addSignUpIdentifiers() {
    const identifiers = IDENTIFIERS[form.querySelector("[name=sign_up_identifier]").value] || [];
    const password = form.querySelector("[name=sign_up_password]").checked;
    let added = false;
    for (const identifier of identifiers) {
      const enabled = form.querySelector(`[name=signin_${identifier}_enabled]`);
      if (!enabled || enabled.checked) continue;
      const code = identifier !== "username" && !password;
      enabled.checked = true;
      form.querySelector(`[name=signin_${identifier}_password]`).checked = password || !code;
      const codeBox = form.querySelector(`[name=signin_${identifier}_code]`);
      if (codeBox) codeBox.checked = code;
      form.querySelector(`[name=signin_${identifier}_password_primary]`).checked = !code;
      enabled.closest("tr").classList.add("just-added");
      added = true;
    }
    if (added && addedNote) addedNote.hidden = false;
  }

  function sync() {
    const identifier = form.querySelector("[name=sign_up_identifier]").value;
    const verify = form.querySelector("[name=sign_up_verify]");
    const forced = identifier === "email" || identifier === "phone" || identifier === "email_or_phone";
    if (forced) verify.checked = true;
    verify.disabled = forced;  // forced on; the server applies the same rule
  }
  form.addEventListener("input", () => { sync(); refresh(); });
  form.addEventListener("change", (event) => {
    if (event.target.matches("[name=sign_up_identifier], [name=sign_up_password]")) addSignUpIdentifiers();
    sync();
    refresh();
  });
  function choose(group, button) {
    group.querySelectorAll("button").forEach((b) => b.classList.toggle("on", b === button));
  }
  document.querySelectorAll("[data-preview-width]").forEach((b) => b.addEventListener("click", () => {
    choose(b.parentElement, b);
    wrap.dataset.width = b.dataset.previewWidth;
    fit();
  }));
  document.querySelectorAll("[data-theme]").forEach((b) => b.addEventListener("click", () => {
    choose(b.parentElement, b);
    form.querySelector("[data-preview-theme]").value = b.dataset.theme;
    refresh();
  }));
  const tryItLanguage = document.querySelector("[data-try-it-language]");
  function setLanguage(language) {
    form.querySelector("[data-preview-language]").value = language;
    if (tryItLanguage) tryItLanguage.value = language;  // "Try it" opens the real page in the preview's language
  }
  document.querySelectorAll("[data-lang]").forEach((b) => b.addEventListener("click", () => {
    choose(b.parentElement, b);
    setLanguage(b.dataset.lang);
    refresh();
  }));
  setLanguage(form.querySelector("[data-preview-language]").value);
  sync();
  render();
})();
