// The replay page: the session on a scrubber (phases and twists marked), and the diagram as
// it stood at the moment picked, drawn as the room draws it (the same DOT, Graphviz and
// drawing). The server gives the time line and the graph at a version (interview/replay.py).
import { fitIn, LABEL_FLOOR_PX } from "../room/diagram.js";
import { toDot } from "../room/dot.js";
import { Drawing, readLayout } from "../room/drawing.js";
import { Layouter } from "../room/layout.js";
import { toast } from "../room/toast.js";

const config = JSON.parse(document.getElementById("replay-config").textContent);
const api = `/api/rooms/${config.room_id}/replay/`;
const TICK_MS = 100;
// Playing, a stretch with no change longer than this (in session time) is skipped, to a
// second before the next change.
const IDLE_SKIP_S = 8;
const SVG_NS = "http://www.w3.org/2000/svg";

const el = Object.fromEntries(
  ["play", "speed", "previous", "next", "clock", "link", "marks", "scrubber", "change", "canvas", "svg", "log"].map(
    (name) => [name, document.getElementById(`replay-${name}`)],
  ),
);

// "12:30", "1:02:03" or seconds, as a link says a moment; null if it says none.
function parseMoment(text) {
  if (!text || !/^\d+(:\d{1,2}){0,2}$/.test(text)) return null;
  return text.split(":").reduce((total, part) => total * 60 + Number(part), 0);
}

function formatMoment(seconds) {
  const whole = Math.max(0, Math.floor(seconds));
  const [h, m, s] = [Math.floor(whole / 3600), Math.floor((whole % 3600) / 60), whole % 60];
  const two = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}

class Replay {
  constructor(timeline) {
    this.timeline = timeline;
    this.ops = timeline.ops;
    this.time = 0;
    this.playing = null;
    this.shownVersion = null;
    this.graphs = new Map(); // version -> graph, as the server drew them
    this.layouter = new Layouter({ workerUrl: config.layout.worker, vizUrl: config.layout.viz });
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "The system diagram at this moment");
    svg.setAttribute("preserveAspectRatio", "xMinYMin meet");
    el.svg.append(svg);
    this.svg = svg;
    this.drawing = new Drawing(svg);
    this.floor = LABEL_FLOOR_PX / Number(config.dot.node.fontsize);
    el.scrubber.max = Math.ceil(timeline.duration);
    this.markTrack();
    this.listChanges();
    this.bind();
  }

  // The phases as bands along the track; the twists, notes saved and changes as ticks.
  markTrack() {
    const total = Math.max(1, this.timeline.duration);
    const at = (seconds) => `${(100 * seconds) / total}%`;
    for (const [index, phase] of this.timeline.phases.entries()) {
      const band = document.createElement("span");
      band.className = `replay-phase phase-${index % 4}`;
      Object.assign(band.style, { left: at(phase.start), width: at(phase.end - phase.start) });
      band.textContent = phase.name;
      band.title = `${phase.name}: ${formatMoment(phase.start)} to ${formatMoment(phase.end)}`;
      el.marks.append(band);
    }
    for (const twist of this.timeline.twists) {
      const tick = document.createElement("span");
      tick.className = "replay-twist";
      tick.style.left = at(twist.at);
      tick.title = `Twist revealed at ${formatMoment(twist.at)}: ${twist.title}`;
      el.marks.append(tick);
    }
    for (const save of this.timeline.notes) {
      const tick = document.createElement("span");
      tick.className = `replay-note notes-${save.kind}`;
      tick.style.left = at(save.at);
      tick.title = `${save.kind === "candidate" ? "Candidate notes" : "Your private notes"} saved at ${formatMoment(save.at)}`;
      el.marks.append(tick);
    }
    for (const op of this.ops) {
      const tick = document.createElement("span");
      tick.className = "replay-op";
      tick.style.left = at(op.at);
      el.marks.append(tick);
    }
  }

  listChanges() {
    for (const op of this.ops) {
      const item = document.createElement("li");
      item.dataset.version = op.version;
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = `${formatMoment(op.at)} ${op.author ?? "someone"}: ${op.summary}`;
      button.addEventListener("click", () => this.seek(op.at));
      item.append(button);
      el.log.append(item);
    }
  }

  bind() {
    el.play.addEventListener("click", () => (this.playing ? this.pause() : this.play()));
    el.scrubber.addEventListener("input", () => this.seek(Number(el.scrubber.value), { fromScrubber: true }));
    el.previous.addEventListener("click", () => this.step(-1));
    el.next.addEventListener("click", () => this.step(1));
    el.link.addEventListener("click", () => this.copyLink());
    document.addEventListener("keydown", (event) => {
      if (event.target.matches("select, input:not([type=range]), textarea") || event.ctrlKey || event.metaKey) return;
      if (event.key === " " && !event.target.matches("button")) {
        this.playing ? this.pause() : this.play();
      } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
        const direction = event.key === "ArrowLeft" ? -1 : 1;
        if (event.shiftKey) this.seek(this.time + 10 * direction);
        else this.step(direction);
      } else if (event.key === "Home") {
        this.seek(0);
      } else if (event.key === "End") {
        this.seek(this.timeline.duration);
      } else {
        return;
      }
      event.preventDefault();
    });
  }

  // The version standing at `seconds`: that of the last change made by then.
  versionAt(seconds) {
    let version = 0;
    for (const op of this.ops) {
      if (op.at > seconds) break;
      version = op.version;
    }
    return version;
  }

  seek(seconds, { fromScrubber = false } = {}) {
    this.time = Math.min(Math.max(0, seconds), this.timeline.duration);
    if (!fromScrubber) el.scrubber.value = Math.round(this.time);
    const phase = this.timeline.phases.find((p) => p.start <= this.time && this.time < p.end);
    const moment = `${formatMoment(this.time)}${phase ? `, ${phase.name}` : ""}`;
    el.clock.textContent = moment;
    el.scrubber.setAttribute("aria-valuetext", moment);
    this.show(this.versionAt(this.time));
  }

  // One change back or on from the version shown.
  step(direction) {
    const version = this.versionAt(this.time);
    const index = this.ops.findIndex((op) => op.version === version);
    const target = this.ops[index + direction];
    if (direction < 0 && index <= 0) this.seek(0);
    else if (target) this.seek(target.at);
  }

  async show(version) {
    if (version === this.shownVersion) return;
    this.shownVersion = version;
    const op = this.ops.find((o) => o.version === version);
    el.change.textContent = op
      ? `Change ${version} of ${this.ops.length}, at ${formatMoment(op.at)}: ${op.author ?? "someone"}, ${op.summary}.`
      : "Before any change.";
    for (const item of el.log.children) item.toggleAttribute("aria-current", Number(item.dataset.version) === version);
    el.log.querySelector("[aria-current]")?.scrollIntoView({ block: "nearest" });
    let graph = this.graphs.get(version);
    if (!graph) {
      const answer = await fetch(`${api}diagram/?version=${version}`, { credentials: "same-origin" });
      if (!answer.ok) {
        toast("The diagram at this moment could not be loaded; try again.", "error", 5000);
        return;
      }
      graph = (await answer.json()).graph;
      this.graphs.set(version, graph);
    }
    if (this.shownVersion !== version) return; // the scrubber moved on meanwhile
    let layout;
    try {
      ({ json: layout } = await this.layouter.layout(toDot(graph, config.dot)));
    } catch (error) {
      if (error.message !== "superseded") toast(`The diagram could not be drawn: ${error.message}`, "error", 5000);
      return;
    }
    if (this.shownVersion !== version) return;
    const next = readLayout(layout);
    const scale = Math.max(this.floor, Math.min(1.3, fitIn(el.canvas, next.width, next.height) || 1));
    const changed = new Set(this.changedIds(version));
    this.drawing.draw(next, { animate: this.drawnOnce === true, highlight: changed, direction: graph.direction });
    this.drawnOnce = true;
    this.svg.style.width = `${Math.round(next.width * scale)}px`;
    this.svg.style.height = `${Math.round(next.height * scale)}px`;
    el.svg.dataset.version = version;
  }

  // Blocks that the change at `version` added or changed, to mark as the room marks the
  // other side's change: those in its graph that differ from the version before.
  changedIds(version) {
    const before = this.graphs.get(version - 1);
    const after = this.graphs.get(version);
    if (!before || !after) return [];
    const old = new Map(before.nodes.map((node) => [node.id, JSON.stringify(node)]));
    return after.nodes.filter((node) => old.get(node.id) !== JSON.stringify(node)).map((node) => node.id);
  }

  play() {
    if (this.time >= this.timeline.duration) this.seek(0);
    el.play.textContent = "Pause";
    let last = performance.now();
    this.playing = setInterval(() => {
      const now = performance.now();
      let next = this.time + ((now - last) / 1000) * Number(el.speed.value);
      last = now;
      const coming = this.ops.find((op) => op.at > this.time);
      if (coming && coming.at - next > IDLE_SKIP_S) next = Math.max(next, coming.at - 1);
      if (!coming && next < this.timeline.duration && this.timeline.duration - next > IDLE_SKIP_S) {
        next = this.timeline.duration;
      }
      this.seek(next);
      if (this.time >= this.timeline.duration) this.pause();
    }, TICK_MS);
  }

  pause() {
    clearInterval(this.playing);
    this.playing = null;
    el.play.textContent = "Play";
  }

  async copyLink() {
    const url = new URL(location.href);
    url.search = `?at=${formatMoment(this.time)}`;
    try {
      await navigator.clipboard.writeText(url.href);
      toast("Link to this moment copied", "success", 3000);
    } catch {
      toast(url.href, "info", 10000);
    }
  }
}

const answer = await fetch(api, { credentials: "same-origin" });
if (answer.ok) {
  const replay = new Replay(await answer.json());
  replay.seek(parseMoment(new URLSearchParams(location.search).get("at")) ?? 0);
} else {
  toast((await answer.json()).detail ?? "The replay could not be loaded.", "error", 10000);
}
