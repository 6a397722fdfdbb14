// Saves that must reach the database. The latest message per key is kept until the server
// answers "saved" for it (after the commit), is sent again after every reconnect, and is
// dropped only when the server refuses it. So "Saved" on screen is the truth, and nothing
// typed while offline or during a server restart is lost.
let nextId = 0;

export class Outbox {
  constructor(connection, onStatus) {
    this.connection = connection;
    this.onStatus = onStatus;
    this.unsaved = new Map(); // key -> {message, saveId}
  }

  has(key) {
    return this.unsaved.has(key);
  }

  // Whether it could be handed to the socket (it is kept to send again either way).
  put(key, message) {
    nextId += 1;
    const entry = { message, saveId: `s${nextId}` };
    this.unsaved.set(key, entry);
    return this.send(entry);
  }

  send(entry) {
    const sent = this.connection.send({ ...entry.message, save_id: entry.saveId });
    this.onStatus(sent ? "Saving…" : "Offline: saved when the connection is back");
    return sent;
  }

  // What is not yet acknowledged, for a request that outlives the page.
  messages() {
    return [...this.unsaved.values()].map((entry) => entry.message);
  }

  // After a (re)connect: whatever was not acknowledged may be missing from the snapshot.
  resend() {
    for (const entry of this.unsaved.values()) this.send(entry);
  }

  // The server's answer to one save: committed, or refused (with the error message).
  answered(saveId, refusal) {
    for (const [key, entry] of this.unsaved) {
      if (entry.saveId !== saveId) continue;
      this.unsaved.delete(key);
      if (refusal) {
        this.onStatus(`Not saved: ${refusal}`);
        return;
      }
    }
    if (!refusal && this.unsaved.size === 0) this.onStatus("Saved");
  }
}
