// The DOT the page lays out: the twin of diagrams/dot.py, line for line, held to the same
// golden files by tests/diagrams/test_dot_twin.py. Every number and colour comes from the
// server (diagrams.dot.dot_style(), in the page's config); only the way they are put
// together lives here, so both sides give Graphviz the same text for the same graph.

// What XML 1.0 cannot hold; the `u` flag makes a surrogate pair one character, as in Python.
const NOT_XML = /[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]/gu;
const SINGLE_SPACE = /(?<=[^ \t\n]) (?=[^ \t\n])/;

function literal(value) {
  return value.replace(NOT_XML, "\ufffd").replaceAll("&", "&amp;");
}

function label(value) {
  return literal(value).replaceAll("\\", "\\\\");
}

function tooltip(value) {
  return literal(value).replaceAll("\\", "\\\\\\\\");
}

// Lengths in code points, as Python counts them.
const length = (text) => [...text].length;

export function wrap(text, width) {
  const lines = [];
  for (const typed of text.split("\n")) {
    let line = "";
    for (const word of typed.split(SINGLE_SPACE)) {
      if (line && length(line) + 1 + length(word) > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    lines.push(line);
  }
  return lines.join("\n");
}

function quoted(value) {
  return `"${value.replaceAll('"', '\\"')}"`;
}

function attributes(values) {
  return Object.entries(values)
    .map(([name, value]) => `${name}=${quoted(value)}`)
    .join(" ");
}

function isCompact(graph, style) {
  return graph.nodes.length > style.compact.nodes || graph.edges.length > style.compact.edges;
}

// The blocks in the order Graphviz is to meet them, so that blocks nothing joins read oldest
// first: diagrams.dot.declared, which says why.
export function declared(graph) {
  const nodes = graph.nodes;
  if (graph.direction !== "LR") return [...nodes];
  const index = new Map(nodes.map((node, i) => [node.id, i]));
  const root = nodes.map((_, i) => i);
  const find = (i) => {
    while (root[i] !== i) {
      root[i] = root[root[i]];
      i = root[i];
    }
    return i;
  };
  // The oldest block of a part names it.
  const join = (a, b) => {
    const [x, y] = [find(a), find(b)];
    root[Math.max(x, y)] = Math.min(x, y);
  };
  for (const edge of graph.edges) join(index.get(edge.source), index.get(edge.target));
  nodes.forEach((node, i) => {
    if (node.place && honoured(node, nodes[index.get(node.place.beside)])) join(i, index.get(node.place.beside));
  });
  const part = nodes.map((_, i) => find(i));
  return nodes.map((_, i) => i).sort((a, b) => part[b] - part[a] || a - b).map((i) => nodes[i]);
}

// Only a place beside a block of the same group (or none) reaches the DOT: diagrams.dot._honoured.
const honoured = (node, beside) => beside.group === node.group;

export function toDot(graph, style, idPrefix = "") {
  const layout = {
    ...style.graph,
    rankdir: graph.direction,
    id: `${idPrefix}graph`,
    ...(isCompact(graph, style) ? style.compact.layout : {}),
  };
  const lines = [
    "digraph diagram {",
    `\tgraph [${attributes(layout)}]`,
    `\tnode [${attributes(style.node)}]`,
    `\tedge [${attributes(style.edge)}]`,
  ];
  const names = new Map(graph.nodes.map((node, i) => [node.id, `n${i}`]));
  const kinds = new Map(graph.nodes.map((node) => [node.id, node.kind]));
  for (const node of declared(graph)) {
    const kind = style.kinds[node.kind];
    const values = {
      label: label(wrap(node.label, style.wrap.node)),
      tooltip: tooltip(/[^ \t\n]/.test(node.note) ? node.note : node.label),
      shape: kind.shape,
      style: kind.style,
      fillcolor: kind.fill,
      color: kind.border,
      id: `${idPrefix}node-${node.id}`,
      class: `kind-${node.kind}`,
    };
    lines.push(`\t${names.get(node.id)} [${attributes(values)}]`);
  }
  graph.groups.forEach((group, i) => {
    const values = { label: label(group.label), id: `${idPrefix}group-${group.id}`, ...style.group };
    lines.push(`\tsubgraph cluster_${i} {`, `\t\tgraph [${attributes(values)}]`);
    for (const node of graph.nodes) if (node.group === group.id) lines.push(`\t\t${names.get(node.id)}`);
    lines.push("\t}");
  });
  for (const edge of graph.edges) {
    let values = { id: `${idPrefix}edge-${edge.id}` };
    if (kinds.get(edge.source) === "sticky" || kinds.get(edge.target) === "sticky") {
      values = { ...values, ...style.sticky_edge };
    }
    if (edge.label) values.xlabel = label(wrap(edge.label, style.wrap.edge));
    lines.push(`\t${names.get(edge.source)} -> ${names.get(edge.target)} [${attributes(values)}]`);
  }
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  for (const node of graph.nodes) {
    if (!node.place || !honoured(node, byId.get(node.place.beside))) continue;
    const [me, other] = [names.get(node.id), names.get(node.place.beside)];
    const [first, second] = node.place.side === "before" ? [me, other] : [other, me];
    lines.push(`\t{rank=same; ${me}; ${other}}`, `\t${first} -> ${second} [style="invis"]`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
