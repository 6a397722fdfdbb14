// Nothing typed is lost when the page goes away. Saves that wait for a pause in typing are
// sent at once when the page is hidden or left; a socket sends what it was given before it
// closes, so those reach the server in order. What cannot go by the socket (it is down) goes
// by a keepalive request to the REST API, which outlives the page. And if something could
// not be sent at all (the browser is offline), the browser asks before the page is left.
export class LeaveGuard {
  constructor({ connection, roomId }) {
    this.connection = connection;
    this.roomId = roomId;
    this.sources = []; // each: flush() -> whether it reached a socket, unsaved, messages()
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.flush();
    });
    window.addEventListener("beforeunload", (event) => {
      if (this.flush()) return;
      event.preventDefault();
      event.returnValue = "";
    });
  }

  add(source) {
    this.sources.push(source);
  }

  // Send everything waiting now; true when nothing is left that the socket could not take.
  flush() {
    return this.sources.map((source) => source.flush()).every(Boolean) && this.connection.open;
  }

  // The page is going: whatever is not acknowledged and could not go by the socket goes by
  // keepalive requests. Called before the socket closes.
  leave() {
    if (this.flush()) return;
    const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
    for (const source of this.sources) {
      for (const message of source.messages()) {
        const request = restRequest(this.roomId, message);
        if (!request) continue;
        fetch(request.url, {
          method: request.method,
          keepalive: true,
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
          body: JSON.stringify(request.body),
        });
      }
    }
  }
}

// The REST call that saves what a socket message would.
function restRequest(roomId, message) {
  const room = `/api/rooms/${roomId}`;
  const { type, ...fields } = message;
  switch (type) {
    case "notes.save":
      return { method: "PUT", url: `${room}/notes/${fields.kind}/`, body: { text: fields.text } };
    case "scoring.score": {
      const { dimension, level, comment, node_ids } = fields;
      return { method: "PUT", url: `${room}/scores/${dimension}/`, body: { level, comment, node_ids } };
    }
    case "scoring.feedback":
      return { method: "PATCH", url: `${room}/feedback/`, body: fields };
    case "self.rate": {
      const { dimension, level, comment } = fields;
      return { method: "PUT", url: `${room}/self-assessment/${dimension}/`, body: { level, comment } };
    }
    default:
      return null; // sharing is a deliberate click, seen acknowledged or not
  }
}
