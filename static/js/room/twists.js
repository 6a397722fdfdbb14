// Twists: new constraints the interviewer reveals mid-interview. Both sides see them under
// the prompt; the interviewer's kit marks the ones already revealed.
import { formatSeconds } from "./timer.js";
import { toast } from "./toast.js";

// When in the interview a twist came: the phase, and the interview clock as the timer shows it.
function revealedWhen(twist) {
  if (twist.elapsed === 0) return `${twist.phase}, at the start`;
  return `${twist.phase}, at ${formatSeconds(twist.elapsed)} of the interview`;
}

export class TwistsView {
  constructor({ section, list, kit, connection }) {
    this.section = section;
    this.list = list;
    this.kit = kit;
    this.shown = null; // keys shown so far; null until the first snapshot
    for (const button of kit?.querySelectorAll(".twist-reveal") ?? []) {
      button.addEventListener("click", () => {
        const title = button.closest("li").querySelector("strong").textContent;
        if (!confirm(`Reveal “${title}” to the candidate? They see it at once, and it cannot be taken back.`)) return;
        button.disabled = true;
        connection.send({ type: "twist.reveal", key: button.dataset.key });
      });
    }
  }

  update(twists) {
    const fresh = this.shown ? twists.filter((t) => !this.shown.has(t.key)) : [];
    this.shown = new Set(twists.map((t) => t.key));
    this.section.hidden = twists.length === 0;
    this.list.replaceChildren(
      ...twists.map((twist) => {
        const item = document.createElement("li");
        item.dataset.twist = twist.key;
        const title = Object.assign(document.createElement("strong"), { textContent: twist.title });
        const when = Object.assign(document.createElement("span"), {
          className: "muted small",
          textContent: ` (${revealedWhen(twist)})`,
        });
        const text = Object.assign(document.createElement("p"), { textContent: twist.reveal });
        item.append(title, when, text);
        return item;
      }),
    );
    for (const twist of fresh) toast(`New constraint: ${twist.title}`, "warning", 8000);
    // The list sits under the statement, often below the fold: bring a new one into view.
    if (fresh.length) this.list.lastElementChild.scrollIntoView({ block: "nearest", behavior: "smooth" });
    for (const item of this.kit?.querySelectorAll("li[data-twist]") ?? []) {
      const revealed = twists.find((t) => t.key === item.dataset.twist);
      item.querySelector(".twist-reveal").disabled = Boolean(revealed);
      item.querySelector(".twist-state").textContent = revealed
        ? `Revealed in ${revealedWhen(revealed)}.`
        : "";
    }
    return fresh.length > 0; // whether a new one came (the page marks a folded statement)
  }

  // A refused reveal (already revealed, interview ended) leaves the button usable again
  // only if it was not in fact revealed.
  refused() {
    for (const button of this.kit?.querySelectorAll(".twist-reveal") ?? []) {
      button.disabled = this.shown?.has(button.dataset.key) ?? false;
    }
  }
}
