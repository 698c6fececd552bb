// MovR's maps, drawn with Leaflet (/static/vendor/leaflet/). Progressive
// enhancement: without this script the pages are the plain list and forms.
//
// - #vehicle-map: the city's vehicles, one marker per vehicle of the list
//   below it (icon by type, ring colour by status), fitted to them; a
//   marker's popup names the vehicle and offers "Start ride". The list is
//   the source of truth: when live updates (live.js) change an item, they
//   fire "movr:vehicle" on it (or "movr:vehicle-removed" on the list) and
//   the map follows.
// - [data-pick-map]: a map to pick a spot on, which fills its form's
//   longitude and latitude fields; the known places (the <datalist> its
//   data-places names) are marked, and picking one fills its name too.
// - [data-ride-map]: a ride's path (data-path, [[latitude, longitude], …]
//   from where it started) as a line, with a dot where it started and a
//   marker at its last point, or where it ended (data-end); it takes the
//   place of the path's plain drawing (data-replaces). While the ride is
//   open, ride.js extends the line ("movr:path-point" on the map, with the
//   point as its detail), and a click on the map is a "movr:map-pick" (the
//   spot as its detail) for ride.js to report.
(() => {
  "use strict";
  const { element } = window.movr;
  const L = window.L;
  if (!L) {
    return;
  }

  /** A map in `container` over the city its data attributes centre on. */
  function baseMap(container) {
    container.hidden = false;
    const map = L.map(container, { scrollWheelZoom: false });
    const tiles = container.dataset.tiles;
    if (tiles) {
      L.tileLayer(tiles, {
        maxZoom: 19,
        attribution: container.dataset.attribution,
      }).addTo(map);
    } else {
      // No tile server configured: markers on a plain background.
      container.classList.add("no-tiles");
    }
    return map;
  }

  /** Shows the city's centre, or fits `points` when there are any (at once:
   * no animation, so markers stand still where they belong). */
  function frame(map, container, points) {
    if (points.length > 0) {
      map.fitBounds(L.latLngBounds(points), { padding: [24, 24], maxZoom: 16, animate: false });
    } else {
      map.setView([Number(container.dataset.latitude), Number(container.dataset.longitude)], 13);
    }
  }

  /** The coordinates an item of the vehicle list carries, if any. */
  function position(item) {
    const lat = Number.parseFloat(item.dataset.latitude);
    const lon = Number.parseFloat(item.dataset.longitude);
    return Number.isFinite(lat) && Number.isFinite(lon) ? L.latLng(lat, lon) : null;
  }

  function icon(item) {
    const image = element("img");
    image.src = `/static/icons/${encodeURIComponent(item.dataset.kind)}.svg`;
    image.alt = "";
    image.width = 22;
    image.height = 22;
    return L.divIcon({
      className: `vehicle-marker ${item.dataset.status === "available" ? "available" : "in-use"}`,
      html: image,
      iconSize: [34, 34],
      iconAnchor: [17, 17],
      popupAnchor: [0, -16],
    });
  }

  function statusText(item) {
    return item.dataset.status === "available" ? "available" : "in use";
  }

  /** The popup of a vehicle: what and where, and a form to start a ride. */
  function popup(item, csrfToken) {
    const box = element("div", "map-popup");
    const title = element("p");
    title.append(element("strong", "", item.dataset.name));
    box.append(title, element("p", "muted", `at ${item.dataset.location}`));
    const available = item.dataset.status === "available";
    box.append(element("span", available ? "badge ok" : "badge busy", statusText(item)));
    if (available && csrfToken) {
      const form = element("form", "map-start");
      form.method = "post";
      form.action = `/rides/start/${encodeURIComponent(item.dataset.vehicleId)}`;
      const token = element("input");
      token.type = "hidden";
      token.name = "csrf_token";
      token.value = csrfToken;
      form.append(token, element("button", "button small", "Start ride"));
      box.append(form);
    }
    return box;
  }

  function vehicleMap(container) {
    const list = document.getElementById("vehicle-list");
    const csrf = list && list.querySelector("input[name=csrf_token]");
    const map = baseMap(container);
    const markers = new Map();

    /** Draws (or redraws) the marker of one list item. */
    function show(item) {
      const id = item.dataset.vehicleId;
      const at = position(item);
      const existing = markers.get(id);
      if (existing) {
        existing.remove();
        markers.delete(id);
      }
      if (!at) {
        return;
      }
      const marker = L.marker(at, {
        icon: icon(item),
        title: `${item.dataset.name} at ${item.dataset.location}, ${statusText(item)}`,
        keyboard: true,
      });
      marker.bindPopup(() => popup(item, csrf && csrf.value));
      marker.addTo(map);
      marker.getElement().dataset.vehicleId = id;
      markers.set(id, marker);
    }

    const items = list ? Array.from(list.querySelectorAll("li[data-vehicle-id]")) : [];
    frame(map, container, items.map(position).filter(Boolean));
    items.forEach(show);
    if (list) {
      list.addEventListener("movr:vehicle", (event) => show(event.target));
      list.addEventListener("movr:vehicle-removed", (event) => {
        const marker = markers.get(event.detail.id);
        if (marker) {
          marker.remove();
          markers.delete(event.detail.id);
        }
      });
    }
    // For the browser tests and the console: the map behind the element.
    container.leafletMap = map;
  }

  function formatCoordinate(value) {
    return value.toFixed(5);
  }

  function pickMap(container) {
    const form = container.closest("form");
    const field = (name) => form && form.querySelector(`[name=${name}]`);
    const [lonField, latField, label] = [field("longitude"), field("latitude"), field("location")];
    if (!lonField || !latField) {
      return;
    }
    const map = baseMap(container);
    frame(map, container, []);
    let picked = null;
    function pick(at) {
      lonField.value = formatCoordinate(at.lng);
      latField.value = formatCoordinate(at.lat);
      if (picked) {
        picked.setLatLng(at);
      } else {
        // A drawn dot, as the vehicles' markers are: Leaflet's default
        // marker is an image this app does not serve.
        const icon = L.divIcon({ className: "picked-spot", iconSize: [20, 20] });
        picked = L.marker(at, { icon, title: "The spot you picked", keyboard: false }).addTo(map);
      }
    }
    const lat = Number.parseFloat(latField.value);
    const lon = Number.parseFloat(lonField.value);
    if (Number.isFinite(lat) && Number.isFinite(lon)) {
      pick(L.latLng(lat, lon));
    }
    map.on("click", (event) => pick(event.latlng));
    // The known places, from the location field's suggestions.
    const places = document.getElementById(container.dataset.places || "");
    for (const place of places ? places.querySelectorAll("option") : []) {
      const at = L.latLng(Number(place.dataset.latitude), Number(place.dataset.longitude));
      L.circleMarker(at, { radius: 6, className: "known-place" })
        .bindTooltip(place.value)
        .on("click", () => {
          pick(at);
          if (label) {
            label.value = place.value;
          }
        })
        .addTo(map);
    }
    container.leafletMap = map;
  }

  /** The points of a `[[latitude, longitude], …]` data attribute. */
  function points(raw) {
    try {
      const parsed = JSON.parse(raw || "[]");
      return Array.isArray(parsed) ? parsed.filter((p) => Array.isArray(p) && p.length === 2) : [];
    } catch {
      return [];
    }
  }

  function rideMap(container) {
    const map = baseMap(container);
    const path = points(container.dataset.path).map(([lat, lng]) => L.latLng(lat, lng));
    const [end] = points(container.dataset.end ? `[${container.dataset.end}]` : "[]");
    const line = L.polyline(path, { className: "ride-path", interactive: false }).addTo(map);
    if (path.length > 0) {
      L.circleMarker(path[0], { radius: 6, className: "ride-start", interactive: false })
        .bindTooltip("Start")
        .addTo(map);
    }
    const lastTitle = container.dataset.open ? "You were here last" : "Where the ride ended";
    const lastAt = end ? L.latLng(end[0], end[1]) : path.length > 1 ? path[path.length - 1] : null;
    // A dot, not Leaflet's default marker (its images are not served).
    const dot = (at) =>
      L.circleMarker(at, { radius: 8, className: "ride-last", interactive: false })
        .bindTooltip(lastTitle)
        .addTo(map);
    let last = lastAt ? dot(lastAt) : null;
    frame(map, container, end ? path.concat([L.latLng(end[0], end[1])]) : path);
    // The line takes the plain drawing's place.
    const drawing = document.getElementById(container.dataset.replaces || "");
    if (drawing) {
      drawing.hidden = true;
    }
    container.addEventListener("movr:path-point", (event) => {
      const at = L.latLng(event.detail.lat, event.detail.lng);
      line.addLatLng(at);
      if (last) {
        last.setLatLng(at);
      } else {
        last = dot(at);
      }
      // The whole path stays in view.
      if (!map.getBounds().contains(at)) {
        frame(map, container, line.getLatLngs());
      }
    });
    if (container.dataset.open) {
      map.on("click", (event) => {
        container.dispatchEvent(
          new CustomEvent("movr:map-pick", {
            detail: { lat: event.latlng.lat, lng: event.latlng.lng },
          }),
        );
      });
    }
    container.leafletMap = map;
    container.rideLine = line;
  }

  const vehicles = document.getElementById("vehicle-map");
  if (vehicles) {
    vehicleMap(vehicles);
  }
  document.querySelectorAll("[data-pick-map]").forEach(pickMap);
  document.querySelectorAll("[data-ride-map]").forEach(rideMap);
})();
