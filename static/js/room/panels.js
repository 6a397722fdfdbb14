// The panels beside the diagram (the problem statement, the side panel with notes and the
// interviewer's tools, and the names in the palette of kinds) fold to a narrow rail so that
// the diagram has the screen.
// What each person chose is remembered in this browser; until they choose, a screen too
// narrow for both panels and a readable diagram opens with them folded (at 1440x900 the
// canvas is then about 1200 px wide instead of 630, and most diagrams of twenty blocks fit
// at the label floor: bench/README.md, "Readability").
const STORAGE_KEY = "mockboard.panels";
const ROOMY_PX = 1680;

function stored() {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY)) ?? {};
  } catch {
    return {}; // storage refused (private mode) or not ours: fall back to the defaults
  }
}

export class Panels {
  // toggles: {name: button}; each panel folds with the class `${name}-collapsed` on `grid`.
  constructor(grid, toggles) {
    this.grid = grid;
    this.toggles = toggles;
    const chosen = stored();
    const folded = window.innerWidth < ROOMY_PX;
    for (const name of Object.keys(toggles)) {
      this.show(name, chosen[name] ?? folded);
      toggles[name].addEventListener("click", () => this.toggle(name));
    }
  }

  folded(name) {
    return this.grid.classList.contains(`${name}-collapsed`);
  }

  toggle(name) {
    this.fold(name, !this.folded(name));
  }

  // Fold or unfold a panel by the person's choice, remembered.
  fold(name, folded) {
    this.show(name, folded);
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...stored(), [name]: folded }));
    } catch {
      // Not remembered, but the panel still folds.
    }
  }

  show(name, folded) {
    this.grid.classList.toggle(`${name}-collapsed`, folded);
    const button = this.toggles[name];
    button.setAttribute("aria-expanded", !folded);
    button.textContent = folded ? button.dataset.show : button.dataset.hide;
    button.setAttribute("aria-label", `${folded ? "Show" : "Hide"} ${button.dataset.panel}`);
    button.title = `${folded ? "Show" : "Hide"} ${button.dataset.panel} (${button.getAttribute("aria-keyshortcuts")})`;
    if (!folded) delete button.dataset.fresh;
  }

  // Something new arrived in a folded panel: a dot on its button until it is opened.
  markNew(name) {
    if (this.folded(name)) this.toggles[name].dataset.fresh = "true";
  }
}
