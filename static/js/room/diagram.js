// The block-diagram editor: keeps this page's copy of the graph in step with the server's
// versions, sends ops, lays each version out in the page (Graphviz in WebAssembly) and draws
// it, and offers mouse and keyboard editing.
import { toDot } from "./dot.js";
import { Drawing, readLayout } from "./drawing.js";
import { applyOp, newId } from "./graph.js";
import { describeChange, Outline } from "./outline.js";
import { TextView } from "./textview.js";
import { toast } from "./toast.js";

const ZOOM_STEP = 1.2;
// Block labels are never drawn smaller than this on screen by fitting (zooming out by hand
// may go further), nor fitted larger than MAX_FIT times their size in the layout.
export const LABEL_FLOOR_PX = 12;
const MAX_FIT = 1.3;
// A fitted drawing is shown at MAX_FIT times a power of FIT_STEP (or at the floor): as it
// grows its scale changes in a few steps instead of at every block, so what is drawn stays put.
const FIT_STEP = 0.85;
const SVG_NS = "http://www.w3.org/2000/svg";
// The room inside a scrolling box's padding (0.75rem), and the scale at which `width` x
// `height` fills it.
const inside = (box) => ({ x: box.clientWidth - 24, y: box.clientHeight - 24 });
export function fitIn(box, width, height) {
  const room = inside(box);
  return Math.min(room.x / width, room.y / height);
}
const AXES = { x: ["width", "marginLeft", "scrollLeft"], y: ["height", "marginTop", "scrollTop"] };
// A block dragged by hand is dropped beside the nearest other block, if that block is no
// further than this many times its size; else the move is cancelled.
const DROP_REACH = 1.5;
// How far (CSS px) the pointer goes before a press on a block becomes a drag.
const DRAG_PX = 4;
// Blocks whose shift on screen is within this of another's moved together.
const TOGETHER_PX = 1;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
// Undo and redo steps kept across a reload of the tab (sessionStorage), newest kept.
const HISTORY_KEPT = 200;
// How often a moving view is sent to the side that follows it.
const VIEW_EVERY_MS = 100;

export class DiagramEditor {
  constructor({ root, connection, role, username, style, layouter, onChange, historyKey, draftKey }) {
    this.root = root;
    this.onChange = onChange;
    this.connection = connection;
    this.role = role;
    this.username = username;
    this.style = style; // diagrams.dot.dot_style(): what the DOT is drawn with
    this.floor = LABEL_FLOOR_PX / Number(style.node.fontsize); // the scale of the label floor
    this.kinds = style.kinds;
    this.layouter = layouter;
    this.lastKind = "generic"; // what a double-click on empty canvas adds
    this.graph = null;
    this.preview = null; // what the text view's text would make of the graph, drawn instead of it
    this.version = 0;
    this.locked = false;
    this.ended = false;
    this.syncing = false;
    this.pending = new Map(); // client_op_id -> {op, purpose}
    // Inverse ops of this person's changes, kept by the tab so that a reload keeps them.
    this.historyKey = historyKey;
    ({ undo: this.undoStack, redo: this.redoStack } = this.recalled());
    this.selection = new Set();
    this.selectedEdge = null;
    this.remoteSelection = new Set();
    this.drawnVersion = -1;
    this.highlight = new Set(); // what the other side changed since the last drawing
    this.zoom = null; // null: fitted to the canvas; else the scale chosen by hand
    this.following = false; // showing the other side's view
    this.followedBy = null; // the username of the other side while it follows this view
    this.leaderView = null; // the last view of the other side's, while following
    this.el = Object.fromEntries(
      [
        "canvas", "svg", "empty", "palette", "inspector", "node-form", "node-label", "node-kind", "node-group",
        "node-note", "edge-form", "edge-label", "lock", "locked-badge",
        "direction", "undo", "redo", "follow", "followed", "node-unplace", "outline", "announce",
      ].map((name) => [name, root.querySelector(`#diagram-${name}`)]),
    );
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("role", "img");
    // Its size is rounded to whole pixels: the drawing keeps to the top left of it, not centred
    // in the rounding, so that it does not shift by a pixel as it grows.
    svg.setAttribute("preserveAspectRatio", "xMinYMin meet");
    svg.setAttribute("aria-label", "The system diagram");
    this.el.svg.append(svg);
    this.outline = new Outline({ list: this.el.outline, announcer: this.el.announce, kinds: this.kinds });
    this.drawing = new Drawing(svg);
    this.svgElement = svg;
    // A canvas that grows or shrinks (a panel folds, the inspector opens) leaves the drawing where it is.
    new ResizeObserver(() => this.applyZoom({ keep: "origin" })).observe(this.el.svg);
    this.el.svg.addEventListener("scroll", () => this.viewChanged(), { passive: true });
    this.buildPalette();
    this.bindToolbar();
    this.bindCanvas();
    this.bindInspector();
    this.text = new TextView({ root, connection, editor: this, draftKey });
  }

  // A lock makes the diagram read-only for the candidate; once the interview has ended, for
  // both (it is frozen as the report shows it, until the interviewer unlocks it).
  get editable() {
    return !this.locked || (this.role === "interviewer" && !this.ended);
  }

  setEnded(ended) {
    if (ended === this.ended) return;
    this.ended = ended;
    this.setLocked(this.locked);
  }

  // For the page's leave guard: ops are sent as they are made, and resent after a reconnect;
  // only those made while offline cannot go anywhere if the page is left now.
  flush() {
    return this.pending.size === 0 || this.connection.open;
  }

  messages() {
    return [];
  }

  // --- Server state ---------------------------------------------------------------------

  load({ graph, version, locked }) {
    this.graph = graph;
    this.version = version;
    this.syncing = false;
    this.setLocked(locked);
    this.changed();
    // A new connection: the other side learns again that this page follows it.
    if (this.following) this.connection.send({ type: "diagram.follow", following: true });
    // Ops sent but never acknowledged (the connection dropped) are sent again; the server
    // recognises any it already applied by client_op_id and does not apply them twice.
    for (const [id, { op }] of this.pending) {
      if (op) this.connection.send({ type: "diagram.op", op, client_op_id: id });
      else this.pending.delete(id); // a text import: applied or not, the snapshot shows which
    }
    this.text.reconnected();
  }

  receive(message) {
    switch (message.type) {
      case "diagram.applied":
        this.applied(message);
        break;
      case "diagram.ops":
        this.syncing = false;
        for (const applied of message.ops) this.applied(applied);
        break;
      case "diagram.snapshot":
        this.load(message);
        break;
      case "diagram.rejected":
        this.rejected(message);
        break;
      case "diagram.text":
      case "diagram.conflicts":
      case "diagram.preview":
        this.text.receive(message);
        break;
      case "diagram.lock":
        if (message.locked === this.locked) break;
        this.setLocked(message.locked);
        if (!message.locked) toast("The diagram is editable again", "info");
        else if (!this.ended) toast("The interviewer locked the diagram", "info");
        break;
      case "diagram.selection":
        this.remoteSelection = new Set(message.node_ids);
        this.paintSelection();
        break;
      case "diagram.follow":
        this.setFollowedBy(message.following ? message.username : null);
        break;
      case "diagram.view":
        if (this.following) this.showView(message);
        break;
    }
  }

  applied(message) {
    const mine = this.pending.get(message.client_op_id);
    if (mine) {
      this.pending.delete(message.client_op_id);
      if (message.inverse) {
        if (mine.purpose === "undo") this.redoStack.push(message.inverse);
        else {
          this.undoStack.push(message.inverse);
          if (mine.purpose !== "redo") this.redoStack = [];
        }
        this.remember();
      }
    }
    if (message.version === this.version + 1 && !this.syncing) {
      const before = this.graph;
      this.graph = applyOp(this.graph, message.op);
      this.version = message.version;
      if (message.author !== this.username) {
        for (const id of touched(message.op)) this.highlight.add(id);
        this.outline.announce(`${message.author} ${describeChange(message.op, before, this.graph)}`);
      }
      this.changed();
    } else if (message.version > this.version + 1 && !this.syncing) {
      // A broadcast went missing: ask for what we lack rather than show a wrong graph.
      this.syncing = true;
      this.connection.send({ type: "diagram.sync", since: this.version });
    }
    // Anything older we already have (a resend's ack, or a replay overlapping a broadcast).
    if (mine?.select && this.graph.nodes.some((n) => n.id === mine.select)) {
      this.select([mine.select], { focusLabel: true });
    }
  }

  // The server refused one of our messages outright (an error, not diagram.rejected).
  refused(error) {
    if (error.client_op_id) this.pending.delete(error.client_op_id);
    if (["diagram.import", "diagram.preview"].includes(error.request)) this.text.refused(error);
  }

  rejected(message) {
    this.pending.delete(message.client_op_id);
    toast(`Not applied: ${message.reason}`, "error", 6000);
    if (message.conflict && message.version !== this.version && !this.syncing) {
      this.syncing = true;
      this.connection.send({ type: "diagram.sync", since: this.version });
    }
  }

  send(op, { purpose = "edit", select = null } = {}) {
    if (!this.editable) {
      toast(this.ended ? "The interview has ended: the diagram is frozen" : "The interviewer has locked the diagram", "warning");
      return;
    }
    const clientOpId = newId("op");
    this.pending.set(clientOpId, { op, purpose, select });
    if (!this.connection.send({ type: "diagram.op", op, client_op_id: clientOpId })) {
      toast("Offline: the change will be sent when the connection is back", "warning");
    }
  }

  setLocked(locked) {
    this.locked = locked;
    this.root.dataset.locked = locked;
    this.el["locked-badge"].hidden = !locked;
    this.el["locked-badge"].textContent = this.ended
      ? "Frozen: the interview has ended"
      : "Locked by the interviewer";
    if (this.el.lock) {
      this.el.lock.textContent = locked ? "Unlock" : "Lock";
      this.el.lock.setAttribute("aria-pressed", locked);
    }
    this.root.querySelectorAll("[data-edits]").forEach((el) => (el.disabled = !this.editable));
    this.updateUndoButtons();
  }

  updateUndoButtons() {
    this.el.undo.disabled = !this.editable || !this.undoStack.length;
    this.el.redo.disabled = !this.editable || !this.redoStack.length;
  }

  recalled() {
    try {
      const { undo, redo } = JSON.parse(sessionStorage.getItem(this.historyKey)) ?? {};
      if (Array.isArray(undo) && Array.isArray(redo)) return { undo, redo };
    } catch {
      // Unreadable (or storage refused): start without history, as a new tab does.
    }
    return { undo: [], redo: [] };
  }

  remember() {
    this.undoStack = this.undoStack.slice(-HISTORY_KEPT);
    this.redoStack = this.redoStack.slice(-HISTORY_KEPT);
    try {
      sessionStorage.setItem(this.historyKey, JSON.stringify({ undo: this.undoStack, redo: this.redoStack }));
    } catch {
      // Storage full or refused: the history still works until the tab is reloaded.
    }
    this.updateUndoButtons();
  }

  // The graph moved: refresh everything drawn from it.
  changed() {
    const ids = new Set(this.graph.nodes.map((n) => n.id));
    this.selection = new Set([...this.selection].filter((id) => ids.has(id)));
    if (this.selectedEdge && !this.graph.edges.some((e) => e.id === this.selectedEdge)) this.selectedEdge = null;
    this.el.empty.hidden = this.graph.nodes.length > 0;
    this.el.direction.textContent = this.graph.direction;
    this.el.direction.setAttribute(
      "aria-label",
      // The name starts with what the button shows, so speech control can say it.
      `${this.graph.direction}: ${this.graph.direction === "LR" ? "left to right" : "top to bottom"}; press to switch`,
    );
    this.updateUndoButtons();
    this.fillInspector();
    this.outline.show(this.graph);
    this.onChange(this.graph, this.version);
    this.redraw();
    this.text.diagramChanged(this.version);
  }

  // Draw `graph` (the text view's preview) instead of the diagram, or the diagram again (null).
  showPreview(graph) {
    if (graph === null && this.preview === null) return;
    this.preview = graph;
    this.el.canvas.classList.toggle("previewing", graph !== null);
    this.redraw();
  }

  // Lay the current version out and draw it; a version superseded meanwhile is skipped.
  async redraw() {
    const version = this.version;
    const graph = this.preview ?? this.graph;
    let layout;
    try {
      ({ json: layout } = await this.layouter.layout(toDot(graph, this.style)));
    } catch (error) {
      if (error.message === "superseded") return;
      // Said on the canvas, and tried again shortly (Graphviz may not have loaded yet).
      this.el.svg.dataset.error = `The diagram could not be drawn: ${error.message}`;
      clearTimeout(this.retry);
      this.retry = setTimeout(() => this.redraw(), 3000);
      return;
    }
    if (version < this.drawnVersion) return;
    delete this.el.svg.dataset.error;
    const first = this.drawnVersion < 0;
    this.drawnVersion = version;
    const highlight = new Set(this.highlight);
    this.highlight.clear();
    const next = readLayout(layout);
    const scale = this.zoom ?? this.fitScale(next);
    const before = this.origin();
    const origin = this.clamp(this.anchored(next, scale, graph) ?? this.home(next, scale, graph.direction), next, scale);
    // Where each thing was on screen, in the new drawing's coordinates: glides start there.
    const moved = before && (([x, y]) => [
      (before.x + before.scale * x - origin.x) / scale,
      (before.y + before.scale * y - origin.y) / scale,
    ]);
    const settled = this.drawing.draw(next, { animate: !first, highlight, moved, direction: graph.direction });
    this.drawnDirection = graph.direction;
    // Drawn now (what the other side sees first), at rest once the glide is over.
    this.el.svg.dataset.drawn = version;
    this.place(origin, scale);
    this.paintSelection();
    settled.then(() => {
      if (this.drawnVersion === version) this.el.svg.dataset.version = version;
    });
    if (this.following && this.leaderView) {
      this.showView(this.leaderView);
      return;
    }
    // A drawing larger than the canvas scrolls: keep the latest change in sight.
    const latest = [...highlight].at(-1) ?? [...this.selection].at(-1);
    const element = latest && this.svgElement.querySelector(`[id="node-${latest}"], [id="edge-${latest}"]`);
    element?.scrollIntoView({ block: "nearest", inline: "nearest", behavior: first ? "auto" : "smooth" });
  }

  // The scale a drawing is shown at: the largest step that fits it in the canvas, never
  // below the label floor.
  fitScale({ width, height } = this.drawing.size) {
    if (!width || !height) return 1;
    const fit = fitIn(this.el.svg, width, height);
    let scale = MAX_FIT;
    while (scale > fit && scale * FIT_STEP > this.floor) scale *= FIT_STEP;
    return scale > fit ? this.floor : scale;
  }

  // --- Where the drawing is on screen -------------------------------------------------
  // The page places the drawing itself (margins and scroll) rather than centring it: each
  // version is laid out afresh, and Graphviz shifts a whole drawing as it grows (a new rank
  // above, a wider rank below), so the page keeps still what was there before.

  // Where the drawing's top left is, relative to the canvas's padding box, and its scale;
  // null before the first drawing.
  origin() {
    if (this.scale === undefined) return null;
    const box = this.el.svg;
    const style = this.svgElement.style;
    return {
      x: Number.parseFloat(style.marginLeft) - box.scrollLeft,
      y: Number.parseFloat(style.marginTop) - box.scrollTop,
      scale: this.scale,
    };
  }

  // The origin that keeps the most blocks of the last drawing exactly where they were on
  // screen (Graphviz moves most of a drawing as one piece), the oldest of them when there is
  // a tie. When no piece holds half of them (a new scale moves every block), the one that
  // moves them least: the median. Null for a first drawing, a new direction, or no block in
  // common.
  anchored(next, scale, graph) {
    const before = this.origin();
    const previous = this.drawing.current;
    if (!before || !previous || this.drawnDirection !== graph.direction) return null;
    const origins = []; // per block in common, in the order they were made
    for (const [id, node] of next.nodes) {
      const old = previous.nodes.get(id);
      if (old) {
        origins.push({
          x: before.x + before.scale * old.x - scale * node.x,
          y: before.y + before.scale * old.y - scale * node.y,
        });
      }
    }
    let best = null;
    let most = 0;
    for (const origin of origins) {
      const together = origins.filter(
        (other) => Math.abs(other.x - origin.x) <= TOGETHER_PX && Math.abs(other.y - origin.y) <= TOGETHER_PX,
      ).length;
      if (together > most) [best, most] = [origin, together];
    }
    if (2 * most >= origins.length) return best;
    return { x: median(origins.map((origin) => origin.x)), y: median(origins.map((origin) => origin.y)) };
  }

  // Where a drawing opens: at the top, centred across, when it runs top to bottom; at the
  // left, centred up and down, when left to right.
  home(next, scale, direction = this.drawnDirection) {
    const room = inside(this.el.svg);
    const centred = (axis) => Math.max(0, (room[axis] - next[AXES[axis][0]] * scale) / 2);
    return direction === "LR" ? { x: 0, y: centred("y") } : { x: centred("x"), y: 0 };
  }

  // A drawing that fits stays whole on the canvas; one larger than the canvas covers it.
  clamp(origin, size, scale) {
    const room = inside(this.el.svg);
    const clamped = {};
    for (const axis of ["x", "y"]) {
      const spare = room[axis] - Math.ceil(size[AXES[axis][0]] * scale);
      clamped[axis] = Math.min(Math.max(origin[axis], Math.min(0, spare)), Math.max(0, spare));
    }
    return clamped;
  }

  // Show the drawing at `scale` with its top left at `origin` (already clamped): a margin
  // where it lies inside the canvas, a scroll where it runs past the canvas's top or left.
  place(origin, scale) {
    const { width, height } = this.drawing.size;
    this.scale = scale;
    // Rounded up: rounded down, a drawing at the floor would show its labels a hair below it.
    this.svgElement.setAttribute("width", Math.ceil(width * scale));
    this.svgElement.setAttribute("height", Math.ceil(height * scale));
    for (const axis of ["x", "y"]) {
      const [, margin, scroll] = AXES[axis];
      this.svgElement.style[margin] = `${Math.max(0, origin[axis])}px`;
      this.el.svg[scroll] = Math.max(0, -origin[axis]);
    }
    this.viewChanged();
  }

  // A new scale or canvas size. `keep` says what stays where it is on the canvas: what is at
  // its "centre" (a zoom), the drawing's "origin" (the canvas was resized), or nothing: the
  // drawing goes back "home" (fitted again).
  applyZoom({ keep = "centre" } = {}) {
    const scale = this.zoom ?? this.fitScale();
    const before = this.origin();
    const room = inside(this.el.svg);
    const still = keep === "centre" ? { x: room.x / 2, y: room.y / 2 } : before;
    const origin =
      before && keep !== "home"
        ? {
            x: still.x - ((still.x - before.x) * scale) / before.scale,
            y: still.y - ((still.y - before.y) * scale) / before.scale,
          }
        : this.home(this.drawing.size, scale);
    this.place(this.clamp(origin, this.drawing.size, scale), scale);
  }

  // --- Following the other side's view --------------------------------------------------

  toggleFollow() {
    this.follow(!this.following);
  }

  follow(on) {
    if (on === this.following) return;
    this.following = on;
    this.leaderView = null;
    this.el.follow.setAttribute("aria-pressed", on);
    this.connection.send({ type: "diagram.follow", following: on });
    const other = this.role === "interviewer" ? "the candidate" : "the interviewer";
    toast(on ? `Following ${other}'s view` : `No longer following ${other}`, "info", 2500);
  }

  setFollowedBy(username) {
    this.followedBy = username;
    this.el.followed.hidden = !username;
    this.el.followed.textContent = username ? `${username} follows your view` : "";
    if (username) this.sendView();
  }

  // The other participant's connection came or went: a follow outlives neither.
  otherConnected(connected) {
    if (!connected) this.setFollowedBy(null);
    else if (this.following) this.connection.send({ type: "diagram.follow", following: true });
  }

  // The part of the drawing this canvas shows, in layout points, and its scale.
  visibleView() {
    const box = this.el.svg.getBoundingClientRect();
    const drawn = this.svgElement.getBoundingClientRect();
    const { width, height } = this.drawing.size;
    const scale = this.scale;
    const x = Math.max(0, (box.left - drawn.left) / scale);
    const y = Math.max(0, (box.top - drawn.top) / scale);
    const right = Math.min(width, (box.right - drawn.left) / scale);
    const bottom = Math.min(height, (box.bottom - drawn.top) / scale);
    return { x, y, width: Math.max(1, right - x), height: Math.max(1, bottom - y), scale };
  }

  // Sent to a follower at most every VIEW_EVERY_MS while the view moves, and once at rest.
  viewChanged() {
    if (!this.followedBy || this.following || this.viewTimer) return;
    this.viewTimer = setTimeout(() => {
      this.viewTimer = null;
      this.sendView();
    }, VIEW_EVERY_MS);
  }

  sendView() {
    if (!this.drawing.size.width) return;
    this.connection.send({ type: "diagram.view", ...this.visibleView() });
  }

  // Show what the other side sees: their part of the drawing, centred and as large as it
  // fits here, never below the label floor unless they went below it themselves.
  showView(view) {
    this.leaderView = view;
    const box = this.el.svg;
    const fit = fitIn(box, view.width, view.height);
    this.zoom = Math.min(Math.max(MAX_FIT, view.scale), Math.max(Math.min(this.floor, view.scale), fit));
    this.applyZoom();
    const drawn = this.svgElement.getBoundingClientRect();
    const rect = box.getBoundingClientRect();
    box.scrollBy({
      left: drawn.left + (view.x + view.width / 2) * this.scale - (rect.left + rect.width / 2),
      top: drawn.top + (view.y + view.height / 2) * this.scale - (rect.top + rect.height / 2),
    });
  }

  // --- Selection ------------------------------------------------------------------------

  select(ids, { add = false, focusLabel = false } = {}) {
    if (!add) this.selection.clear();
    for (const id of ids) {
      if (add && this.selection.has(id)) this.selection.delete(id);
      else this.selection.add(id);
    }
    this.selectedEdge = null;
    this.afterSelect();
    if (focusLabel && this.selection.size === 1) {
      this.el["node-label"].focus();
      this.el["node-label"].select();
    }
  }

  selectEdge(id) {
    this.selection.clear();
    this.selectedEdge = id;
    this.afterSelect();
  }

  afterSelect() {
    this.fillInspector();
    this.paintSelection();
    this.connection.send({ type: "diagram.select", node_ids: [...this.selection] });
  }

  paintSelection() {
    for (const g of this.el.svg.querySelectorAll("g.node, g.edge")) {
      const [prefix, ...rest] = g.id.split("-");
      const id = rest.join("-");
      const mine = prefix === "node" ? this.selection.has(id) : id === this.selectedEdge;
      g.classList.toggle("selected", mine);
      g.classList.toggle("remote-selected", prefix === "node" && this.remoteSelection.has(id));
    }
  }

  cycle(step, add) {
    const nodes = this.graph.nodes;
    if (!nodes.length) return;
    const current = [...this.selection].at(-1);
    const index = nodes.findIndex((n) => n.id === current);
    const next = nodes[(index + step + nodes.length) % nodes.length];
    this.select([next.id], { add });
  }

  // An arrow key: the nearest block that way on the drawing from the last one selected
  // (a block straight ahead counts as nearer than one as far off to the side), added to the
  // selection with Shift.
  step(key, add) {
    const layout = this.drawing.current;
    const from = layout?.nodes.get([...this.selection].at(-1));
    if (!from) return;
    const [dx, dy] = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[key];
    let best = null;
    for (const [id, node] of layout.nodes) {
      const ahead = (node.x - from.x) * dx + (node.y - from.y) * dy;
      const aside = Math.abs((node.x - from.x) * dy - (node.y - from.y) * dx);
      const cost = ahead + 2 * aside;
      if (ahead > 0 && (!best || cost < best.cost)) best = { id, cost };
    }
    if (!best) return;
    if (!add) {
      this.select([best.id]);
      return;
    }
    this.selection.delete(best.id);
    this.selection.add(best.id); // now the last selected, where the next step starts
    this.selectedEdge = null;
    this.afterSelect();
  }

  // --- Edits ----------------------------------------------------------------------------

  // A new block of `kind`; added `at` a point of the drawing, beside the block nearest it
  // (before or after it, as the point is), if one is near enough to be beside.
  addNode(kind, { at = null } = {}) {
    this.lastKind = kind;
    const id = newId("n");
    const label = this.kinds[kind].name;
    const place = at && this.drawing.current ? this.dropAt(id, at) : null;
    this.send({ op: "add_node", node: { id, label, kind, ...(place && { place }) } }, { select: id });
  }

  connectSelection() {
    const [source, target] = [...this.selection];
    if (this.selection.size !== 2) {
      toast("Select two nodes (Shift+click) to connect them, first the source", "info");
      return;
    }
    this.send({ op: "add_edge", edge: { id: newId("e"), source, target } });
  }

  groupSelection() {
    if (!this.selection.size) {
      toast("Select the nodes to group first", "info");
      return;
    }
    const id = newId("g");
    const taken = new Set(this.graph.groups.map((g) => g.label));
    let n = this.graph.groups.length + 1;
    while (taken.has(`Group ${n}`)) n += 1;
    const label = `Group ${n}`;
    const ops = [{ op: "add_group", group: { id, label } }];
    for (const node of this.selection) ops.push({ op: "update_node", id: node, set: { group: id } });
    this.send({ op: "batch", ops });
  }

  deleteSelection() {
    if (this.selectedEdge) {
      this.send({ op: "remove_edge", id: this.selectedEdge });
    } else if (this.selection.size) {
      this.send({ op: "batch", ops: [...this.selection].map((id) => ({ op: "remove_node", id })) });
    }
  }

  toggleDirection() {
    this.send({ op: "set_direction", direction: this.graph.direction === "LR" ? "TB" : "LR" });
  }

  undo() {
    if (!this.editable || !this.undoStack.length) return;
    this.send(this.undoStack.pop(), { purpose: "undo" });
    this.remember();
  }

  redo() {
    if (!this.editable || !this.redoStack.length) return;
    this.send(this.redoStack.pop(), { purpose: "redo" });
    this.remember();
  }

  // --- Building the controls ------------------------------------------------------------

  buildPalette() {
    for (const [kind, style] of Object.entries(this.kinds)) {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.kind = kind;
      button.dataset.edits = "";
      button.title = `Add a ${style.name.toLowerCase()} node`;
      button.innerHTML = '<span class="swatch"></span><span class="kind-name"></span>';
      button.querySelector(".swatch").style.cssText = `background:${style.fill};border-color:${style.border}`;
      button.querySelector(".kind-name").textContent = style.name;
      button.addEventListener("click", () => this.addNode(kind));
      this.el.palette.append(button);
      const option = new Option(style.name, kind);
      this.el["node-kind"].append(option);
    }
  }

  bindToolbar() {
    const actions = {
      connect: () => this.connectSelection(),
      group: () => this.groupSelection(),
      direction: () => this.toggleDirection(),
      undo: () => this.undo(),
      redo: () => this.redo(),
      delete: () => this.deleteSelection(),
      text: () => this.text.toggle(),
      fit: () => this.setZoom(null),
      follow: () => this.toggleFollow(),
      "zoom-in": () => this.setZoom(this.scale * ZOOM_STEP),
      "zoom-out": () => this.setZoom(this.scale / ZOOM_STEP),
      lock: () => this.connection.send({ type: "diagram.lock", locked: !this.locked }),
    };
    for (const button of this.root.querySelectorAll("[data-action]")) {
      button.addEventListener("click", () => actions[button.dataset.action]());
    }
  }

  bindCanvas() {
    const svg = this.el.svg;
    let dragFrom = null; // a block an arrow is being drawn from (its handle was pressed)
    let press = null; // a block pressed, until the pointer moves far enough to drag it
    let moving = null; // the block being moved by hand: {id, grab: its offset from the pointer}
    let panFrom = null;
    svg.addEventListener("pointerdown", (event) => {
      const node = event.target.closest("g.node");
      if (node && this.editable && event.target.closest(".handle")) {
        dragFrom = node.id.slice(5);
        node.classList.add("connect-source");
      } else if (node && this.editable) {
        press = { id: node.id.slice(5), x: event.clientX, y: event.clientY };
      } else if (!node && !event.target.closest("g.edge")) {
        panFrom = { x: event.clientX + svg.scrollLeft, y: event.clientY + svg.scrollTop };
      }
    });
    window.addEventListener("pointerup", (event) => {
      svg.querySelector(".connect-source")?.classList.remove("connect-source");
      panFrom = null;
      press = null;
      if (moving) {
        this.moveEnd(moving, event);
        moving = null;
        this.suppressClick = true;
      }
      const target = this.connectTarget(event, dragFrom);
      this.connecting(null);
      if (dragFrom && target) {
        this.send({ op: "add_edge", edge: { id: newId("e"), source: dragFrom, target } });
        this.suppressClick = true;
      }
      dragFrom = null;
    });
    window.addEventListener("pointermove", (event) => {
      if (dragFrom) {
        this.connecting(dragFrom, event);
        return;
      }
      if (press && Math.hypot(event.clientX - press.x, event.clientY - press.y) > DRAG_PX) {
        const block = this.drawing.current?.nodes.get(press.id);
        const at = this.pointIn(press);
        if (block) moving = { id: press.id, grab: { x: block.x - at.x, y: block.y - at.y } };
        press = null;
      }
      if (moving) {
        this.moveTo(moving, event);
        return;
      }
      if (!panFrom) return;
      this.follow(false); // moving the view by hand ends following
      svg.scrollTo(panFrom.x - event.clientX, panFrom.y - event.clientY);
    });
    svg.addEventListener("click", (event) => {
      if (this.suppressClick) {
        this.suppressClick = false;
        return;
      }
      const node = event.target.closest("g.node");
      const edge = event.target.closest("g.edge");
      if (node) this.select([node.id.slice(5)], { add: event.shiftKey });
      else if (edge) this.selectEdge(edge.id.slice(5));
      else this.select([]);
    });
    // Double-click: rename what is under the pointer in place, or on empty canvas add a block
    // of the kind last added, there.
    svg.addEventListener("dblclick", (event) => {
      const drawn = event.target.closest("g.node, g.edge, g.cluster");
      if (!drawn) this.addNode(this.lastKind, { at: this.pointIn(event) });
      else this.renameInPlace(drawn.id.split("-")[0], drawn.id.slice(drawn.id.indexOf("-") + 1));
    });
    this.el.canvas.addEventListener(
      "wheel",
      (event) => {
        if (!event.ctrlKey && !event.metaKey) {
          this.follow(false); // scrolling by hand ends following
          return;
        }
        event.preventDefault();
        this.setZoom(this.scale * (event.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP));
      },
      { passive: false },
    );
  }

  // Rename a block ("node"), an arrow ("edge") or a group where it is drawn: an input over
  // it, the label selected; Enter or leaving it keeps the text, Escape does not.
  renameInPlace(kind, id) {
    const item = this.graph[`${kind}s`].find((each) => each.id === id);
    const element = this.svgElement.getElementById(`${kind}-${id}`);
    if (!this.editable || !item || !element) return;
    this.inline?.blur();
    const input = document.createElement("input");
    input.type = "text";
    input.className = "inline-label";
    input.value = item.label;
    input.maxLength = this.el["node-label"].maxLength;
    input.setAttribute("aria-label", `Rename the ${{ node: "block", edge: "arrow", group: "group" }[kind]}`);
    const drawn = element.getBoundingClientRect();
    const canvas = this.el.canvas.getBoundingClientRect();
    const width = Math.max(drawn.width, 160);
    input.style.left = `${drawn.left - canvas.left + (drawn.width - width) / 2}px`;
    input.style.top = `${drawn.top - canvas.top + drawn.height / 2}px`;
    input.style.width = `${width}px`;
    let open = true;
    const close = (keep) => {
      if (!open) return;
      open = false;
      this.inline = null;
      input.remove();
      // A block or a group needs a name; an arrow may have none.
      const label = input.value;
      if (keep && label !== item.label && (kind === "edge" || /\S/.test(label))) {
        this.send({ op: `update_${kind}`, id, set: { label } });
      }
      this.el.canvas.focus();
    };
    input.addEventListener("keydown", (event) => {
      event.stopPropagation(); // typed text, not shortcuts
      if (event.key === "Enter" || event.key === "Escape") {
        event.preventDefault();
        close(event.key === "Enter");
      }
    });
    input.addEventListener("blur", () => close(true));
    this.inline = input;
    this.el.canvas.append(input);
    input.focus();
    input.select();
  }

  // What F2 renames: the selected arrow, or the one selected block.
  renameSelection() {
    if (this.selectedEdge) this.renameInPlace("edge", this.selectedEdge);
    else if (this.selection.size === 1) this.renameInPlace("node", [...this.selection][0]);
  }

  // --- Moving a block by hand ---------------------------------------------------------

  // A point on screen (a pointer event, or its {x, y}) in the drawing's coordinates.
  pointIn({ x, y }) {
    const point = new DOMPoint(x, y).matrixTransform(this.svgElement.getScreenCTM().inverse());
    return { x: point.x, y: point.y };
  }

  // The blocks of the drawing a block may be placed beside: the others of its own group (or
  // of none), as diagrams/dot.py honours only those.
  neighbours(id) {
    const group = (nodeId) => this.graph.nodes.find((n) => n.id === nodeId)?.group ?? null;
    return [...this.drawing.current.nodes]
      .filter(([other]) => other !== id && group(other) === group(id))
      .map(([other, node]) => ({ id: other, node }));
  }

  // Where block `id` goes if dropped with its centre at `at` (drawing coordinates): beside
  // the nearest block it may be placed beside, before or after it along its rank; null if
  // none is near.
  dropAt(id, at) {
    const across = this.graph.direction === "LR" ? "y" : "x";
    let best = null;
    for (const { id: other, node } of this.neighbours(id)) {
      const distance = Math.hypot(node.x - at.x, node.y - at.y);
      if (!best || distance < best.distance) best = { beside: other, node, distance };
    }
    if (!best || best.distance > DROP_REACH * Math.max(best.node.width, best.node.height)) return null;
    return { beside: best.beside, side: at[across] < best.node[across] ? "before" : "after" };
  }

  // The block follows the pointer; a bar beside the block it would be dropped next to shows where.
  moveTo(moving, event) {
    const pointer = this.pointIn(event);
    const at = { x: pointer.x + moving.grab.x, y: pointer.y + moving.grab.y };
    this.drawing.hold(moving.id, [at.x, at.y]);
    const drop = this.dropAt(moving.id, at);
    if (!drop) {
      this.dropMarker?.remove();
      this.dropMarker = null;
      return;
    }
    const node = this.drawing.current.nodes.get(drop.beside);
    const sign = drop.side === "before" ? -1 : 1;
    const gap = 4;
    const ends =
      this.graph.direction === "LR"
        ? { x1: node.x - node.width / 2, x2: node.x + node.width / 2, y1: node.y + sign * (node.height / 2 + gap) }
        : { y1: node.y - node.height / 2, y2: node.y + node.height / 2, x1: node.x + sign * (node.width / 2 + gap) };
    ends.x2 ??= ends.x1;
    ends.y2 ??= ends.y1;
    this.dropMarker ??= this.svgElement.appendChild(document.createElementNS(SVG_NS, "line"));
    this.dropMarker.setAttribute("class", "drop-marker");
    for (const [name, value] of Object.entries(ends)) this.dropMarker.setAttribute(name, value);
  }

  moveEnd(moving, event) {
    const pointer = this.pointIn(event);
    const drop = this.dropAt(moving.id, { x: pointer.x + moving.grab.x, y: pointer.y + moving.grab.y });
    this.dropMarker?.remove();
    this.dropMarker = null;
    this.drawing.hold(moving.id, null);
    if (drop) this.placeBlock(moving.id, drop);
  }

  // Store where a block goes (null: where Graphviz puts it), unless it is there already.
  placeBlock(id, place) {
    const node = this.graph.nodes.find((n) => n.id === id);
    const same = place === node?.place || (place && node?.place?.beside === place.beside && node.place.side === place.side);
    if (node && !same) this.send({ op: "update_node", id, set: { place } });
  }

  // Alt+arrow: the selected block one step along its rank (past its neighbour there), or to
  // the next rank that way (beside its nearest block).
  moveSelection(key) {
    const layout = this.drawing.current;
    const id = this.selection.size === 1 ? [...this.selection][0] : null;
    const me = id && layout?.nodes.get(id);
    if (!me) return;
    const lr = this.graph.direction === "LR";
    const [across, along] = lr ? ["y", "x"] : ["x", "y"];
    const axis = key === "ArrowLeft" || key === "ArrowRight" ? "x" : "y";
    const sign = key === "ArrowLeft" || key === "ArrowUp" ? -1 : 1;
    const others = this.neighbours(id);
    const nearest = (candidates, distance) => candidates.sort((a, b) => distance(a) - distance(b))[0];
    let target;
    if (axis === across) {
      const rank = others.filter((o) => Math.abs(o.node[along] - me[along]) < 1 && sign * (o.node[across] - me[across]) > 0);
      target = nearest(rank, (o) => Math.abs(o.node[across] - me[across]));
      if (target) this.placeBlock(id, { beside: target.id, side: sign < 0 ? "before" : "after" });
    } else {
      const ahead = others.filter((o) => sign * (o.node[along] - me[along]) > 1);
      const next = nearest(ahead, (o) => Math.abs(o.node[along] - me[along]));
      const rank = ahead.filter((o) => next && Math.abs(o.node[along] - next.node[along]) < 1);
      target = nearest(rank, (o) => Math.abs(o.node[across] - me[across]));
      if (target) this.placeBlock(id, { beside: target.id, side: me[across] < target.node[across] ? "before" : "after" });
    }
  }

  // The block a drag from `source` would join if dropped where `event` is, if any.
  connectTarget(event, source) {
    const id = event.target.closest?.("#diagram-svg g.node")?.id.slice(5);
    return source && id && id !== source ? id : null;
  }

  // While a block is dragged to another: a line from it to the pointer, and the block it
  // would join marked. With `source` null, both go.
  connecting(source, event) {
    const svg = this.svgElement;
    const target = source && this.connectTarget(event, source);
    for (const marked of svg.querySelectorAll(".connect-target")) {
      if (marked.id !== `node-${target}`) marked.classList.remove("connect-target");
    }
    const from = source && this.drawing.current?.nodes.get(source);
    if (!from) {
      this.connectLine?.remove();
      this.connectLine = null;
      return;
    }
    if (target) svg.getElementById(`node-${target}`)?.classList.add("connect-target");
    const pointer = new DOMPoint(event.clientX, event.clientY).matrixTransform(svg.getScreenCTM().inverse());
    // The drawing's coordinates: where a block is at rest (it may be gliding there).
    const to = target ? this.drawing.current.nodes.get(target) : pointer;
    this.connectLine ??= svg.appendChild(document.createElementNS(SVG_NS, "line"));
    this.connectLine.setAttribute("class", "connect-line");
    for (const [name, value] of Object.entries({ x1: from.x, y1: from.y, x2: to.x, y2: to.y })) {
      this.connectLine.setAttribute(name, value);
    }
  }

  // A scale chosen by hand, or null to fit the canvas again; either ends following.
  setZoom(zoom) {
    this.follow(false);
    this.zoom = zoom === null ? null : Math.min(4, Math.max(0.2, zoom));
    this.applyZoom({ keep: zoom === null ? "home" : "centre" });
  }

  bindInspector() {
    const commit = (field, input) => {
      const node = this.selectedNode();
      const value = input.value === "" && field === "group" ? null : input.value;
      if (node && node[field] !== value) this.send({ op: "update_node", id: node.id, set: { [field]: value } });
    };
    for (const field of ["label", "kind", "group", "note"]) {
      const input = this.el[`node-${field}`];
      input.addEventListener("change", () => commit(field, input));
    }
    // Enter leaves the field; the change event that follows sends the edit once.
    for (const input of [this.el["node-label"], this.el["node-note"], this.el["edge-label"]]) {
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter") {
          event.preventDefault();
          input.blur();
        }
      });
    }
    this.el["node-unplace"].addEventListener("click", () => this.placeBlock(this.selectedNode()?.id, null));
    const edgeLabel = this.el["edge-label"];
    const commitEdge = () => {
      const edge = this.graph.edges.find((e) => e.id === this.selectedEdge);
      if (edge && edge.label !== edgeLabel.value) {
        this.send({ op: "update_edge", id: edge.id, set: { label: edgeLabel.value } });
      }
    };
    edgeLabel.addEventListener("change", commitEdge);
  }

  selectedNode() {
    return this.selection.size === 1 ? this.graph.nodes.find((n) => this.selection.has(n.id)) : null;
  }

  fillInspector() {
    if (!this.graph) return;
    const node = this.selectedNode();
    const edge = this.selectedEdge && this.graph.edges.find((e) => e.id === this.selectedEdge);
    this.el["node-form"].hidden = !node;
    this.el["edge-form"].hidden = !edge;
    this.el.inspector.hidden = !node && !edge;
    this.el.canvas.classList.toggle("inspecting", Boolean(node || edge));
    const groupSelect = this.el["node-group"];
    groupSelect.replaceChildren(new Option("No group", ""), ...this.graph.groups.map((g) => new Option(g.label, g.id)));
    if (node) {
      // Leave a field alone while it is being typed in.
      for (const field of ["label", "kind", "group", "note"]) {
        const input = this.el[`node-${field}`];
        if (document.activeElement !== input) input.value = node[field] ?? "";
      }
    }
    if (edge && document.activeElement !== this.el["edge-label"]) this.el["edge-label"].value = edge.label;
    this.el["node-unplace"].hidden = !node?.place;
  }

  // --- Keyboard -------------------------------------------------------------------------

  // Plain keys while focus is not in a text field; returns true when the key was used.
  key(event) {
    const ctrl = event.ctrlKey || event.metaKey;
    if (ctrl && event.code === "KeyZ") {
      if (event.shiftKey) this.redo();
      else this.undo();
      return true;
    }
    if (event.altKey && !ctrl && event.key.startsWith("Arrow")) {
      this.moveSelection(event.key);
      return true;
    }
    // With nothing selected, arrows scroll the canvas as usual.
    if (!ctrl && !event.altKey && event.key.startsWith("Arrow") && this.selection.size) {
      this.step(event.key, event.shiftKey);
      return true;
    }
    if (ctrl || event.altKey) return false;
    const keys = {
      Delete: () => this.deleteSelection(),
      Backspace: () => this.deleteSelection(),
      Escape: () => this.select([]),
      n: () => this.addNode("generic"),
      Enter: () => this.renameSelection(),
      F2: () => this.renameSelection(),
      c: () => this.connectSelection(),
      g: () => this.groupSelection(),
      d: () => this.toggleDirection(),
      t: () => this.text.toggle(),
      f: () => this.toggleFollow(),
      "]": () => this.cycle(1, false),
      "[": () => this.cycle(-1, false),
      "}": () => this.cycle(1, true),
      "{": () => this.cycle(-1, true),
      "+": () => this.setZoom(this.scale * ZOOM_STEP),
      "-": () => this.setZoom(this.scale / ZOOM_STEP),
      0: () => this.setZoom(null),
    };
    const action = keys[event.key];
    if (!action) return false;
    action();
    return true;
  }
}

// The ids of the blocks and arrows an op adds or changes (what the other side sees highlighted).
function touched(op) {
  switch (op.op) {
    case "add_node":
      return [op.node.id];
    case "add_edge":
      return [op.edge.id];
    case "update_node":
    case "update_edge":
      return [op.id];
    case "batch":
      return op.ops.flatMap(touched);
    default:
      return [];
  }
}
