// Who is in the room; a toast when the other participant drops or comes back.
import { toast } from "./toast.js";

export class PresenceView {
  constructor(list, myRole) {
    this.list = list;
    this.myRole = myRole;
    this.previous = null;
  }

  update(participants) {
    this.list.replaceChildren(
      ...participants.map((p) => {
        const li = document.createElement("li");
        li.dataset.role = p.role;
        li.dataset.connected = p.connected;
        const name = p.username || "waiting for candidate";
        li.textContent = `${p.role === "interviewer" ? "Interviewer" : "Candidate"}: ${name}`;
        li.title = p.connected ? `${name} is connected` : `${name} is not connected`;
        return li;
      }),
    );
    const other = participants.find((p) => p.role !== this.myRole);
    if (this.previous && other && other.username) {
      const was = this.previous.find((p) => p.role === other.role);
      if (was && was.connected && !other.connected) toast(`${other.username} disconnected`, "warning");
      if (was && !was.connected && other.connected) toast(`${other.username} is here`, "success");
    }
    this.previous = participants;
  }
}
