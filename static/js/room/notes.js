// A notes pad saved as you type (debounced) and updated live from the other side.
const SAVE_DELAY_MS = 600;

export class NotesPad {
  constructor(textarea, connection) {
    this.textarea = textarea;
    this.kind = textarea.dataset.kind;
    this.connection = connection;
    this.status = document.querySelector(`.save-state[data-for="${textarea.id}"]`);
    this.dirty = false;
    if (!textarea.readOnly) textarea.addEventListener("input", () => this.changed());
  }

  changed() {
    this.dirty = true;
    this.setStatus("Saving…");
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(), SAVE_DELAY_MS);
  }

  save() {
    if (this.connection.send({ type: "notes.save", kind: this.kind, text: this.textarea.value })) {
      this.dirty = false;
      this.setStatus("Saving…");
    } else {
      // Offline: keep the text and try again; the reconnect snapshot will not overwrite it.
      this.setStatus("Offline, will save when reconnected");
      this.timer = setTimeout(() => this.save(), 2000);
    }
  }

  // From a snapshot or another tab. Local edits not yet sent win over the server copy.
  remote(text) {
    if (this.dirty || this.textarea.value === text) return;
    const { selectionStart, selectionEnd } = this.textarea;
    this.textarea.value = text;
    this.textarea.setSelectionRange(selectionStart, selectionEnd);
  }

  // The server committed our latest text.
  saved() {
    if (!this.dirty) this.setStatus("Saved");
  }

  setStatus(text) {
    if (this.status) this.status.textContent = text;
  }
}
