// The Reference tab's diagram full size: an overlay over the room with zoom and pan. The
// drawing is the server's (the same as the PDF's); it moves into the overlay while open, so
// the page never holds two copies of its ids.
import { fitIn, LABEL_FLOOR_PX } from "./diagram.js";

const ZOOM_STEP = 1.25;

export class ReferenceOverlay {
  constructor({ dialog, thumbnail, opener, fontSize }) {
    this.dialog = dialog;
    this.thumbnail = thumbnail;
    this.canvas = dialog.querySelector(".overlay-canvas");
    this.svg = thumbnail.querySelector("svg");
    this.floor = LABEL_FLOOR_PX / fontSize;
    const viewBox = this.svg.viewBox.baseVal;
    this.size = { width: viewBox.width, height: viewBox.height };
    for (const element of [opener, thumbnail]) element.addEventListener("click", () => this.open());
    dialog.addEventListener("close", () => {
      this.svg.style.width = this.svg.style.height = ""; // the thumbnail's own size again
      this.thumbnail.append(this.svg);
    });
    const zooms = { in: () => this.zoomTo(this.scale * ZOOM_STEP), out: () => this.zoomTo(this.scale / ZOOM_STEP), fit: () => this.fit() };
    for (const button of dialog.querySelectorAll("[data-zoom]")) button.addEventListener("click", zooms[button.dataset.zoom]);
    dialog.addEventListener("keydown", (event) => {
      const action = { "+": zooms.in, "=": zooms.in, "-": zooms.out, 0: zooms.fit }[event.key];
      if (action && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        action();
      }
    });
    this.canvas.addEventListener(
      "wheel",
      (event) => {
        if (!event.ctrlKey && !event.metaKey) return;
        event.preventDefault();
        this.zoomTo(this.scale * (event.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP));
      },
      { passive: false },
    );
    this.bindPan();
  }

  open() {
    this.canvas.append(this.svg);
    this.dialog.showModal();
    this.fit();
  }

  // The whole diagram if it fits with its labels at the floor; else the floor, scrolled.
  fit() {
    this.zoomTo(Math.max(this.floor, fitIn(this.canvas, this.size.width, this.size.height)));
  }

  zoomTo(scale) {
    this.scale = Math.min(4, Math.max(0.2, scale));
    this.svg.style.width = `${Math.round(this.size.width * this.scale)}px`;
    this.svg.style.height = `${Math.round(this.size.height * this.scale)}px`;
  }

  bindPan() {
    let from = null;
    this.canvas.addEventListener("pointerdown", (event) => {
      from = { x: event.clientX + this.canvas.scrollLeft, y: event.clientY + this.canvas.scrollTop };
      this.canvas.setPointerCapture(event.pointerId);
    });
    this.canvas.addEventListener("pointermove", (event) => {
      if (from) this.canvas.scrollTo(from.x - event.clientX, from.y - event.clientY);
    });
    this.canvas.addEventListener("pointerup", () => (from = null));
  }
}
