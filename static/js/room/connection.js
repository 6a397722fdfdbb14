// One WebSocket per participant, reconnected with backoff; after every (re)connect the
// server sends a fresh snapshot, so the page resyncs by itself.
// Short enough that a client is back within a few seconds of a restarted server; the jitter
// below spreads a crowd of reconnecting clients out.
const MAX_BACKOFF_MS = 2000;
// Sent after accept when access is withdrawn; a refusal before accept reaches the browser
// only as a failed handshake, which checkAccess() tells apart from a network problem.
const CLOSE_FORBIDDEN = 4403;
// The room is already open in too many tabs: retrying would only be refused again (the
// server's error message, shown as a toast, says so).
const CLOSE_TOO_MANY_CONNECTIONS = 4429;
// Under load the server refuses a message with a "busy" error and a retry hint
// (core/busy.py). The refused messages are sent again, in their order, after the hint or
// this backoff (doubling while refusals keep coming, up to the cap), whichever is longer.
const BUSY_BACKOFF_MS = 500;
const MAX_BUSY_BACKOFF_MS = 5000;
const BUSY_RESET_MS = 10000;
// What the server sheds rather than refuses (the next one replaces it), and the heartbeat.
const NOT_RESENT = new Set(["ping", "diagram.select", "diagram.view"]);
// Messages sent lately, the ones a busy answer can be about; the server answers within this.
const REMEMBERED = 100;
// Sending the backlog goes on without an answer that has not come in this long.
const AWAIT_ANSWER_MS = 10000;

export class RoomConnection {
  // heartbeatMs: how often to ping, as the server counts presence (interview.models).
  constructor({ url, accessUrl, heartbeatMs, onMessage, onState, onLeave, clock }) {
    this.url = url;
    this.heartbeatMs = heartbeatMs;
    this.accessUrl = accessUrl;
    this.onMessage = onMessage;
    this.onState = onState;
    this.onLeave = onLeave;
    this.clock = clock;
    this.attempt = 0;
    this.socket = null;
    this.stopped = false;
    this.pingSentAt = null;
    this.remembered = []; // {seq, message} sent lately, that a busy answer may refuse
    this.backlog = []; // {seq, message} refused as busy (or made after), in the order made
    this.sequence = 0;
    this.awaiting = null; // the answer sending the backlog waits for before it goes on
    this.busyCount = 0;
    this.busyAt = 0;
    window.addEventListener("online", () => this.reconnectNow());
    // Say goodbye when the page goes away, so the other side sees us leave at once rather
    // than when the server's ping times out.
    window.addEventListener("pagehide", () => {
      // Last words first: the socket sends them before its close frame.
      this.onLeave?.();
      this.stopped = true;
      if (this.socket) this.socket.close(1000, "page closed");
    });
    // Back from the browser's page cache: that closed socket needs replacing.
    window.addEventListener("pageshow", (event) => {
      if (!event.persisted) return;
      this.stopped = false;
      this.connect();
    });
  }

  connect() {
    if (this.stopped) return;
    this.onState(this.attempt === 0 ? "connecting" : "reconnecting");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    // A new socket may reach another server process: measure its clock afresh.
    this.clock.reset();
    let opened = false;
    const current = () => this.socket === socket && !this.stopped;
    socket.addEventListener("open", () => {
      if (!current()) return;
      opened = true;
      this.onState("connected");
      this.startHeartbeat();
    });
    socket.addEventListener("message", (event) => {
      if (current()) this.receive(event.data);
    });
    socket.addEventListener("close", (event) => {
      if (!current()) return;
      this.stopHeartbeat();
      // The next snapshot makes each part of the page send again what is not yet saved.
      this.forgetBusy();
      if (event.code === CLOSE_FORBIDDEN) {
        this.stop("denied");
        return;
      }
      if (event.code === CLOSE_TOO_MANY_CONNECTIONS) {
        this.stop("elsewhere");
        return;
      }
      if (!opened) this.checkAccess();
      this.scheduleReconnect();
    });
  }

  // A refused handshake looks like a network error to the browser; ask the API whether we
  // still have access so a removed participant is told, rather than retried forever.
  async checkAccess() {
    try {
      const response = await fetch(this.accessUrl, { credentials: "same-origin" });
      if (response.status === 401) this.stop("signedout");
      if (response.status === 403 || response.status === 404) this.stop("denied");
    } catch {
      // Offline: keep retrying.
    }
  }

  stop(state) {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.stopHeartbeat();
    this.onState(state);
    if (this.socket) this.socket.close();
  }

  scheduleReconnect() {
    this.attempt += 1;
    const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** (this.attempt - 1));
    const delay = base / 2 + Math.random() * (base / 2);
    this.onState("reconnecting");
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  // The browser is back online: skip the rest of the backoff wait.
  reconnectNow() {
    if (this.stopped || (this.socket && this.socket.readyState !== WebSocket.CLOSED)) return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  startHeartbeat() {
    this.ping();
    this.heartbeat = setInterval(() => this.ping(), this.heartbeatMs);
  }

  stopHeartbeat() {
    clearInterval(this.heartbeat);
    clearTimeout(this.pongTimer);
  }

  ping() {
    this.pingSentAt = Date.now();
    this.send({ type: "ping" });
    // No pong in time: the link is dead even if the browser has not noticed yet.
    clearTimeout(this.pongTimer);
    this.pongTimer = setTimeout(() => this.socket && this.socket.close(), this.heartbeatMs / 2);
  }

  receive(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (message.type === "pong") {
      clearTimeout(this.pongTimer);
      this.clock.observeRoundTrip(this.pingSentAt, message.server_now, Date.now());
    } else if (message.server_now) {
      this.clock.observe(message.server_now);
    }
    // Backoff restarts only once the server has proved itself by sending a snapshot; a
    // server that accepts and then fails keeps the growing delay.
    if (message.type === "snapshot") this.attempt = 0;
    if (message.type === "error" && message.code === "busy") this.refusedBusy(message);
    else if (this.awaiting && answerKey(message) === this.awaiting) this.answered();
    this.onMessage(message);
  }

  // The server refused one of our messages as busy: send it again later, in its place among
  // those made after it.
  refusedBusy(error) {
    const key = answerKey(error);
    const index = this.remembered.findIndex(
      ({ message }) => message.type === error.request && answerKey(message) === key,
    );
    if (index < 0) return;
    this.queue(this.remembered.splice(index, 1)[0]);
    if (this.awaiting === key) this.answered({ drain: false });
    // The rest of a round (the server refuses what follows a refusal too) waits for the same
    // flush; only a new round doubles the backoff.
    if (this.flushTimer) return;
    const now = Date.now();
    this.busyCount = now - this.busyAt > BUSY_RESET_MS ? 1 : this.busyCount + 1;
    this.busyAt = now;
    const backoff = Math.min(MAX_BUSY_BACKOFF_MS, BUSY_BACKOFF_MS * 2 ** (this.busyCount - 1));
    const delay = Math.max(error.retry_after_ms ?? 0, backoff * (1 + Math.random() / 2));
    this.flushTimer = setTimeout(() => this.flush(), delay);
  }

  // Into the backlog in the order made; a newer save of the same notes replaces one waiting.
  queue(entry) {
    const { message } = entry;
    if (message.type === "notes.save") {
      this.backlog = this.backlog.filter(
        ({ message: queued }) => !(queued.type === "notes.save" && queued.kind === message.kind),
      );
    }
    const at = this.backlog.findIndex((queued) => queued.seq > entry.seq);
    this.backlog.splice(at < 0 ? this.backlog.length : at, 0, entry);
  }

  flush() {
    this.flushTimer = null;
    this.drain();
  }

  // What waits goes one answered message at a time: the server takes a socket's messages one
  // after another anyway, and a backlog sent at once would only wait in its queue, or be
  // refused whole.
  drain() {
    while (this.backlog.length && !this.awaiting && this.open) {
      const entry = this.backlog.shift();
      this.transmit(entry);
      this.awaiting = answerKey(entry.message);
      if (this.awaiting) this.awaitTimer = setTimeout(() => this.answered(), AWAIT_ANSWER_MS);
    }
  }

  answered({ drain = true } = {}) {
    clearTimeout(this.awaitTimer);
    this.awaiting = null;
    if (drain && !this.flushTimer) this.drain();
  }

  forgetBusy() {
    clearTimeout(this.flushTimer);
    clearTimeout(this.awaitTimer);
    this.flushTimer = null;
    this.awaiting = null;
    this.backlog = [];
    this.remembered = [];
  }

  get open() {
    return Boolean(this.socket) && this.socket.readyState === WebSocket.OPEN;
  }

  send(message) {
    if (!this.open) return false;
    const entry = { seq: (this.sequence += 1), message };
    // Behind what waits to be sent again, so that the server applies it after those.
    if ((this.backlog.length || this.awaiting) && !NOT_RESENT.has(message.type)) this.queue(entry);
    else this.transmit(entry);
    return true;
  }

  transmit(entry) {
    if (!this.open) return;
    this.socket.send(JSON.stringify(entry.message));
    if (NOT_RESENT.has(entry.message.type)) return;
    this.remembered.push(entry);
    if (this.remembered.length > REMEMBERED) this.remembered.shift();
  }
}

// What ties a message to its answer (applied, saved, refused): its op id or save id.
function answerKey(message) {
  if (message.client_op_id === undefined && message.save_id === undefined) return null;
  return `${message.client_op_id ?? ""} ${message.save_id ?? ""}`;
}
