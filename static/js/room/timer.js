// The phase timer display: phase name, time left, total, and the strip of phases.
const STATUS_LABEL = { not_started: "Not started", running: "Running", paused: "Paused", ended: "Ended" };

export function formatSeconds(seconds) {
  const sign = seconds < 0 ? "+" : "";
  const s = Math.floor(Math.abs(seconds));
  const minutes = Math.floor(s / 60);
  return `${sign}${String(minutes).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

// The clock ticks four times a second but shows whole seconds: a write that changes nothing
// would still make the browser restyle, lay out and repaint the bar (half of an idle room
// page's CPU).
function write(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

function setLevel(root, level) {
  if (root.dataset.level !== level) root.dataset.level = level;
}

export class TimerView {
  constructor(root, clock) {
    this.root = root;
    this.clock = clock;
    this.state = null;
    this.el = {
      phase: root.querySelector("#timer-phase"),
      left: root.querySelector("#timer-left"),
      status: root.querySelector("#timer-status"),
      total: root.querySelector("#timer-total"),
      planned: root.querySelector("#timer-planned"),
      strip: root.querySelector("#timer-strip"),
    };
    setInterval(() => this.tick(), 250);
  }

  update(state) {
    this.state = state;
    const planned = state.phases.reduce((sum, p) => sum + p.minutes * 60, 0);
    this.el.planned.textContent = formatSeconds(planned);
    this.el.strip.replaceChildren(
      ...state.phases.map((phase, i) => {
        const li = document.createElement("li");
        li.style.flexGrow = phase.minutes;
        li.title = `${phase.name}: ${phase.minutes} min`;
        li.textContent = phase.name;
        if (i < state.phase_index) li.className = "done";
        if (i === state.phase_index) li.setAttribute("aria-current", "step");
        return li;
      }),
    );
    this.root.dataset.status = state.status;
    this.el.status.textContent = STATUS_LABEL[state.status];
    this.tick();
  }

  live() {
    const s = this.state;
    return s.running_since === null ? 0 : Math.max(0, (this.clock.now() - s.running_since) / 1000);
  }

  tick() {
    if (!this.state) return;
    const s = this.state;
    const phase = s.phases[s.phase_index];
    const elapsed = s.phase_elapsed + this.live();
    const left = phase.minutes * 60 - elapsed;
    write(this.el.total, formatSeconds(s.total_elapsed + this.live()));
    if (s.status === "ended") {
      // Over: no phase has time left; what counts now is how long it took.
      write(this.el.phase, `Ended in ${phase.name}`);
      write(this.el.left, "Ended");
      setLevel(this.root, "normal");
      return;
    }
    write(this.el.phase, `${phase.name} · ${s.phase_index + 1}/${s.phases.length}`);
    write(this.el.left, formatSeconds(left));
    let level = "normal";
    if (s.status !== "not_started") {
      if (left < 0) level = "overrun";
      else if (left <= s.amber_seconds) level = "warning";
    }
    setLevel(this.root, level);
  }
}
