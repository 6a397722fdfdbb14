// Graphviz layouts for the page, from its worker (layout-worker.js). Only the newest request
// matters: one that is superseded while it waits is never laid out. If Graphviz could not be
// loaded (the network dropped while the page fetched it), the next request starts afresh.
export class Layouter {
  constructor({ workerUrl, vizUrl }) {
    this.workerUrl = workerUrl;
    this.vizUrl = vizUrl;
    this.nextId = 0;
    this.inFlight = null; // {id, resolve, reject}
    this.queued = null; // {dot, resolve, reject}
    this.start();
  }

  start() {
    this.worker = new Worker(this.workerUrl, { type: "module" });
    this.worker.postMessage({ vizUrl: this.vizUrl });
    this.worker.addEventListener("message", ({ data }) => this.answered(data));
    this.broken = false;
  }

  // Graphviz's JSON for `dot`; rejected with "superseded" if a newer request came meanwhile.
  layout(dot) {
    if (this.broken) this.start();
    return new Promise((resolve, reject) => {
      if (this.queued) this.queued.reject(new Error("superseded"));
      this.queued = { dot, resolve, reject };
      if (!this.inFlight) this.sendQueued();
    });
  }

  sendQueued() {
    const { dot, resolve, reject } = this.queued;
    this.queued = null;
    this.nextId += 1;
    this.inFlight = { id: this.nextId, resolve, reject, started: performance.now() };
    this.worker.postMessage({ id: this.nextId, dot });
  }

  answered(data) {
    if (data.id === undefined && data.error) {
      // Graphviz itself could not be loaded: what waits fails, and says why.
      this.worker.terminate();
      this.broken = true;
      for (const waiting of [this.inFlight, this.queued]) waiting?.reject(new Error(data.error));
      this.inFlight = this.queued = null;
      return;
    }
    if (data.ready || !this.inFlight || data.id !== this.inFlight.id) return;
    const { resolve, reject, started } = this.inFlight;
    this.inFlight = null;
    if (data.error) reject(new Error(data.error));
    else resolve({ json: data.layout, layoutMs: data.ms, totalMs: performance.now() - started });
    if (this.queued) this.sendQueued();
  }
}
