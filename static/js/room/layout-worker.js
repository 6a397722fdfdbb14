// Lays diagrams out with Graphviz compiled to WebAssembly (static/vendor/viz-js), off the
// page's main thread, so that typing never waits for a layout. Messages: {vizUrl} first, then
// {id, dot}; answers {id, layout} (Graphviz's JSON) or {id, error}, and {ready} once loaded.
let viz = null;
const waiting = [];

async function start(vizUrl) {
  const { instance } = await import(vizUrl);
  viz = await instance();
  self.postMessage({ ready: true });
  for (const message of waiting.splice(0)) lay(message);
}

function lay({ id, dot }) {
  const started = performance.now();
  try {
    const layout = viz.renderJSON(dot);
    self.postMessage({ id, layout, ms: performance.now() - started });
  } catch (error) {
    self.postMessage({ id, error: String(error?.message ?? error) });
  }
}

self.addEventListener("message", ({ data }) => {
  if (data.vizUrl) start(data.vizUrl).catch((error) => self.postMessage({ error: String(error) }));
  else if (viz) lay(data);
  else waiting.push(data);
});
