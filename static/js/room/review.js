// The design review: the checks' findings on the diagram and how it covers the problem's
// reference diagram. The rules are the server's (diagrams/review.py); this view asks for them
// when the diagram changes while it is on screen, and draws the answer with the diagram's
// own labels. Only what the server answers is shown, and it answers the candidate only once
// the interviewer has shared the review with the feedback.
const ASK_DELAY_MS = 400;
const STATUS = {
  present: { mark: "✓", text: "Present" },
  partial: { mark: "◐", text: "Partly there" },
  missing: { mark: "✗", text: "Missing" },
};

function element(tag, { className, text } = {}) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

export class ReviewView {
  // `isVisible()`: whether anyone can see the view now; `select(ids)`: show blocks on the canvas.
  constructor(root, connection, { isVisible, select }) {
    this.root = root;
    this.connection = connection;
    this.isVisible = isVisible;
    this.select = select;
    this.labels = new Map(); // block id -> label, from the diagram as it stands here
    this.version = null; // the diagram's version here
    this.shown = null; // the version of the review on screen
    this.timer = null;
    this.open = true; // false while the server refuses it (the candidate, before sharing)
  }

  // The diagram changed here (an op, a snapshot): ask again once changes pause.
  changed(graph, version) {
    this.labels = new Map(graph.nodes.map((node) => [node.id, node.label]));
    this.version = version;
    this.refresh();
  }

  // Ask now if the review is on screen and older than the diagram.
  refresh() {
    if (!this.open || !this.isVisible() || this.shown === this.version) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connection.send({ type: "review" }), ASK_DELAY_MS);
    this.root.dataset.state = "updating";
  }

  // Opened to this viewer (again), or closed: the candidate's follows the shared feedback.
  setOpen(open) {
    this.open = open;
    this.shown = null;
    if (!open) {
      clearTimeout(this.timer);
      this.root.replaceChildren();
    }
    this.refresh();
  }

  receive(review) {
    if (!this.open) return;
    this.shown = review.version;
    this.root.dataset.state = review.version === this.version ? "current" : "updating";
    this.root.dataset.version = review.version;
    this.root.replaceChildren(this.summary(review), ...this.findings(review.findings), ...this.coverage(review));
    // The diagram may have moved on while this was on its way.
    if (review.version !== this.version) this.refresh();
  }

  refused(error) {
    this.root.dataset.state = "refused";
    this.root.replaceChildren(element("p", { className: "muted", text: error.message }));
  }

  summary(review) {
    const found = review.findings.length;
    const parts = [found ? `${found} finding${found === 1 ? "" : "s"}` : "No findings"];
    if (review.covered !== null) parts.push(`covers ${Math.round(review.covered * 100)}% of the reference diagram`);
    return element("p", { className: "review-summary", text: `${parts.join(", ")}.` });
  }

  findings(findings) {
    const heading = element("h3", { text: "Findings" });
    if (!findings.length) {
      return [heading, element("p", { className: "muted", text: "The checks found nothing to ask about." })];
    }
    const list = element("ol", { className: "findings" });
    for (const finding of findings) {
      const item = element("li", { className: "finding" });
      item.dataset.rule = finding.rule;
      item.append(element("p", { text: finding.finding }));
      if (finding.blocks.length) {
        const about = element("p", { className: "finding-blocks" });
        about.append(element("span", { className: "muted", text: "About: " }));
        for (const id of finding.blocks) {
          const chip = element("button", { className: "chip", text: this.labels.get(id) ?? id });
          chip.type = "button";
          chip.title = "Select it on the diagram";
          chip.addEventListener("click", () => this.select([id]));
          about.append(chip, " ");
        }
        item.append(about);
      }
      const ask = element("p", { className: "finding-question" });
      ask.append(element("em", { text: "Ask: " }), finding.question);
      item.append(ask);
      list.append(item);
    }
    return [heading, list];
  }

  coverage(review) {
    if (review.coverage === null) return [];
    const parts = [element("h3", { text: "Coverage of the reference" })];
    const phases = new Map();
    for (const item of review.coverage) {
      if (!phases.has(item.phase)) phases.set(item.phase, []);
      phases.get(item.phase).push(item);
    }
    for (const [phase, items] of phases) {
      const present = items.filter((item) => item.status === "present").length;
      parts.push(element("h4", { text: `${phase}: ${present} of ${items.length} present` }));
      const list = element("ul", { className: "coverage" });
      for (const item of items) {
        const row = element("li");
        row.dataset.status = item.status;
        row.append(
          element("span", { className: "coverage-mark", text: STATUS[item.status].mark }),
          " ",
          element("span", { className: "visually-hidden", text: `${STATUS[item.status].text}: ` }),
          item.label,
        );
        if (item.match && item.status !== "missing") {
          row.append(" ", element("span", { className: "muted", text: `as “${this.labels.get(item.match) ?? item.match}”` }));
        }
        list.append(row);
      }
      parts.push(list);
    }
    return parts;
  }
}
