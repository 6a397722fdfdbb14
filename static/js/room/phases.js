// The interviewer's phase editor, open until the timer starts.
export class PhasesEditor {
  constructor(form, connection) {
    this.form = form;
    this.rows = form.querySelector("#phases-rows");
    this.locked = form.querySelector("#phases-locked");
    this.connection = connection;
    this.editing = false; // local changes not yet accepted by the server
    this.saving = false;
    form.addEventListener("input", () => (this.editing = true));
    form.querySelector("#phase-add").addEventListener("click", () => {
      this.editing = true;
      this.rows.append(this.row({ name: "", minutes: 5 }));
      this.rows.lastElementChild.querySelector("input").focus();
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
  }

  row(phase) {
    const li = document.createElement("li");
    li.innerHTML = `
      <input type="text" name="name" aria-label="Phase name" maxlength="40" required>
      <input type="number" name="minutes" aria-label="Minutes" min="1" max="180" required>
      <span class="muted">min</span>
      <button type="button" class="icon" aria-label="Remove phase">×</button>`;
    li.querySelector('[name="name"]').value = phase.name;
    li.querySelector('[name="minutes"]').value = phase.minutes;
    li.querySelector("button").addEventListener("click", () => {
      this.editing = true;
      li.remove();
    });
    return li;
  }

  update(timer) {
    const open = timer.status === "not_started";
    // Our save was accepted, or the timer started and unsaved edits can no longer apply.
    if (this.saving || !open) this.editing = this.saving = false;
    this.locked.hidden = open;
    if (!this.editing) this.rows.replaceChildren(...timer.phases.map((p) => this.row(p)));
    this.form.querySelectorAll("input, button").forEach((el) => (el.disabled = !open));
  }

  // The server said no (the error is shown as a toast); keep the edits to fix them.
  refused() {
    this.saving = false;
  }

  save() {
    const phases = [...this.rows.children].map((li) => ({
      name: li.querySelector('[name="name"]').value,
      minutes: Number(li.querySelector('[name="minutes"]').value),
    }));
    this.saving = this.connection.send({ type: "timer.phases", phases });
  }
}
