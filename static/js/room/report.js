// Export a PDF report: ask the API, then poll its status (this works in every setup,
// including the embedded default, where the worker cannot reach the page's channel layer).
const POLL_MS = 1000;

export function bindExport(button, status, roomId) {
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
  const url = `/api/rooms/${roomId}/reports/`;

  async function poll(id) {
    const reports = await (await fetch(url, { credentials: "same-origin" })).json();
    const report = reports.find((r) => r.id === id);
    if (report.status === "done") {
      status.replaceChildren(Object.assign(document.createElement("a"), { href: report.download_url, textContent: "Download the PDF" }));
      button.disabled = false;
    } else if (report.status === "failed") {
      status.textContent = `The report failed: ${report.error}. Try again.`;
      button.disabled = false;
    } else {
      status.textContent = report.status === "queued" ? "Queued…" : "Building the PDF…";
      setTimeout(() => poll(id), POLL_MS);
    }
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = "Asking for the report…";
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ paper: button.form?.elements.paper?.value || "A4" }),
    });
    const body = await response.json();
    if (!response.ok) {
      status.textContent = body.detail || "The report could not be requested.";
      button.disabled = false;
      return;
    }
    poll(body.id);
  });
}
