// The same ops as diagrams/ops.py, applied to this page's copy of the graph. Only ops the
// server has applied reach this code, so it trusts them and skips validation.
const COLLECTION = { node: "nodes", edge: "edges", group: "groups" };

export function applyOp(graph, op) {
  const g = structuredClone(graph);
  applyInPlace(g, op);
  return g;
}

function applyInPlace(g, op) {
  const [verb, noun] = op.op.split("_");
  if (verb === "add") {
    const list = g[COLLECTION[noun]];
    const item = { ...op[noun] };
    if (noun === "node") Object.assign(item, { group: item.group || null, note: item.note || "", place: item.place || null });
    if (noun === "edge") item.label = item.label || "";
    list.splice(op.index ?? list.length, 0, item);
  } else if (verb === "update") {
    const changes = { ...op.set };
    if ("group" in changes) changes.group = changes.group || null; // as the server stores it
    Object.assign(g[COLLECTION[noun]].find((i) => i.id === op.id), changes);
  } else if (op.op === "remove_node") {
    g.nodes = g.nodes.filter((n) => n.id !== op.id);
    for (const n of g.nodes) if (n.place?.beside === op.id) n.place = null;
    g.edges = g.edges.filter((e) => e.source !== op.id && e.target !== op.id);
  } else if (op.op === "remove_edge") {
    g.edges = g.edges.filter((e) => e.id !== op.id);
  } else if (op.op === "remove_group") {
    g.groups = g.groups.filter((x) => x.id !== op.id);
    for (const n of g.nodes) if (n.group === op.id) n.group = null;
  } else if (op.op === "set_direction") {
    g.direction = op.direction;
  } else if (op.op === "replace") {
    Object.assign(g, normalize(op.graph));
  } else if (op.op === "batch") {
    for (const inner of op.ops) applyInPlace(g, inner);
  }
}

function normalize(graph) {
  return {
    schema: 2, // diagrams.graph.SCHEMA_VERSION
    direction: graph.direction || "TB", // diagrams.graph.DEFAULT_DIRECTION
    groups: (graph.groups || []).map((x) => ({ id: x.id, label: x.label })),
    nodes: (graph.nodes || []).map((n) => ({ ...n, group: n.group || null, note: n.note || "", place: n.place || null })),
    edges: (graph.edges || []).map((e) => ({ ...e, label: e.label || "" })),
  };
}

// Client-made ids: random enough that two people adding at once never collide.
// (getRandomValues, unlike randomUUID, also works on plain http to a LAN address.)
export function newId(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  return `${prefix}-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}
