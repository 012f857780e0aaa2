// Progressive enhancement only: every console page works without this file.
document.addEventListener("change", (e) => {
  if (e.target.matches("select[data-autosubmit]")) e.target.form.submit();
  if (e.target.closest("[data-framework-filter]")) {
    const checked = [...document.querySelectorAll("[data-framework-filter] input:checked")].map((i) => i.value);
    document.querySelectorAll(".framework-group").forEach((g) => {
      g.hidden = checked.length > 0 && !checked.includes(g.dataset.appType);
    });
  }
});
document.addEventListener("submit", (e) => {
  const button = e.submitter;
  if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) e.preventDefault();
});
document.querySelectorAll("[data-copy]").forEach((el) => {
  if (!navigator.clipboard) return;
  const b = document.createElement("button");
  b.type = "button"; b.className = "copy-btn"; b.textContent = "⧉"; b.title = "Copy";
  b.addEventListener("click", () => navigator.clipboard.writeText(el.textContent.trim()).then(() => { b.textContent = "✓"; }));
  el.after(b);
});
