// The file editor: go to the line a problem names, show the cursor's line, and check the
// text as it is typed (the server validates it and renders the preview; nothing is saved).
"use strict";

function lineStart(text, line) {
  let index = 0;
  for (let n = 1; n < line; n++) {
    const next = text.indexOf("\n", index);
    if (next === -1) return text.length;
    index = next + 1;
  }
  return index;
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("editor");
  const panel = document.getElementById("check");
  if (!form || !panel) return;
  const area = form.querySelector("textarea");
  const cursor = form.querySelector(".cursor");

  const showCursor = () => {
    const before = area.value.slice(0, area.selectionStart);
    cursor.textContent = `Line ${before.split("\n").length}, column ${before.length - before.lastIndexOf("\n")}`;
  };
  ["keyup", "click", "input", "focus"].forEach((event) => area.addEventListener(event, showCursor));

  const line = Number(new URLSearchParams(location.search).get("line"));
  if (line > 0) {
    const start = lineStart(area.value, line);
    const end = area.value.indexOf("\n", start);
    area.focus();
    area.setSelectionRange(start, end === -1 ? area.value.length : end);
    const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 20;
    area.scrollTop = Math.max(0, (line - 5) * lineHeight);
  }

  let timer = null;
  let sent = 0;
  area.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const body = new FormData(form);
      body.set("action", "check");
      body.set("fragment", "1");
      const mine = ++sent;
      try {
        const reply = await fetch(location.pathname, { method: "POST", body, credentials: "same-origin" });
        if (reply.ok && mine === sent) panel.innerHTML = await reply.text(); // rendered and sanitized on the server
      } catch (error) {
        // Offline or the server is busy: the Check button still works.
      }
    }, 600);
  });
});
