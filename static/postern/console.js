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
// Copy buttons: an inline SVG icon (no font has to carry a glyph) from the page's <template>, which also holds
// the translated names; guide code blocks get one too.
const copyTemplate = document.getElementById("copy-button");
function addCopyButton(source, anchor) {
  if (!navigator.clipboard || !copyTemplate) return;
  const b = copyTemplate.content.firstElementChild.cloneNode(true);
  const label = b.getAttribute("aria-label");
  b.addEventListener("click", () => navigator.clipboard.writeText(source.textContent.trim()).then(() => {
    b.dataset.copied = "true"; b.setAttribute("aria-label", b.dataset.copiedLabel); b.title = b.dataset.copiedLabel;
    setTimeout(() => { delete b.dataset.copied; b.setAttribute("aria-label", label); b.title = label; }, 2000);
  }));
  anchor.after(b);
}
document.querySelectorAll("[data-copy]").forEach((el) => addCopyButton(el, el));
document.querySelectorAll(".guide pre").forEach((pre) => {
  const wrap = document.createElement("div");
  wrap.className = "code-block";
  pre.before(wrap); wrap.append(pre);
  addCopyButton(pre, pre);
});
// The phone-width header: one row, the rest behind "Menu" (without this script everything is shown, stacked).
const menuToggle = document.querySelector(".menu-toggle");
if (menuToggle) {
  document.documentElement.classList.add("js-menu");
  menuToggle.addEventListener("click", () => {
    const open = document.documentElement.classList.toggle("menu-open");
    menuToggle.setAttribute("aria-expanded", String(open));
  });
}
