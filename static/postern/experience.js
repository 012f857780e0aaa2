// Live preview: re-render the hosted page from the unsaved form whenever a setting changes.
(function () {
  const form = document.getElementById("experience-form");
  if (!form) return;
  const frame = document.getElementById("preview-frame");
  const previewUrl = form.querySelector("[formtarget=preview-frame]").getAttribute("formaction");
  let timer = null;
  function refresh() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      fetch(previewUrl, { method: "POST", body: new FormData(form), credentials: "same-origin" })
        .then((r) => r.text())
        .then((html) => { frame.srcdoc = html; });
    }, 200);
  }
  function sync() {
    const identifier = form.querySelector("[name=sign_up_identifier]").value;
    const verify = form.querySelector("[name=sign_up_verify]");
    const forced = identifier === "email" || identifier === "phone" || identifier === "email_or_phone";
    if (forced) verify.checked = true;
    verify.disabled = forced;  // forced on; the server applies the same rule
  }
  form.addEventListener("input", () => { sync(); refresh(); });
  form.addEventListener("change", () => { sync(); refresh(); });
  function choose(group, button) {
    group.querySelectorAll("button").forEach((b) => b.classList.toggle("on", b === button));
  }
  document.querySelectorAll("[data-preview-width]").forEach((b) => b.addEventListener("click", () => {
    choose(b.parentElement, b);
    document.querySelector(".preview-frame-wrap").dataset.width = b.dataset.previewWidth;
  }));
  document.querySelectorAll("[data-theme]").forEach((b) => b.addEventListener("click", () => {
    choose(b.parentElement, b);
    form.querySelector("[data-preview-theme]").value = b.dataset.theme;
    refresh();
  }));
  document.querySelectorAll("[data-lang]").forEach((b) => b.addEventListener("click", () => {
    choose(b.parentElement, b);
    form.querySelector("[data-preview-language]").value = b.dataset.lang;
    refresh();
  }));
  sync();
  refresh();
})();
