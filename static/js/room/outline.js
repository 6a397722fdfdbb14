// The diagram as a screen reader reads it: every block with its kind, group and arrows, in a
// list kept in step with the drawing (which is a picture to assistive technology), and each
// change the other side makes said in a polite live region.

const name = (graph, id) => graph.nodes.find((node) => node.id === id)?.label ?? "a block";

function arrows(graph, edges, end, words) {
  if (!edges.length) return "";
  const listed = edges.map((edge) => `${name(graph, edge[end])}${edge.label ? ` (${edge.label})` : ""}`);
  return `; ${words} ${listed.join(", ")}`;
}

// "Ranker, Ranking, in Online; connects to Cache (scores); from Event logs".
export function describeBlock(graph, node, kinds) {
  const group = graph.groups.find((g) => g.id === node.group);
  return (
    `${node.label}, ${kinds[node.kind]?.name ?? node.kind}${group ? `, in ${group.label}` : ""}` +
    arrows(graph, graph.edges.filter((edge) => edge.source === node.id), "target", "connects to") +
    arrows(graph, graph.edges.filter((edge) => edge.target === node.id), "source", "from")
  );
}

function arrowName(graph, edge) {
  return edge ? `the arrow from ${name(graph, edge.source)} to ${name(graph, edge.target)}` : "an arrow";
}

// What `op` did, in words, given the graph before it and after it.
export function describeChange(op, before, after) {
  const edge = (graph, id) => graph.edges.find((e) => e.id === id);
  const group = (graph, id) => graph.groups.find((g) => g.id === id)?.label ?? "a group";
  switch (op.op) {
    case "add_node":
      return `added ${op.node.label}`;
    case "update_node":
      if ("label" in op.set) return `renamed ${name(before, op.id)} to ${op.set.label}`;
      if ("place" in op.set) return `moved ${name(after, op.id)}`;
      return `changed ${name(after, op.id)}`;
    case "remove_node":
      return `removed ${name(before, op.id)}`;
    case "add_edge":
      return `connected ${name(after, op.edge.source)} to ${name(after, op.edge.target)}`;
    case "update_edge":
      return `changed ${arrowName(after, edge(after, op.id))}`;
    case "remove_edge":
      return `removed ${arrowName(before, edge(before, op.id))}`;
    case "add_group":
      return `made the group ${op.group.label}`;
    case "update_group":
      return `renamed the group ${group(before, op.id)} to ${group(after, op.id)}`;
    case "remove_group":
      return `removed the group ${group(before, op.id)}`;
    case "set_direction":
      return `turned the diagram ${op.direction === "LR" ? "left to right" : "top to bottom"}`;
    case "replace":
      return "replaced the whole diagram";
    case "batch": {
      const said = op.ops.slice(0, 3).map((inner) => describeChange(inner, before, after));
      const more = op.ops.length - said.length;
      return said.join(", ") + (more > 0 ? ` and made ${more} more change${more > 1 ? "s" : ""}` : "");
    }
    default:
      return "changed the diagram";
  }
}

export class Outline {
  constructor({ list, announcer, kinds }) {
    this.list = list;
    this.announcer = announcer;
    this.kinds = kinds;
  }

  show(graph) {
    this.list.replaceChildren(
      ...graph.nodes.map((node) => {
        const item = document.createElement("li");
        item.textContent = describeBlock(graph, node, this.kinds);
        return item;
      }),
    );
  }

  announce(text) {
    this.announcer.textContent = text;
  }
}
