// The interviewer's scoring panel (saved as they type) and the candidate's view of shared feedback.
import { Outbox } from "./outbox.js";

const SAVE_DELAY_MS = 600;
const FEEDBACK_FIELDS = ["recommendation", "summary", "strengths", "improvements"];

// Saves that wait for typing to pause. A key with a save still waiting is being edited here,
// so states arriving from the server must not overwrite its field.
class PendingSaves {
  constructor() {
    this.timers = new Map(); // key -> {timer, save}
  }

  later(key, save) {
    clearTimeout(this.timers.get(key)?.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      save();
    }, SAVE_DELAY_MS);
    this.timers.set(key, { timer, save });
  }

  // Every waiting save, now (the page is going away).
  flush() {
    const waiting = [...this.timers.values()];
    this.timers.clear();
    for (const { timer, save } of waiting) {
      clearTimeout(timer);
      save();
    }
  }

  has(key) {
    return this.timers.has(key);
  }

  get waiting() {
    return this.timers.size > 0;
  }
}

// A rubric dimension's fieldset as the server takes it: the dimension, its level, a comment.
function rating(fieldset) {
  const checked = fieldset.querySelector("input[type=radio]:checked");
  return {
    dimension: fieldset.dataset.dimension,
    level: checked ? Number(checked.value) : null,
    comment: fieldset.querySelector("textarea").value,
  };
}

export class ScoringPanel {
  constructor(form, connection) {
    this.form = form;
    this.pending = new PendingSaves(); // keyed by dimension or feedback field
    this.status = form.querySelector("#scoring-save-state");
    // "Saved" only once nothing waits either: an ack may land while another field's save
    // still waits for typing to pause.
    this.outbox = new Outbox(connection, (text) => {
      this.status.textContent = text === "Saved" && this.pending.waiting ? "Saving…" : text;
    });
    this.share = form.querySelector("#feedback-share");
    this.shared = false;
    for (const fieldset of form.querySelectorAll("[data-dimension]")) {
      const send = () => this.sendScore(fieldset);
      fieldset.querySelectorAll("input[type=radio], select").forEach((el) => el.addEventListener("change", send));
      fieldset.querySelector("textarea").addEventListener("input", () => this.later(fieldset.dataset.dimension, send));
    }
    for (const name of FEEDBACK_FIELDS) {
      const field = form.elements[name];
      const send = () => this.outbox.put(name, { type: "scoring.feedback", [name]: field.value });
      if (field.tagName === "SELECT") field.addEventListener("change", send);
      else field.addEventListener("input", () => this.later(name, send));
    }
    this.withReview = form.querySelector("#feedback-share-review");
    const share = (shared) =>
      this.outbox.put("share", { type: "scoring.share", shared, review: this.withReview.checked });
    this.share.addEventListener("click", () => share(!this.shared));
    // Ticked or unticked while shared: the candidate gains or loses the review at once.
    this.withReview.addEventListener("change", () => this.shared && share(true));
  }

  later(key, send) {
    this.status.textContent = "Saving…";
    this.pending.later(key, send);
  }

  // Now rather than after a pause in typing; false if something could not reach the socket.
  flush() {
    this.pending.flush();
    return this.outbox.unsaved.size === 0 || this.outbox.connection.open;
  }

  messages() {
    return this.outbox.messages();
  }

  editing(key) {
    return this.pending.has(key) || this.outbox.has(key);
  }

  sendScore(fieldset) {
    this.outbox.put(fieldset.dataset.dimension, {
      type: "scoring.score",
      ...rating(fieldset),
      node_ids: [...fieldset.querySelector("select").selectedOptions].map((o) => o.value),
    });
  }

  // From the snapshot or another tab; fields being edited here are left alone.
  update(scoring) {
    for (const fieldset of this.form.querySelectorAll("[data-dimension]")) {
      const score = scoring.scores[fieldset.dataset.dimension];
      const editing = fieldset.contains(document.activeElement) || this.editing(fieldset.dataset.dimension);
      if (!score || editing) continue;
      for (const radio of fieldset.querySelectorAll("input[type=radio]")) radio.checked = Number(radio.value) === score.level;
      fieldset.querySelector("textarea").value = score.comment;
      for (const option of fieldset.querySelector("select").options) option.selected = score.node_ids.includes(option.value);
    }
    for (const name of FEEDBACK_FIELDS) {
      const field = this.form.elements[name];
      if (document.activeElement !== field && !this.editing(name)) field.value = scoring[name];
    }
    this.shared = Boolean(scoring.shared_at);
    if (this.shared && !this.editing("share")) this.withReview.checked = scoring.review_shared;
    this.share.textContent = this.shared ? "Unshare" : "Share feedback";
    this.share.setAttribute("aria-pressed", this.shared);
    const review = scoring.review_shared ? ", and the design review" : "";
    this.form.querySelector("#feedback-shared-state").textContent = this.shared
      ? `Shared: the candidate sees the scores and verdict${review} (never your private notes).`
      : "Not shared: the candidate sees none of this.";
  }

  // The candidate's own ratings, shown beside each dimension once they give them.
  selfRatings(selfAssessment) {
    for (const fieldset of this.form.querySelectorAll("[data-dimension]")) {
      const rating = selfAssessment?.dimensions.find((d) => d.key === fieldset.dataset.dimension);
      let line = fieldset.querySelector(".self-rating");
      if (!line) {
        line = Object.assign(document.createElement("p"), { className: "self-rating muted small" });
        fieldset.querySelector("legend").after(line);
      }
      line.hidden = !rating?.level;
      line.textContent = rating?.level
        ? `Candidate's own rating: ${rating.level} / 4.${rating.comment ? ` “${rating.comment}”` : ""}`
        : "";
    }
  }

  // The node pickers follow the diagram.
  nodes(graph) {
    for (const select of this.form.querySelectorAll("select[name=node_ids]")) {
      const chosen = new Set([...select.selectedOptions].map((o) => o.value));
      select.replaceChildren(
        ...graph.nodes.map((n) => Object.assign(new Option(n.label, n.id), { selected: chosen.has(n.id) })),
      );
    }
  }
}

export function showFeedback(body, tab, feedback, labels) {
  tab.hidden = !feedback;
  if (!feedback) {
    body.replaceChildren();
    if (tab.getAttribute("aria-selected") === "true") document.getElementById("tab-notes").click();
    return;
  }
  const el = (tag, text, className) => Object.assign(document.createElement(tag), { textContent: text, className });
  const parts = [el("h3", "Feedback from your interviewer")];
  if (feedback.recommendation) parts.push(el("p", `Recommendation: ${labels[feedback.recommendation]}`, "verdict"));
  for (const [title, key] of [["Summary", "summary"], ["Strengths", "strengths"], ["To improve", "improvements"]]) {
    if (feedback[key]) parts.push(el("h4", title), el("p", feedback[key]));
  }
  const list = el("dl", "", "shared-scores");
  for (const score of Object.values(feedback.scores)) {
    list.append(el("dt", `${score.name}: ${score.level ? `${score.level} / 4` : "not scored"}`));
    if (score.comment) list.append(el("dd", score.comment));
  }
  parts.push(el("h4", "By dimension"), list);
  body.replaceChildren(...parts);
}

// The candidate's self-assessment after the interview: a level and a comment per dimension.
export class SelfAssessmentForm {
  constructor(pane, tab, connection) {
    this.pane = pane;
    this.tab = tab;
    this.pending = new PendingSaves();
    this.status = Object.assign(document.createElement("p"), { className: "save-state muted" });
    this.status.setAttribute("aria-live", "polite");
    this.outbox = new Outbox(connection, (text) => (this.status.textContent = text));
  }

  update(selfAssessment) {
    this.tab.hidden = !selfAssessment;
    if (!selfAssessment) return;
    if (!this.pane.childElementCount) this.build(selfAssessment.dimensions);
    for (const dimension of selfAssessment.dimensions) {
      const fieldset = this.pane.querySelector(`[data-dimension="${dimension.key}"]`);
      const editing = this.pending.has(dimension.key) || this.outbox.has(dimension.key);
      if (fieldset.contains(document.activeElement) || editing) continue;
      for (const radio of fieldset.querySelectorAll("input")) radio.checked = Number(radio.value) === dimension.level;
      fieldset.querySelector("textarea").value = dimension.comment;
    }
  }

  build(dimensions) {
    const intro = document.createElement("p");
    intro.className = "muted";
    intro.textContent = "How do you think it went? Rate yourself; your interviewer sees this beside their scores.";
    this.pane.append(intro);
    for (const dimension of dimensions) {
      const fieldset = document.createElement("fieldset");
      fieldset.className = "rubric-dimension";
      fieldset.dataset.dimension = dimension.key;
      const legend = Object.assign(document.createElement("legend"), { textContent: dimension.name });
      const about = Object.assign(document.createElement("p"), { className: "muted", textContent: dimension.description });
      const levels = document.createElement("div");
      levels.className = "levels";
      levels.setAttribute("role", "radiogroup");
      levels.setAttribute("aria-label", `My level for ${dimension.name}`);
      // The interviewer's scale, each level with what it means.
      dimension.levels.forEach((meaning, index) => {
        const label = document.createElement("label");
        label.className = "level-option";
        const radio = Object.assign(document.createElement("input"), {
          type: "radio",
          name: `self-${dimension.key}`,
          value: index + 1,
        });
        const number = Object.assign(document.createElement("span"), { className: "level", textContent: index + 1 });
        label.append(radio, number, ` ${meaning}`);
        levels.append(label);
      });
      const comment = Object.assign(document.createElement("textarea"), { rows: 2, maxLength: 5000 });
      const commentLabel = Object.assign(document.createElement("label"), { className: "field-label" });
      commentLabel.append("Comment", comment);
      fieldset.append(legend, about, levels, commentLabel);
      const send = () => this.send(fieldset);
      levels.addEventListener("change", send);
      comment.addEventListener("input", () => this.pending.later(dimension.key, send));
      this.pane.append(fieldset);
    }
    this.pane.append(this.status);
  }

  send(fieldset) {
    this.outbox.put(fieldset.dataset.dimension, { type: "self.rate", ...rating(fieldset) });
  }

  flush() {
    this.pending.flush();
    return this.outbox.unsaved.size === 0 || this.outbox.connection.open;
  }

  messages() {
    return this.outbox.messages();
  }
}
