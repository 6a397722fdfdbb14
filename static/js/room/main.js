// The room page: wires the connection to the timer, presence, notes and controls.
import { ServerClock } from "./clock.js";
import { RoomConnection } from "./connection.js";
import { DiagramEditor } from "./diagram.js";
import { Layouter } from "./layout.js";
import { LeaveGuard } from "./leaving.js";
import { NotesPad } from "./notes.js";
import { Panels } from "./panels.js";
import { PhasesEditor } from "./phases.js";
import { PresenceView } from "./presence.js";
import { ReferenceOverlay } from "./reference.js";
import { bindExport } from "./report.js";
import { ReviewView } from "./review.js";
import { ScoringPanel, SelfAssessmentForm, showFeedback } from "./scoring.js";
import { TimerView } from "./timer.js";
import { toast } from "./toast.js";
import { TwistsView } from "./twists.js";

const config = JSON.parse(document.getElementById("room-config").textContent);

// Page messages ("Room created", "You joined") become toasts so they never cover the timer.
for (const item of document.querySelectorAll(".flash li")) {
  toast(item.textContent, item.className.includes("error") ? "error" : "success", 5000);
}
document.querySelector(".flash")?.remove();
const isInterviewer = config.role === "interviewer";
const clock = new ServerClock();
const timer = new TimerView(document.getElementById("timer"), clock);
const presence = new PresenceView(document.getElementById("presence"), config.role);
const connState = document.getElementById("conn-state");

const CONNECTION_LABEL = {
  connecting: "Connecting…",
  connected: "Live",
  reconnecting: "Reconnecting…",
  denied: "No access",
  elsewhere: "Open elsewhere",
  signedout: "Signed out",
};

const connection = new RoomConnection({
  url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/rooms/${config.room_id}/`,
  accessUrl: `/api/rooms/${config.room_id}/`,
  heartbeatMs: config.heartbeat_ms,
  clock,
  onState(state) {
    const was = connState.dataset.state;
    connState.dataset.state = state;
    connState.textContent = CONNECTION_LABEL[state];
    if (state === "reconnecting" && was === "connected") toast("Connection lost, reconnecting…", "warning");
    if (state === "connected" && was === "reconnecting") toast("Reconnected", "success", 2000);
    if (state === "denied") toast("You no longer have access to this room.", "error", 10000);
    if (state === "signedout") toast("You are signed out. Sign in again, then reload this page.", "error", 10000);
  },
  onMessage: handle,
  onLeave: () => leaving.leave(),
});
const leaving = new LeaveGuard({ connection, roomId: config.room_id });

const pads = Object.fromEntries(
  [...document.querySelectorAll("textarea[data-kind]")].map((t) => [t.dataset.kind, new NotesPad(t, connection)]),
);
const phases = isInterviewer ? new PhasesEditor(document.getElementById("phases-form"), connection) : null;
const scoring = isInterviewer ? new ScoringPanel(document.getElementById("scoring-form"), connection) : null;
const selfAssessment = isInterviewer
  ? null
  : new SelfAssessmentForm(document.getElementById("pane-self"), document.getElementById("tab-self"), connection);

function showSelfAssessment(data) {
  if (scoring) scoring.selfRatings(data);
  else selfAssessment.update(data);
}
const diagram = new DiagramEditor({
  root: document.getElementById("diagram"),
  connection,
  role: config.role,
  username: config.username,
  style: config.dot,
  layouter: new Layouter({ workerUrl: config.layout.worker, vizUrl: config.layout.viz }),
  onChange: (graph, version) => {
    scoring?.nodes(graph);
    review?.changed(graph, version);
  },
  historyKey: `mockboard.history.${config.room_id}.${config.username}`,
  draftKey: `mockboard.text.${config.room_id}.${config.username}`,
});

// The interviewer's Review tab, live while it is open; the candidate's, in the shared feedback
// once the interviewer shares the review with it.
const reviewBody = document.getElementById("review-body");
const reviewPane = document.getElementById(isInterviewer ? "pane-review" : "feedback-review");
const review = reviewBody
  ? new ReviewView(reviewBody, connection, {
      isVisible: () => !panels.folded("side") && !reviewPane.hidden && !reviewPane.closest("[hidden]"),
      select: (ids) => diagram.select(ids),
    })
  : null;
if (review && !isInterviewer) review.setOpen(false);

const referenceDialog = document.getElementById("reference-overlay");
if (referenceDialog) {
  new ReferenceOverlay({
    dialog: referenceDialog,
    thumbnail: document.getElementById("reference-thumbnail"),
    opener: document.getElementById("reference-open"),
    fontSize: Number(config.dot.node.fontsize),
  });
}

for (const source of [...Object.values(pads), scoring ?? selfAssessment]) leaving.add(source);
leaving.add(diagram);

// A dot on a side-panel tab with something new in it, until it is opened; and on the browser
// tab while the page is out of sight.
const pageTitle = document.title;
function markNew(tab) {
  if (tab.getAttribute("aria-selected") !== "true" || panels.folded("side")) tab.dataset.fresh = "true";
  if (document.visibilityState === "hidden") document.title = `● ${pageTitle}`;
}
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") document.title = pageTitle;
});

const twists = new TwistsView({
  section: document.getElementById("twists"),
  list: document.getElementById("twists-list"),
  kit: document.getElementById("twist-kit"),
  connection,
});

let feedbackShared = null; // null until the first snapshot says
function showSharedFeedback(feedback) {
  if (isInterviewer) return;
  const tab = document.getElementById("tab-feedback");
  showFeedback(document.getElementById("feedback-body"), tab, feedback, config.recommendations);
  const shared = Boolean(feedback);
  if (feedbackShared !== null && shared !== feedbackShared) {
    if (shared) {
      toast("Your interviewer shared their feedback: see the Feedback tab.", "success", 8000);
      markNew(tab);
    } else {
      toast("Your interviewer took the feedback back for now.", "info", 6000);
    }
  }
  feedbackShared = shared;
  const withReview = Boolean(feedback?.review_shared);
  reviewPane.hidden = !withReview;
  if (review.open !== withReview) review.setOpen(withReview);
}

for (const button of document.querySelectorAll(".report-export")) {
  bindExport(button, button.parentElement.querySelector(".report-status"), config.room_id);
}

// Timer states from two server processes can arrive out of order; the revision orders them.
let timerRevision = -1;

function showTimer(state) {
  if (state.revision < timerRevision) return;
  if (state.status === "ended" && timer.state && timer.state.status !== "ended") interviewEnded();
  timerRevision = state.revision;
  timer.update(state);
  diagram.setEnded(state.status === "ended");
  if (phases) phases.update(state);
  if (isInterviewer) updateControls(state);
}

// Seen live (not on a page opened afterwards): both sides are told, and what opens now is marked.
function interviewEnded() {
  // The end opens the self-assessment, which the snapshot carries: fetch a fresh one.
  connection.send({ type: "sync" });
  // ... and the replay, to the candidate too, and swapping roles.
  document.getElementById("replay-open").hidden = false;
  const swap = document.getElementById("swap-form");
  if (swap) swap.hidden = false;
  if (isInterviewer) {
    toast("The interview has ended. The diagram is frozen as it stands; scoring stays open.", "info", 8000);
    markNew(document.getElementById("tab-rubric"));
  } else {
    toast("The interview has ended. Rate yourself in the Self-assessment tab.", "info", 8000);
    markNew(document.getElementById("tab-self"));
  }
}

function showParticipants(participants) {
  presence.update(participants);
  const connected = participants.some((p) => p.role !== config.role && p.connected);
  if (connected !== otherConnected) diagram.otherConnected(connected);
  otherConnected = connected;
  if (!isInterviewer) return;
  const seat = participants.find((p) => p.role === "candidate");
  document.getElementById("candidate-seat").textContent = seat.username
    ? `Candidate: ${seat.username}`
    : "No candidate has joined yet.";
  document.getElementById("candidate-remove").hidden = !seat.username;
  // The invite sits in the top bar until somebody takes the seat.
  document.getElementById("invite-bar").hidden = Boolean(seat.username);
}

// The pad whose save this answers (each names its own saves).
function padAnswered(saveId, { refused = false } = {}) {
  Object.values(pads).some((pad) => pad?.answered(saveId, refused));
}

let otherConnected = false;
function handle(message) {
  if (message.type.startsWith("diagram.")) {
    diagram.receive(message);
    return;
  }
  switch (message.type) {
    case "snapshot":
      if (message.protocol !== config.protocol) {
        // Mockboard was deployed anew while this page was open, speaking another protocol.
        toast("Mockboard was updated while this page was open: reload it to keep working", "warning", 600000);
      }
      showTimer(message.room.timer);
      showParticipants(message.participants);
      diagram.load(message.room.diagram);
      if (scoring) scoring.update(message.room.feedback);
      else showSharedFeedback(message.room.feedback);
      // Saves not yet acknowledged may be missing from this snapshot: send them again.
      (scoring ?? selfAssessment).outbox.resend();
      showSelfAssessment(message.room.self_assessment);
      twists.update(message.room.twists);
      pads.candidate.resync(message.room.candidate_notes);
      if (pads.interviewer) pads.interviewer.resync(message.room.interviewer_notes);
      break;
    case "timer.state":
      showTimer(message.timer);
      break;
    case "scoring.state":
      scoring?.update(message.scoring);
      break;
    case "self_assessment.state":
      showSelfAssessment(message.self_assessment);
      break;
    case "feedback.shared":
      showSharedFeedback(message.feedback);
      break;
    case "swapped": {
      // The other side swapped roles: their new room is ours too.
      document.getElementById("swap-form")?.remove();
      const open = document.getElementById("swap-open");
      open.href = `/rooms/${message.room_id}/`;
      open.hidden = false;
      toast(`Roles swapped: a new interview on “${message.problem}” is ready. Open the swapped room.`, "success", 15000);
      break;
    }
    case "review":
      review?.receive(message);
      break;
    case "twists":
      if (twists.update(message.twists)) panels.markNew("statement");
      break;
    case "saved":
      if (message.request === "notes.save") padAnswered(message.save_id);
      else (scoring ?? selfAssessment).outbox.answered(message.save_id);
      break;
    case "presence":
    case "pong":
      showParticipants(message.participants);
      break;
    case "notes.updated":
      if (pads[message.kind]) pads[message.kind].remote(message.text);
      break;
    case "error":
      // Not refused for good: the connection sends it again shortly (connection.js).
      if (message.code === "busy") {
        serverBusy();
        break;
      }
      if (message.request?.startsWith("diagram.")) diagram.refused(message);
      // The text view says what is wrong with the text at its lines, as it is typed.
      // So does the review, in its own pane.
      if (message.request === "review") review?.refused(message);
      else if (!["diagram.import", "diagram.preview"].includes(message.request)) toast(message.message, "error", 6000);
      if (message.code === "access_revoked") connection.stop("denied");
      if (message.request === "notes.save") padAnswered(message.save_id, { refused: true });
      if (message.request === "timer.phases" && phases) phases.refused();
      if (message.request === "twist.reveal") twists.refused();
      else if (message.save_id) (scoring ?? selfAssessment).outbox.answered(message.save_id, message.message);
      break;
  }
}

// Said once while the server keeps refusing: the changes are kept and sent again by themselves.
const BUSY_TOAST_MS = 15000;
let busyToldAt = 0;
function serverBusy() {
  if (Date.now() - busyToldAt < BUSY_TOAST_MS) return;
  busyToldAt = Date.now();
  toast("The server is busy: your changes are kept and sent again in a moment.", "warning", 6000);
}

// Interviewer controls: one toggle for start/pause/resume, next phase, end.
function updateControls(state) {
  const toggle = document.getElementById("timer-toggle");
  const next = document.getElementById("timer-next");
  const end = document.getElementById("timer-end");
  const toggleAction = { not_started: "start", running: "pause", paused: "resume" }[state.status];
  toggle.dataset.action = toggleAction || "";
  toggle.textContent = { start: "Start", pause: "Pause", resume: "Resume" }[toggleAction] || "Ended";
  toggle.disabled = !toggleAction;
  const last = state.phase_index >= state.phases.length - 1;
  next.disabled = !(state.status === "running" || state.status === "paused") || last;
  end.disabled = state.status === "ended";
}

function timerAction(action) {
  if (!action) return;
  if (action === "end" && !confirm("End the interview for both of you? The timer stops for good.")) return;
  if (!connection.send({ type: "timer.control", action })) toast("Not connected; try again in a moment.", "warning");
}

if (isInterviewer) {
  for (const id of ["timer-toggle", "timer-next", "timer-end"]) {
    const button = document.getElementById(id);
    button.addEventListener("click", () => timerAction(button.dataset.action));
  }
  for (const copy of document.querySelectorAll("[data-copies]")) {
    copy.addEventListener("click", async () => {
      const input = document.getElementById(copy.dataset.copies);
      try {
        await navigator.clipboard.writeText(input.value);
        toast("Invite link copied: send it to your candidate", "success", 3000);
      } catch {
        input.select();
        toast("Press Ctrl+C to copy the selected link", "info");
      }
    });
  }
}

// The schedule is typed in the browser's own time zone and sent with its offset (as UTC).
const schedule = document.getElementById("schedule-form");
if (schedule) {
  const when = schedule.querySelector("#schedule-when");
  if (schedule.dataset.at) {
    const at = new Date(schedule.dataset.at);
    when.value = new Date(at.getTime() - at.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  }
  schedule.addEventListener("submit", () => {
    schedule.elements.scheduled_at.value = when.value ? new Date(when.value).toISOString() : "";
  });
}

document.querySelectorAll("form[data-confirm]").forEach((form) =>
  form.addEventListener("submit", (event) => {
    if (!confirm(form.dataset.confirm)) event.preventDefault();
  }),
);

// Panels, and the side panel's tabs: a tab picked on the folded rail unfolds the panel.
const panels = new Panels(document.getElementById("room-grid"), {
  statement: document.getElementById("statement-toggle"),
  side: document.getElementById("side-toggle"),
  palette: document.getElementById("palette-toggle"),
});
const tabs = [...document.querySelectorAll('[role="tab"]')];
function selectTab(tab) {
  if (panels.folded("side")) panels.fold("side", false);
  delete tab.dataset.fresh;
  for (const t of tabs) {
    const selected = t === tab;
    t.setAttribute("aria-selected", selected);
    t.tabIndex = selected ? 0 : -1;
    document.getElementById(t.getAttribute("aria-controls")).hidden = !selected;
  }
  review?.refresh();
}
tabs.forEach((tab) => tab.addEventListener("click", () => selectTab(tab)));
// Unfolding the side panel shows the review again: bring it up to date.
document.getElementById("side-toggle").addEventListener("click", () => review?.refresh());


// Keyboard shortcuts, never while typing in a field: room controls use Shift+letter, the
// diagram plain keys (see the ? list).
const help = document.getElementById("help");
document.getElementById("help-open").addEventListener("click", () => help.showModal());
document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (event.key === "Escape" && target.matches("input, textarea")) {
    target.blur();
    return;
  }
  if (target.matches("input, textarea, select")) return;
  // Enter and Space on a focused button or link are that control's own.
  if (target.matches("button, a, summary") && (event.key === "Enter" || event.key === " ")) return;
  if (!target.closest("dialog") && diagram.key(event)) {
    event.preventDefault();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "?") {
    help.showModal();
  } else if (event.shiftKey && event.code === "KeyP") {
    panels.toggle("statement");
  } else if (event.shiftKey && event.code === "KeyT") {
    panels.toggle("side");
    review?.refresh();
  } else if (event.shiftKey && event.code === "KeyL") {
    panels.toggle("palette");
  } else if (event.shiftKey && /^Digit[1-7]$/.test(event.code)) {
    const tab = tabs.filter((t) => !t.hidden)[Number(event.code.slice(5)) - 1];
    if (tab) selectTab(tab);
  } else if (isInterviewer && event.shiftKey && event.code === "KeyS") {
    timerAction(document.getElementById("timer-toggle").dataset.action);
  } else if (isInterviewer && event.shiftKey && event.code === "KeyN") {
    if (!document.getElementById("timer-next").disabled) timerAction("next_phase");
  } else if (isInterviewer && event.shiftKey && event.code === "KeyE") {
    timerAction("end");
  } else {
    return;
  }
  event.preventDefault();
});

connection.connect();
