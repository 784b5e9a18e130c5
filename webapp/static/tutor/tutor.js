// Explanations, hints and answers are written by a task; this fetches each one, polling while
// it is pending and showing the text as it grows while the model writes it.
"use strict";

const AUTHORED = {
  wrong_answer: "The course's authored explanation (the tutor model was unavailable).",
  asked: "The course's authored hint (the tutor model was unavailable, or its hint gave too much away).",
  question: "From the course notes (the tutor model was unavailable, or its reply gave the answer away).",
};

function showExplanation(section) {
  const url = section.dataset.explanationUrl;
  const status = section.querySelector(".explanation-status");
  const body = section.querySelector(".explanation-body");
  const source = section.querySelector(".explanation-source");
  let delay = 1000;

  async function poll() {
    let data;
    try {
      const reply = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!reply.ok) throw new Error(`HTTP ${reply.status}`);
      data = await reply.json();
    } catch (error) {
      status.textContent = "Could not reach the tutor; retrying…";
      setTimeout(poll, Math.min((delay *= 2), 10000));
      return;
    }
    if (data.status !== "done") {
      if (data.status === "writing") body.innerHTML = data.html; // sanitized on the server (nh3)
      setTimeout(poll, data.status === "writing" ? 400 : delay);
      return;
    }
    body.innerHTML = data.html; // sanitized on the server (nh3)
    status.remove();
    section.dataset.source = data.source;
    source.textContent =
      data.source === "model"
        ? `Written by the tutor model (${data.model_name}) from the course notes; it can make mistakes.`
        : AUTHORED[data.kind] || AUTHORED.wrong_answer;
  }
  poll();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-explanation-url]").forEach(showExplanation);
});
