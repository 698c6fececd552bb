// Live availability on the vehicles page: the city's vehicle events
// (server-sent events from the list's data-live URL) update the list
// without a reload — a taken vehicle shows "in use" and its button is
// disabled, new vehicles appear, removed ones go — and map.js moves the
// markers along ("movr:vehicle" on an item, "movr:vehicle-removed" on the
// list). Changes are announced politely in #live-status; focus stays put.
// The list's data-live-state says "following" once the stream's first
// snapshot is shown, "reconnecting" while it is cut.
(() => {
  "use strict";
  const { element } = window.movr;
  const list = document.getElementById("vehicle-list");
  if (!list || !list.dataset.live || !window.EventSource) {
    return;
  }
  const items = list.querySelector("ul.vehicles");
  const announcer = document.getElementById("live-status");
  const empty = document.getElementById("no-vehicles");
  // Every vehicle the stream has told of (its window is wider than this
  // page): a changed vehicle that is neither listed nor known is new.
  const known = new Set();
  // Whether the stream was cut since the page was rendered.
  let reconnected = false;
  // The vehicles page's size (VEHICLES_PER_PAGE).
  const PAGE = 50;

  const label = (vehicle) => `${vehicle.color} ${vehicle.brand} ${vehicle.type}`;
  const available = (vehicle) => vehicle.status === "available";

  function announce(message) {
    if (announcer) {
      announcer.textContent = message;
    }
  }

  function itemOf(id) {
    return items.querySelector(`li[data-vehicle-id="${CSS.escape(id)}"]`);
  }

  /** A list item shaped like the server's, for a vehicle new to the page. */
  function build(vehicle) {
    const item = element("li", "vehicle");
    item.dataset.testid = "vehicle";
    item.dataset.vehicleId = vehicle.id;
    item.dataset.kind = vehicle.type;
    item.dataset.name = label(vehicle);
    const icon = element("img", "icon");
    icon.src = `/static/icons/${encodeURIComponent(vehicle.type)}.svg`;
    icon.alt = "";
    icon.width = 40;
    icon.height = 40;
    const body = element("div", "vehicle-body");
    const title = element("p");
    title.append(element("strong", "", `${vehicle.color} ${vehicle.brand}`), ` ${vehicle.type}`);
    const where = element("p", "muted");
    where.append("at ", element("span", "location"), ` · added ${vehicle.date_added.slice(0, 10)}`);
    body.append(title, where, element("span", "badge"));
    item.append(icon, body);
    return item;
  }

  /** Shows `vehicle`'s status, place and button on its item. */
  function show(item, vehicle) {
    const place = vehicle.last_location;
    item.dataset.status = available(vehicle) ? "available" : "in_use";
    item.dataset.location = place.label;
    if (place.point) {
      item.dataset.longitude = place.point.x;
      item.dataset.latitude = place.point.y;
    } else {
      delete item.dataset.longitude;
      delete item.dataset.latitude;
    }
    item.querySelector(".location").textContent = place.label;
    const badge = item.querySelector(".badge");
    badge.className = available(vehicle) ? "badge ok" : "badge busy";
    badge.textContent = available(vehicle) ? "available" : "in use";
    let button = item.querySelector("button");
    if (!button && available(vehicle)) {
      button = element("button", "button", "Start ride");
      button.type = "submit";
      button.formAction = `/rides/start/${encodeURIComponent(vehicle.id)}`;
      button.append(element("span", "visually-hidden"));
      item.append(button);
    }
    if (button) {
      button.disabled = !available(vehicle);
      button.querySelector(".visually-hidden").textContent =
        ` on the ${label(vehicle)} at ${place.label}`;
    }
    item.dispatchEvent(new CustomEvent("movr:vehicle", { bubbles: true }));
  }

  /** Shows `vehicle` on its item; adds an item for it when `addIfNew`. */
  function update(vehicle, addIfNew) {
    if (vehicle.status === "removed") {
      remove(vehicle.id);
      return;
    }
    let item = itemOf(vehicle.id);
    const isNew = !item && addIfNew;
    known.add(vehicle.id);
    if (isNew) {
      item = build(vehicle);
      items.prepend(item);
      if (empty) {
        empty.hidden = true;
      }
      show(item, vehicle);
      announce(`New: the ${label(vehicle)} at ${vehicle.last_location.label}.`);
    } else if (item) {
      const before = item.dataset.status;
      show(item, vehicle);
      if (before !== item.dataset.status) {
        const now = available(vehicle) ? "available" : "in use";
        announce(`The ${label(vehicle)} at ${vehicle.last_location.label} is now ${now}.`);
      }
    }
  }

  function remove(id) {
    known.delete(id);
    const item = itemOf(id);
    if (item) {
      item.remove();
      list.dispatchEvent(new CustomEvent("movr:vehicle-removed", { detail: { id } }));
      announce(`The ${item.dataset.name} is no longer listed.`);
    }
    if (empty && !items.querySelector("li")) {
      empty.hidden = false;
    }
  }

  /** The whole window as the server sees it: after a reconnection,
   * reconcile the page with it. The first one only says what is known: the
   * watcher read it up to an interval before this page was rendered, so
   * the page is as new or newer, and the changes since that reading come
   * next as a `change`. */
  function snapshot(vehicles) {
    const ids = new Set(vehicles.map((vehicle) => vehicle.id));
    if (!reconnected) {
      ids.forEach((id) => known.add(id));
      return;
    }
    // Listed vehicles the server no longer has are gone.
    for (const item of [...items.querySelectorAll("li[data-vehicle-id]")]) {
      if (!ids.has(item.dataset.vehicleId)) {
        remove(item.dataset.vehicleId);
      }
    }
    known.clear();
    ids.forEach((id) => known.add(id));
    // Newest first: those before the first listed vehicle are new to the
    // page (with an empty list, up to a page of them).
    const first = items.querySelector("li[data-vehicle-id]");
    const at = first ? vehicles.findIndex((v) => v.id === first.dataset.vehicleId) : PAGE;
    const fresh = vehicles.slice(0, Math.max(at, 0));
    for (const vehicle of vehicles.slice(fresh.length)) {
      update(vehicle, false);
    }
    for (const vehicle of fresh.reverse()) {
      update(vehicle, true);
    }
  }

  function change(event) {
    for (const id of event.removed) {
      remove(id);
    }
    for (const vehicle of event.changed) {
      update(vehicle, !known.has(vehicle.id));
    }
  }

  function connect() {
    const source = new EventSource(list.dataset.live);
    source.addEventListener("snapshot", (message) => {
      snapshot(JSON.parse(message.data).vehicles);
      list.dataset.liveState = "following";
    });
    source.addEventListener("change", (message) => change(JSON.parse(message.data)));
    source.addEventListener("error", () => {
      list.dataset.liveState = "reconnecting";
      reconnected = true;
      // The browser reconnects by itself after the server's `retry`; only a
      // refusal (over the cap, logged out) closes the stream for good: try
      // again later, at a random moment so refused pages do not come back
      // together.
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(connect, 5000 + Math.random() * 10000);
      }
    });
  }
  connect();
})();
