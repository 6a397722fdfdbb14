// The diagram as text, beside the drawing. What is typed is previewed on the canvas after a
// pause, and applied as a merge (diagrams.merge on the server): the text's changes since it
// was opened go onto the diagram as it is now, so what the other side did meanwhile survives;
// only where both changed one thing does it ask which to keep, line by line.
import { newId } from "./graph.js";
import { toast } from "./toast.js";

// How long typing pauses before the drawing previews the text; a change by the other side
// is merged into the preview sooner (bursts of ops still coalesce).
const PREVIEW_AFTER_MS = 400;
const REMERGE_AFTER_MS = 100;
// The server names a bad line as "line N: what is wrong".
const AT_LINE = /^line (\d+): /;

export class TextView {
  constructor({ root, connection, editor, draftKey }) {
    this.connection = connection;
    this.editor = editor;
    // Text typed but not applied is kept by the tab: closing the view or reloading keeps it.
    this.draftKey = draftKey;
    this.el = Object.fromEntries(
      ["view", "input", "lines", "status", "errors", "conflicts", "apply", "revert", "close"].map((name) => [
        name,
        root.querySelector(`#diagram-text-${name}`),
      ]),
    );
    this.version = null; // the version the text was opened at: what the merge starts from
    this.dirty = false; // typed since it was opened, and not yet applied
    this.importing = null; // the client_op_id of the import awaiting its answer
    this.applying = null; // the version our applied text made, until the editor has it
    this.previewed = null; // the text the last preview request was for
    this.conflicts = [];
    this.choices = new Map(); // conflict key -> "mine" | "theirs"
    this.errors = new Map(); // line number -> what is wrong with it
    const draft = this.recalled();
    if (draft) {
      this.el.input.value = draft.text;
      this.version = draft.version;
      this.dirty = true;
    }
    this.bind();
  }

  get open() {
    return !this.el.view.hidden;
  }

  bind() {
    const input = this.el.input;
    input.addEventListener("input", () => {
      this.dirty = true;
      this.errors.clear();
      this.el.errors.replaceChildren();
      this.remember();
      this.renderLines();
      this.schedulePreview();
    });
    input.addEventListener("scroll", () => (this.el.lines.scrollTop = input.scrollTop));
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) this.apply();
      if (event.key === "Escape") this.toggle();
    });
    // The text box's width follows the view's: lines wrap again, so their numbers move.
    new ResizeObserver(() => this.renderLines()).observe(input);
    this.el.apply.addEventListener("click", () => this.apply());
    this.el.revert.addEventListener("click", () => this.revert());
    this.el.close.addEventListener("click", () => this.toggle());
    this.el.conflicts.addEventListener("change", (event) => {
      const item = event.target.closest("li[data-key]");
      if (!item) return;
      this.choices.set(item.dataset.key, event.target.value);
      this.schedulePreview(0);
    });
    this.el.errors.addEventListener("click", (event) => {
      const line = event.target.closest("[data-line]")?.dataset.line;
      if (line) this.selectLine(Number(line));
    });
  }

  toggle() {
    const view = this.el.view;
    view.hidden = !view.hidden;
    if (view.hidden) {
      clearTimeout(this.timer);
      this.editor.showPreview(null);
      this.editor.el.svg.focus();
      return;
    }
    if (this.importing || this.dirty) {
      // Text typed earlier (before closing, or before a reload) is shown again; opened again
      // before an Apply's answer came, the text is still on its way, so it is not previewed.
      this.status(
        this.importing ? "Applying…" : "Your text is not applied yet: Apply (Ctrl+Enter) merges it into the diagram",
      );
      this.renderLines();
      this.el.input.focus();
      if (!this.importing) this.schedulePreview(0);
    } else {
      this.fetch({ wait: true });
    }
  }

  // Ask for the diagram's own text. On opening, the box is read-only until it comes, so that
  // nothing typed is mixed into it; later, what is typed meanwhile wins and the answer is
  // dropped (the typed text merges from the version it was opened at).
  fetch({ wait = false } = {}) {
    if (wait) this.el.input.readOnly = true;
    this.connection.send({ type: "diagram.text" });
  }

  revert() {
    this.dirty = false;
    this.forget();
    this.clearMarks();
    this.editor.showPreview(null);
    this.status("");
    this.fetch({ wait: true });
  }

  // The diagram moved on: an unchanged text follows it; a typed one is previewed again, merged
  // with what changed.
  diagramChanged(version) {
    if (this.applying !== null && version >= this.applying) {
      // The diagram now holds our text: the preview of it is no longer needed.
      this.applying = null;
      this.editor.showPreview(null);
    }
    if (!this.open) return;
    if (this.dirty) this.schedulePreview(REMERGE_AFTER_MS);
    else if (this.version === null || this.version < version) this.fetch();
  }

  // A new connection: an import sent before it may or may not have been applied; its answer
  // is lost, and the preview says which (text already applied changes nothing).
  reconnected() {
    this.importing = null;
    if (this.open && this.dirty) this.schedulePreview(0);
  }

  schedulePreview(delay = PREVIEW_AFTER_MS) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.sendPreview(), delay);
  }

  sendPreview() {
    if (!this.open || !this.dirty || this.version === null) return;
    this.previewed = this.el.input.value;
    this.connection.send({
      type: "diagram.preview",
      text: this.previewed,
      base_version: this.version,
      choices: Object.fromEntries(this.choices),
    });
  }

  apply() {
    if (!this.editor.editable || this.version === null) return;
    const open = this.conflicts.filter((conflict) => !this.choices.has(conflict.key));
    if (open.length) {
      this.status(`Choose yours or theirs for ${open.length === 1 ? "the conflict" : "each conflict"} first`);
      this.el.conflicts.querySelector(`li[data-key="${CSS.escape(open[0].key)}"] input`)?.focus();
      return;
    }
    const clientOpId = newId("op");
    const message = {
      type: "diagram.import",
      text: this.el.input.value,
      base_version: this.version,
      client_op_id: clientOpId,
      choices: Object.fromEntries(this.choices),
    };
    if (this.connection.send(message)) {
      this.importing = clientOpId;
      this.sent = message.text;
      this.editor.pending.set(clientOpId, { op: null, purpose: "text", select: null });
      this.status("Applying…");
    } else {
      toast("Offline: your text is kept; apply it again once the connection is back", "warning");
    }
  }

  receive(message) {
    switch (message.type) {
      case "diagram.text":
        if (message.client_op_id) {
          if (message.client_op_id === this.importing) this.appliedAs(message);
        } else if (!this.dirty) {
          this.show(message.text, message.version);
        }
        if (this.el.input.readOnly) {
          this.el.input.readOnly = false;
          if (this.open) this.el.input.focus();
        }
        break;
      case "diagram.conflicts":
        if (message.client_op_id !== this.importing) break;
        this.importing = null;
        this.editor.pending.delete(message.client_op_id);
        this.showConflicts(message.conflicts);
        this.status("Not applied: both of you changed what is marked; choose which to keep, then Apply again");
        this.el.conflicts.querySelector("input")?.focus();
        break;
      case "diagram.preview":
        // Only the answer for the text as it stands, from where it was opened.
        if (!this.open || !this.dirty || message.base_version !== this.version) break;
        if (this.previewed !== this.el.input.value) break;
        this.errors.clear();
        this.el.errors.replaceChildren();
        this.editor.showPreview(message.graph);
        this.showConflicts(message.conflicts);
        this.status(
          message.conflicts.length
            ? "Preview, with theirs where both of you changed something: choose below"
            : "Preview of your text, merged with the diagram: Apply (Ctrl+Enter) to make it so",
        );
        break;
    }
  }

  // Our text was applied: the view now shows the text as typed if it says what the diagram
  // holds, else the diagram's own text (with the other side's changes merged in). What was
  // typed while the answer was on its way stays instead, to be merged: from the version that
  // holds the sent text when the diagram holds just that, else from where the text was opened
  // (the box does not show the other side's changes), where what was sent counts as a change
  // both made alike.
  appliedAs(message) {
    this.importing = null;
    if (this.el.input.value !== this.sent) {
      if (message.text === this.sent) this.version = message.version;
      this.remember();
      this.schedulePreview(0);
    } else {
      this.dirty = false;
      this.forget();
      this.clearMarks();
      this.show(message.text, message.version);
    }
    // The preview showed what was applied: it stays until the editor has that version (the
    // answer may overtake the broadcast), so the drawing does not step back meanwhile.
    if (this.editor.version >= message.version) this.editor.showPreview(null);
    else this.applying = message.version;
    this.status("Applied");
  }

  // New text for the box, the caret and the view of it kept where they were.
  show(text, version) {
    const input = this.el.input;
    const [start, end, scroll] = [input.selectionStart, input.selectionEnd, input.scrollTop];
    input.value = text;
    if (document.activeElement === input) input.setSelectionRange(start, end);
    input.scrollTop = scroll;
    this.version = version;
    this.renderLines();
  }

  // The server refused a message of ours about the text: name each bad line at the line.
  refused(error) {
    if (error.request === "diagram.import") {
      this.importing = null;
      this.status("Not applied");
    } else {
      this.editor.showPreview(null);
      this.status("The drawing shows the diagram without your text until the text is fixed");
    }
    this.errors.clear();
    const items = error.message.split("\n").map((text) => {
      const line = Number(AT_LINE.exec(text)?.[1]);
      const item = document.createElement("li");
      if (line) {
        this.errors.set(line, text.replace(AT_LINE, ""));
        const button = Object.assign(document.createElement("button"), { type: "button", textContent: text });
        button.dataset.line = line;
        item.append(button);
      } else {
        item.textContent = text;
      }
      return item;
    });
    this.el.errors.replaceChildren(...items);
    this.renderLines();
  }

  showConflicts(conflicts) {
    this.conflicts = conflicts;
    // A choice is kept for as long as its conflict lasts.
    const keys = new Set(conflicts.map((conflict) => conflict.key));
    for (const key of this.choices.keys()) if (!keys.has(key)) this.choices.delete(key);
    const list = this.el.conflicts.querySelector("ul");
    // A preview's answer can redraw the list while a choice has the focus (the conflicts of an
    // Apply focus the first): the same choice of the same conflict keeps it.
    const focused = list.contains(document.activeElement) ? document.activeElement : null;
    const refocus = focused && { key: focused.closest("li").dataset.key, side: focused.value };
    list.replaceChildren(
      ...conflicts.map((conflict, index) => {
        const item = document.createElement("li");
        item.dataset.key = conflict.key;
        const where = Object.assign(document.createElement("span"), {
          className: "where",
          textContent: conflict.line ? `Line ${conflict.line}: ${conflict.about}` : `${conflict.about} (no longer in your text)`,
        });
        item.append(where);
        for (const [side, words] of [["mine", "Yours"], ["theirs", "Theirs"]]) {
          const label = document.createElement("label");
          const radio = Object.assign(document.createElement("input"), {
            type: "radio",
            name: `text-conflict-${index}`,
            value: side,
            checked: this.choices.get(conflict.key) === side,
          });
          label.append(radio, ` ${words}: `, Object.assign(document.createElement("q"), { textContent: conflict[side] }));
          item.append(label);
        }
        return item;
      }),
    );
    this.el.conflicts.hidden = conflicts.length === 0;
    if (refocus && keys.has(refocus.key)) {
      list.querySelector(`li[data-key="${CSS.escape(refocus.key)}"] input[value="${refocus.side}"]`).focus();
    }
    this.renderLines();
  }

  clearMarks() {
    this.errors.clear();
    this.choices.clear();
    this.el.errors.replaceChildren();
    this.showConflicts([]);
  }

  status(text) {
    this.el.status.textContent = text;
  }

  // The numbers and marks under the text box: one row per line, wrapped as the box wraps it.
  renderLines() {
    if (!this.open) return;
    const conflicted = new Set(this.conflicts.map((conflict) => conflict.line));
    const rows = this.el.input.value.split("\n").map((text, index) => {
      const number = index + 1;
      const row = document.createElement("div");
      row.className = "text-line";
      row.classList.toggle("error", this.errors.has(number));
      row.classList.toggle("conflict", conflicted.has(number));
      row.dataset.line = number;
      const label = Object.assign(document.createElement("span"), { className: "number", textContent: number });
      // An empty line still takes a line's height.
      row.append(label, text || "\u200b");
      return row;
    });
    this.el.lines.replaceChildren(...rows);
    this.el.lines.scrollTop = this.el.input.scrollTop;
  }

  selectLine(number) {
    const lines = this.el.input.value.split("\n");
    const start = lines.slice(0, number - 1).reduce((total, line) => total + line.length + 1, 0);
    const input = this.el.input;
    input.focus();
    input.setSelectionRange(start, start + (lines[number - 1]?.length ?? 0));
    const row = this.el.lines.querySelector(`[data-line="${number}"]`);
    if (row) input.scrollTop = Math.max(0, row.offsetTop - input.clientHeight / 3);
  }

  recalled() {
    try {
      const draft = JSON.parse(sessionStorage.getItem(this.draftKey));
      if (typeof draft?.text === "string" && Number.isInteger(draft.version)) return draft;
    } catch {
      // Unreadable or refused: no draft, as in a new tab.
    }
    return null;
  }

  remember() {
    try {
      sessionStorage.setItem(this.draftKey, JSON.stringify({ text: this.el.input.value, version: this.version }));
    } catch {
      // Storage full or refused: the text stays in the page until it is reloaded.
    }
  }

  forget() {
    try {
      sessionStorage.removeItem(this.draftKey);
    } catch {
      // Refused: nothing was kept either.
    }
  }
}
