// The spawn page's free places (hub/live_capacity.py, docs/capacity.md): each card's figures are drawn
// here only, first from the JSON the page came with (#cps-capacity, written by templates/form.html),
// then from /hub/api/capacity every `refresh` seconds. Times are shown in the browser's own time zone.
// A file of its own, served by the hub (capacity_handlers.py), so the spawn page's template stays small:
// KubeSpawner compiles the template again for every page view.
(() => {
  const root = document.getElementById("cps-profiles");
  const initial = JSON.parse(document.getElementById("cps-capacity").textContent);
  const api = `${window.jhdata.base_url}api/capacity`;
  const headers = { "X-XSRFToken": window.jhdata.xsrf_token };
  const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const element = (tag, className, text) => {
    const made = document.createElement(tag);
    if (className) made.className = className;
    if (text) made.textContent = text;
    return made;
  };
  const call = async (method, path) => {
    const response = await fetch(`${api}${path}`, { method, headers, credentials: "same-origin" });
    if (response.ok) draw((await response.json()).profiles);
  };
  const draw = (cards) => {
    for (const card of cards) {
      const box = root.querySelector(`.cps-card[data-profile-slug="${CSS.escape(card.slug)}"]`);
      const slot = box?.querySelector(".cps-places");
      if (!slot) continue;
      box.classList.toggle("cps-full", card.full);
      box.dataset.free = card.free;
      slot.replaceChildren();
      const queue = card.queue;
      if (queue.offer_until) {
        slot.append(
          element("span", "cps-offer", `A place is yours until ${time(queue.offer_until)}: start now.`),
        );
        box.querySelector('input[name="profile"]').checked = true;
        continue;
      }
      if (!card.full) {
        slot.append(element("span", "cps-free", `${card.free} of ${card.total} free`));
      } else {
        slot.append(element("span", "cps-full-note", `Full: ${card.why_full}`));
        if (card.frees_by)
          slot.append(
            element("span", "cps-frees", `. A place frees by ${time(card.frees_by)} at the latest`),
          );
        if (card.frees_if_idle)
          slot.append(
            element(
              "span",
              "cps-frees",
              `, sooner if a server stays idle (from ${time(card.frees_if_idle)})`,
            ),
          );
        slot.append(".");
      }
      if (queue.users?.length)
        slot.append(element("span", "cps-line-admin", ` In line: ${queue.users.join(", ")}.`));
      if (queue.position) {
        slot.append(element("span", "cps-line", ` You are number ${queue.position} in line.`));
        const leave = element("button", "btn btn-sm btn-outline-secondary cps-leave", "Leave the line");
        leave.type = "button";
        leave.addEventListener("click", () => call("DELETE", "/queue"));
        slot.append(element("br"), leave);
      } else if (queue.open && card.full) {
        const join = element(
          "button",
          "btn btn-sm btn-outline-primary cps-join",
          queue.waiting ? `Wait in line (${queue.waiting} waiting)` : "Wait in line",
        );
        join.type = "button";
        join.addEventListener("click", () => call("POST", `/queue/${encodeURIComponent(card.slug)}`));
        slot.append(element("br"), join);
      }
    }
  };
  draw(initial.profiles);
  setInterval(() => call("GET", "").catch(() => {}), initial.refresh * 1000);
})();
