// Small, non-blocking messages in the corner.
export function toast(text, kind = "info", ms = 4000) {
  const box = document.getElementById("toasts");
  const item = document.createElement("div");
  item.className = `toast toast-${kind}`;
  item.textContent = text;
  box.append(item);
  setTimeout(() => item.remove(), ms);
}
