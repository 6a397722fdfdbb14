// A notes pad saved as you type (debounced) and updated live from the other side.
const SAVE_DELAY_MS = 600;
const RETRY_MS = 2000;

export class NotesPad {
  constructor(textarea, connection) {
    this.textarea = textarea;
    this.kind = textarea.dataset.kind;
    this.connection = connection;
    this.status = document.querySelector(`.save-state[data-for="${textarea.id}"]`);
    this.dirty = false; // edited since the last send
    this.inFlight = new Set(); // the save_id of each save sent, not yet acknowledged as committed
    this.sent = 0;
    if (!textarea.readOnly) textarea.addEventListener("input", () => this.changed());
  }

  get unsaved() {
    return this.dirty || this.inFlight.size > 0;
  }

  changed() {
    this.dirty = true;
    this.setStatus("Saving…");
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(), SAVE_DELAY_MS);
  }

  save() {
    clearTimeout(this.timer);
    this.sent += 1;
    const saveId = `notes-${this.kind}-${this.sent}`;
    if (this.connection.send({ type: "notes.save", kind: this.kind, text: this.textarea.value, save_id: saveId })) {
      this.dirty = false;
      this.inFlight.add(saveId);
      this.setStatus("Saving…");
    } else {
      this.dirty = true;
      this.setStatus("Offline; your notes will be saved when the connection is back");
      this.timer = setTimeout(() => this.save(), RETRY_MS);
    }
  }

  // Now rather than after a pause in typing (the page is going away); false if the text could
  // not be handed to the socket.
  flush() {
    if (this.dirty) this.save();
    return !this.dirty;
  }

  // What is not yet acknowledged, for a request that outlives the page.
  messages() {
    return this.unsaved ? [{ type: "notes.save", kind: this.kind, text: this.textarea.value }] : [];
  }

  // A fresh snapshot after (re)connecting. Text typed or sent but never acknowledged may be
  // missing from it, so that text is sent again instead of being replaced.
  resync(text) {
    if (this.unsaved) {
      this.inFlight.clear();
      this.save();
    } else {
      this.remote(text);
    }
  }

  // Another tab or the other participant saved. Local unsaved text wins.
  remote(text) {
    if (this.unsaved || this.textarea.value === text) return;
    const { selectionStart, selectionEnd } = this.textarea;
    this.textarea.value = text;
    this.textarea.setSelectionRange(selectionStart, selectionEnd);
  }

  // The server committed one of our saves ("saved"), or refused it (an error: too long, say,
  // and the text stays here to be fixed). False if `saveId` is not one of this pad's.
  answered(saveId, refused = false) {
    if (!this.inFlight.delete(saveId)) return false;
    if (refused) {
      this.dirty = true;
      this.setStatus("Not saved");
    } else if (!this.unsaved) {
      this.setStatus("Saved");
    }
    return true;
  }

  setStatus(text) {
    if (this.status) this.status.textContent = text;
  }
}
