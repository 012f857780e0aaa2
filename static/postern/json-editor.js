// A JSON textarea with syntax highlighting: the text is painted, coloured, on a <pre> under a transparent
// textarea, so typing, selection, undo and form submission stay the browser's own. Without JS: a plain textarea.
"use strict";
(() => {
  // One token per match; no token spans a line, so the painted HTML can be split into lines.
  const TOKENS = /("(?:[^"\\\n]|\\[^\n])*"?)(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b|([{}[\],])/g;
  const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };
  const escapeHtml = (text) => text.replace(/[&<>]/g, (c) => ESCAPES[c]);

  function paint(text, errorLine) {
    let html = "";
    let last = 0;
    for (const match of text.matchAll(TOKENS)) {
      const [whole, string, colon, number, literal] = match;
      html += escapeHtml(text.slice(last, match.index));
      if (string !== undefined && colon) {
        html += `<span class="j-key">${escapeHtml(string)}</span>${escapeHtml(colon)}`;
      } else {
        const kind = string !== undefined ? "string" : number !== undefined ? "number" : literal ? "literal" : "punct";
        html += `<span class="j-${kind}">${escapeHtml(whole)}</span>`;
      }
      last = match.index + whole.length;
    }
    html += escapeHtml(text.slice(last));
    if (errorLine) {
      const lines = html.split("\n");
      const index = Math.min(errorLine, lines.length) - 1;
      lines[index] = `<span class="j-error-line">${lines[index] || " "}</span>`;
      html = lines.join("\n");
    }
    // A trailing newline needs a character after it, or the <pre> ends a line short of the textarea.
    return html + "\n ";
  }

  // {value} or {error, line}: browsers word JSON.parse errors differently; all give a line or a position.
  function parse(text) {
    try {
      return { value: JSON.parse(text) };
    } catch (error) {
      const lineColumn = /line (\d+) column (\d+)/.exec(error.message);
      const position = /position (\d+)/.exec(error.message);
      let line = text.split("\n").length;
      if (lineColumn) line = Number(lineColumn[1]);
      else if (position) line = text.slice(0, Number(position[1])).split("\n").length;
      const message = error.message.replace(/^JSON\.parse: /, "").replace(/ in JSON at position.*$/, "");
      const where = window.interpolate && window.gettext
        ? window.interpolate(window.gettext("line %s"), [line]) : `line ${line}`;
      return { error: `${message} (${where})`, line };
    }
  }

  function enhance(textarea) {
    const wrapper = document.createElement("div");
    wrapper.className = "json-editor";
    const pre = document.createElement("pre");
    pre.setAttribute("aria-hidden", "true");
    textarea.parentNode.insertBefore(wrapper, textarea);
    wrapper.append(pre, textarea);
    textarea.setAttribute("wrap", "off");

    const editor = {
      textarea,
      parse: () => parse(textarea.value),
      refresh() {
        const result = parse(textarea.value);
        pre.innerHTML = paint(textarea.value, result.error && textarea.value.trim() ? result.line : 0);
        pre.scrollTop = textarea.scrollTop;
        pre.scrollLeft = textarea.scrollLeft;
        return result;
      },
    };
    textarea.addEventListener("input", () => editor.refresh());
    textarea.addEventListener("scroll", () => {
      pre.scrollTop = textarea.scrollTop;
      pre.scrollLeft = textarea.scrollLeft;
    });
    textarea.addEventListener("keydown", (event) => {
      // Tab indents, as in any code editor; Escape then Tab still leaves the field for keyboard users.
      if (event.key !== "Tab" || event.shiftKey || textarea.dataset.tabLeaves) return;
      event.preventDefault();
      textarea.setRangeText("  ", textarea.selectionStart, textarea.selectionEnd, "end");
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    });
    textarea.addEventListener("keyup", (event) => {
      if (event.key === "Escape") textarea.dataset.tabLeaves = "1";
    });
    textarea.addEventListener("focus", () => delete textarea.dataset.tabLeaves);
    textarea.jsonEditor = editor;
    editor.refresh();
    return editor;
  }

  window.PosternJsonEditor = { enhance, parse };
  document.querySelectorAll("textarea[data-json-editor]").forEach(enhance);
})();
