// The diagram drawn from Graphviz's layout (its JSON output) as the page's own SVG: each shape
// from the layout's drawing operations, each label set as text (never markup), and blocks and
// arrows gliding from their old places to their new ones. It knows nothing of sockets.
const SVG = "http://www.w3.org/2000/svg";
export const GLIDE_MS = 250;
const FADE_MS = 200;
const HIGHLIGHT_MS = 1600;
// Points along an arrow while it glides: enough for a curve to stay a curve.
const GLIDE_SAMPLES = 24;
const COLOR = /^#[0-9a-f]{6}([0-9a-f]{2})?$/i;
// Graphviz's line styles as SVG dashes.
const DASHES = { dashed: "5,2", dotted: "1.5,3" };

function make(tag, attributes = {}) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

// Colours come from our own DOT, but only a colour is ever written into an attribute.
function paint(value) {
  if (!COLOR.test(value ?? "")) return "none";
  return value.length === 9 && value.endsWith("00") ? "none" : value.slice(0, 7);
}

const round = (value) => Math.round(value * 100) / 100;

// --- The layout ------------------------------------------------------------------------

// Graphviz's JSON as what we draw: sizes in points, y pointing down, every block at its centre
// with its shapes relative to it, every arrow as its curve and head. `prefix` is the id prefix
// of the DOT (diagrams.dot): `node-`, `edge-` and `group-` follow it.
export function readLayout(json, prefix = "") {
  const [x0, y0, x1, y1] = json.bb.split(",").map(Number);
  const at = ([x, y]) => [x - x0, y1 - y];
  const id = (object, kind) => {
    const value = object.id ?? "";
    return value.startsWith(`${prefix}${kind}-`) ? value.slice(prefix.length + kind.length + 1) : null;
  };
  const layout = { width: x1 - x0, height: y1 - y0, nodes: new Map(), edges: new Map(), groups: new Map() };
  for (const object of json.objects ?? []) {
    if (object.nodes !== undefined) {
      const groupId = id(object, "group");
      if (groupId !== null) layout.groups.set(groupId, { ops: [...object._draw_ ?? [], ...object._ldraw_ ?? []], at });
      continue;
    }
    const nodeId = id(object, "node");
    if (nodeId === null) continue;
    const [x, y] = at(object.pos.split(",").map(Number));
    layout.nodes.set(nodeId, {
      x,
      y,
      kind: /^kind-[a-z_]+$/.test(object.class ?? "") ? object.class : "",
      width: Number(object.width) * 72,
      height: Number(object.height) * 72,
      ops: [...object._draw_ ?? [], ...object._ldraw_ ?? []],
      at: (point) => {
        const [px, py] = at(point);
        return [px - x, py - y];
      },
    });
  }
  for (const object of json.edges ?? []) {
    const edgeId = id(object, "edge");
    if (edgeId === null) continue;
    const curve = (object._draw_ ?? []).find((op) => op.op === "b" || op.op === "B");
    const style = (object._draw_ ?? []).findLast((op) => op.op === "S" && Object.hasOwn(DASHES, op.style));
    layout.edges.set(edgeId, {
      points: (curve?.points ?? []).map(at),
      dash: style ? DASHES[style.style] : null,
      ops: [...object._hdraw_ ?? [], ...object._tdraw_ ?? [], ...object._ldraw_ ?? []],
      at,
    });
  }
  return layout;
}

// --- Shapes ----------------------------------------------------------------------------

function bezierPath(points) {
  if (!points.length) return "";
  const [first, ...rest] = points;
  let d = `M${round(first[0])},${round(first[1])}`;
  for (let i = 0; i + 2 < rest.length; i += 3) {
    d += ` C${rest.slice(i, i + 3).map(([x, y]) => `${round(x)},${round(y)}`).join(" ")}`;
  }
  return d;
}

const pointList = (points) => points.map(([x, y]) => `${round(x)},${round(y)}`).join(" ");

// SVG elements for Graphviz's drawing operations (xdot), with `at` placing each point.
function shapes(ops, at) {
  const drawn = [];
  let pen = "#000000";
  let fill = "none";
  let dash = null;
  let width = 1;
  let fontSize = 14;
  for (const op of ops) {
    switch (op.op) {
      case "c":
        pen = paint(op.color);
        break;
      case "C":
        fill = paint(op.color);
        break;
      case "S":
        if (Object.hasOwn(DASHES, op.style)) dash = DASHES[op.style];
        else if (op.style === "solid") dash = null;
        else if (op.style.startsWith("setlinewidth(")) width = Number.parseFloat(op.style.slice(13)) || 1;
        break;
      case "F":
        fontSize = op.size;
        break;
      case "p":
      case "P":
      case "L":
      case "b":
      case "B": {
        const points = op.points.map(at);
        const closed = op.op === "p" || op.op === "P";
        const filled = op.op === "P" || op.op === "B";
        const shape = op.op === "b" || op.op === "B"
          ? make("path", { d: bezierPath(points) })
          : make(closed ? "polygon" : "polyline", { points: pointList(points) });
        shape.setAttribute("fill", filled ? fill : "none");
        shape.setAttribute("stroke", pen);
        shape.setAttribute("stroke-width", width);
        if (dash) shape.setAttribute("stroke-dasharray", dash);
        drawn.push(shape);
        break;
      }
      case "e":
      case "E": {
        const [cx, cy] = at([op.rect[0], op.rect[1]]);
        const shape = make("ellipse", { cx: round(cx), cy: round(cy), rx: round(op.rect[2]), ry: round(op.rect[3]) });
        shape.setAttribute("fill", op.op === "E" ? fill : "none");
        shape.setAttribute("stroke", pen);
        shape.setAttribute("stroke-width", width);
        drawn.push(shape);
        break;
      }
      case "T": {
        const [x, y] = at(op.pt);
        const text = make("text", {
          x: round(x),
          y: round(y),
          "font-size": fontSize,
          "text-anchor": { l: "start", r: "end" }[op.align] ?? "middle",
        });
        text.setAttribute("fill", pen);
        text.textContent = op.text;
        drawn.push(text);
        break;
      }
    }
  }
  return drawn;
}

// --- Gliding ---------------------------------------------------------------------------

function cubic(p0, p1, p2, p3, t) {
  const u = 1 - t;
  return [0, 1].map((i) => u * u * u * p0[i] + 3 * u * u * t * p1[i] + 3 * u * t * t * p2[i] + t * t * t * p3[i]);
}

// An arrow's curve as GLIDE_SAMPLES points, so that any two arrows can be blended.
function sample(points) {
  if (points.length < 4) return Array.from({ length: GLIDE_SAMPLES }, () => points[0] ?? [0, 0]);
  const segments = Math.floor((points.length - 1) / 3);
  return Array.from({ length: GLIDE_SAMPLES }, (_, i) => {
    const along = (i / (GLIDE_SAMPLES - 1)) * segments;
    const segment = Math.min(segments - 1, Math.floor(along));
    const [p0, p1, p2, p3] = points.slice(segment * 3, segment * 3 + 4);
    return cubic(p0, p1, p2, p3, along - segment);
  });
}

const ease = (t) => 1 - (1 - t) ** 3;

// --- The drawing -----------------------------------------------------------------------

export class Drawing {
  constructor(svg) {
    this.svg = svg;
    this.layers = Object.fromEntries(
      ["groups", "edges", "nodes"].map((name) => {
        const layer = make("g", { class: `layer-${name}` });
        svg.append(layer);
        return [name, layer];
      }),
    );
    this.shown = { nodes: new Map(), edges: new Map(), groups: new Map() }; // id -> {element, ...}
    this.glides = [];
    this.frame = null;
  }

  get size() {
    return this.current ? { width: this.current.width, height: this.current.height } : { width: 0, height: 0 };
  }

  // Draw `layout` (readLayout's); what moved glides there unless `animate` is false; the ids
  // in `highlight` (the other side's change) are marked for a moment. `moved` maps a point of
  // the previous drawing to this one's, where the page placed this one elsewhere on screen,
  // so that glides start where things were seen. Resolves once every block and arrow is at
  // rest in its new place.
  draw(layout, { animate = true, highlight = new Set(), moved = null, direction = "TB" } = {}) {
    const glide = animate && this.current !== undefined && !matchMedia("(prefers-reduced-motion: reduce)").matches;
    this.current = layout;
    this.direction = direction; // where each block's connect handle sits: its downstream side
    if (moved) this.carry(moved);
    this.svg.setAttribute("viewBox", `0 0 ${round(layout.width)} ${round(layout.height)}`);
    this.glides = [];
    this.drawGroups(layout, glide);
    this.drawNodes(layout, glide);
    this.drawEdges(layout, glide);
    for (const id of highlight) {
      for (const kind of ["nodes", "edges"]) {
        const element = this.shown[kind].get(id)?.element;
        if (!element) continue;
        element.classList.remove("changed");
        element.getBoundingClientRect(); // restart the highlight if it was already running
        element.classList.add("changed");
        setTimeout(() => element.classList.remove("changed"), HIGHLIGHT_MS);
      }
    }
    cancelAnimationFrame(this.frame);
    this.settled?.(); // a glide cut short by this drawing is over too
    if (!this.glides.length) return Promise.resolve();
    return new Promise((resolve) => {
      this.settled = resolve;
      this.run(performance.now());
    });
  }

  run(started) {
    this.frame = requestAnimationFrame((now) => {
      // A frame's time is when the frame began, which may be before the glide did: clamped,
      // or its first step would jump backwards.
      const t = Math.min(1, Math.max(0, (now - started) / GLIDE_MS));
      for (const step of this.glides) step(ease(t));
      if (t < 1) {
        this.run(started);
      } else {
        this.settled?.();
        this.settled = null;
      }
    });
  }

  // What is shown, from the previous drawing's coordinates to the new one's.
  carry(moved) {
    for (const shown of this.shown.nodes.values()) {
      shown.at = moved(shown.at);
      shown.element.setAttribute("transform", `translate(${round(shown.at[0])} ${round(shown.at[1])})`);
    }
    for (const shown of this.shown.edges.values()) {
      shown.points = shown.points.map(moved);
      for (const path of [shown.line, shown.hit]) path.setAttribute("d", bezierPath(shown.points));
      shown.decorations.replaceChildren(); // heads and labels come back where the arrow ends up
    }
  }

  // Elements of the previous drawing that are not in this one fade out, then go.
  leave(kind, kept) {
    for (const [id, shown] of this.shown[kind]) {
      if (kept.has(id)) continue;
      this.shown[kind].delete(id);
      const element = shown.element;
      element.removeAttribute("id");
      element.setAttribute("class", "leaving");
      setTimeout(() => element.remove(), FADE_MS);
    }
  }

  enter(kind, id, element, layer) {
    element.classList.add("entering");
    setTimeout(() => element.classList.remove("entering"), FADE_MS);
    layer.append(element);
  }

  drawGroups(layout, glide) {
    this.leave("groups", layout.groups);
    for (const [id, group] of layout.groups) {
      let shown = this.shown.groups.get(id);
      if (!shown) {
        shown = { element: make("g", { class: "cluster", id: `group-${id}` }) };
        this.shown.groups.set(id, shown);
        this.enter("groups", id, shown.element, this.layers.groups);
      }
      // A group's frame follows its blocks; drawn anew, it fades across rather than glides.
      shown.element.replaceChildren(...shapes(group.ops, group.at));
      if (glide) shown.element.animate([{ opacity: 0.35 }, { opacity: 1 }], { duration: GLIDE_MS });
    }
  }

  drawNodes(layout, glide) {
    this.leave("nodes", layout.nodes);
    for (const [id, node] of layout.nodes) {
      let shown = this.shown.nodes.get(id);
      const to = [node.x, node.y];
      if (!shown) {
        shown = { element: make("g", { class: "node", id: `node-${id}` }), at: to };
        this.shown.nodes.set(id, shown);
        this.enter("nodes", id, shown.element, this.layers.nodes);
      }
      for (const name of [...shown.element.classList]) if (name.startsWith("kind-")) shown.element.classList.remove(name);
      if (node.kind) shown.element.classList.add(node.kind);
      shown.element.replaceChildren(...shapes(node.ops, node.at), this.outline(node), this.handle(node));
      const from = shown.at;
      shown.at = to;
      const place = ([x, y]) => shown.element.setAttribute("transform", `translate(${round(x)} ${round(y)})`);
      if (glide && (from[0] !== to[0] || from[1] !== to[1])) {
        this.glides.push((t) => place([from[0] + (to[0] - from[0]) * t, from[1] + (to[1] - from[1]) * t]));
        place(from);
      } else {
        place(to);
      }
    }
  }

  // Where a drag starts an arrow: a dot on the side arrows leave from (below, or right).
  handle(node) {
    const [cx, cy] = this.direction === "LR" ? [node.width / 2, 0] : [0, node.height / 2];
    return make("circle", { class: "handle", cx: round(cx), cy: round(cy), r: 5 });
  }

  // Show block `id` at `at` (a block being dragged by hand), or back at its place with null.
  hold(id, at) {
    const shown = this.shown.nodes.get(id);
    const [x, y] = at ?? shown?.at ?? [0, 0];
    shown?.element.setAttribute("transform", `translate(${round(x)} ${round(y)})`);
    shown?.element.classList.toggle("held", Boolean(at));
  }

  // The selection's outline: a rectangle around the block, stroked at a fixed screen width.
  outline(node) {
    const margin = 4;
    return make("rect", {
      class: "outline",
      x: round(-node.width / 2 - margin),
      y: round(-node.height / 2 - margin),
      width: round(node.width + 2 * margin),
      height: round(node.height + 2 * margin),
      rx: 4,
    });
  }

  drawEdges(layout, glide) {
    this.leave("edges", layout.edges);
    for (const [id, edge] of layout.edges) {
      let shown = this.shown.edges.get(id);
      if (!shown) {
        const element = make("g", { class: "edge", id: `edge-${id}` });
        // A wide invisible stroke to click, whatever the zoom (non-scaling, in the style sheet).
        const hit = make("path", { class: "hit" });
        const line = make("path", { class: "line", fill: "none" });
        const decorations = make("g", { class: "decorations" });
        element.append(hit, line, decorations);
        shown = { element, hit, line, decorations, points: edge.points };
        this.shown.edges.set(id, shown);
        this.enter("edges", id, element, this.layers.edges);
      }
      const from = sample(shown.points);
      const to = edge.points;
      shown.points = to;
      const final = bezierPath(to);
      const decorations = shapes(edge.ops, edge.at);
      const stroke = decorations.find((shape) => shape.tagName !== "text")?.getAttribute("stroke") ?? "#5d6778";
      shown.line.setAttribute("stroke", stroke);
      if (edge.dash) shown.line.setAttribute("stroke-dasharray", edge.dash);
      else shown.line.removeAttribute("stroke-dasharray");
      const set = (d) => {
        shown.line.setAttribute("d", d);
        shown.hit.setAttribute("d", d);
      };
      if (glide && final !== shown.line.getAttribute("d") && shown.line.getAttribute("d")) {
        const target = sample(to);
        // Heads and labels reappear at the end, where the arrow now is.
        shown.decorations.replaceChildren();
        this.glides.push((t) => {
          if (t >= 1) {
            set(final);
            shown.decorations.replaceChildren(...decorations);
            return;
          }
          const blended = from.map((p, i) => [p[0] + (target[i][0] - p[0]) * t, p[1] + (target[i][1] - p[1]) * t]);
          set(`M${blended.map(([x, y]) => `${round(x)},${round(y)}`).join(" L")}`);
        });
      } else {
        set(final);
        shown.decorations.replaceChildren(...decorations);
      }
    }
  }
}
