// The open ride's page: reports where the rider is, so the ride gets its
// path and distance. Progressive enhancement: without this script the
// "I'm here" form posts typed coordinates and the page reloads.
//
// - "Share my location while riding" (a toggle button, shown only where the
//   browser has geolocation; nothing is asked before it is pressed) watches
//   the browser's position and posts it at most every few seconds, until
//   pressed again, refused, or the ride ends.
// - Otherwise, a click on the map (map.js's "movr:map-pick") or the form's
//   own button posts that spot.
// Each report is the form's POST with `Accept: application/json`; the
// answer's message goes to the status line (a polite live region), and an
// accepted point updates the distance and extends the map's line
// ("movr:path-point" on the map). The time so far ticks every second.
(() => {
  "use strict";
  const form = document.getElementById("report-position");
  const elapsed = document.getElementById("ride-elapsed");
  tick(elapsed);
  if (!form || !window.fetch || !window.URLSearchParams) {
    return;
  }
  const status = document.getElementById("position-status");
  const distance = document.getElementById("ride-distance");
  const share = document.getElementById("share-location");
  const map = document.querySelector("[data-ride-map]");
  const field = (name) => form.querySelector(`[name=${name}]`);
  // How often a watched position is posted, at most.
  const EVERY_MS = 5000;
  let watch = null;
  let lastSent = 0;
  let pausedUntil = 0;
  let sending = false;
  let ended = false;

  function say(message) {
    status.textContent = message;
  }

  /** The page's seconds since `since` as "12 min 5 s". */
  function length(since) {
    const seconds = Math.max(0, Math.floor((Date.now() - since) / 1000));
    const minutes = Math.floor(seconds / 60);
    return minutes === 0 ? `${seconds} s` : `${minutes} min ${seconds % 60} s`;
  }

  function tick(element) {
    const since = element && Date.parse(element.dataset.since);
    if (!element || !Number.isFinite(since)) {
      return;
    }
    // The server's clock may differ from this one: count from the time
    // the page showed.
    const offset = Date.parse(element.dataset.now) - Date.now();
    const update = () => {
      element.textContent = length(since - (Number.isFinite(offset) ? offset : 0));
    };
    setInterval(update, 1000);
  }

  /** Posts one point; says what became of it. */
  async function report(longitude, latitude) {
    if (ended) {
      say("This ride has ended: positions are no longer recorded.");
      return;
    }
    if (sending) {
      say("Still sending the last position; try again in a moment.");
      return;
    }
    sending = true;
    const body = new URLSearchParams({
      csrf_token: field("csrf_token").value,
      longitude: String(longitude),
      latitude: String(latitude),
    });
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        redirect: "manual",
      });
      if (response.type === "opaqueredirect") {
        stopSharing();
        say("Your session has ended: log in again to report where you are.");
        return;
      }
      const answer = await response.json().catch(() => ({}));
      if (response.ok) {
        distance.textContent = answer.distance;
        if (map) {
          map.dispatchEvent(
            new CustomEvent("movr:path-point", { detail: { lat: latitude, lng: longitude } }),
          );
        }
      } else if (answer.ended) {
        ended = true;
        stopSharing();
      } else if (response.status === 429) {
        const wait = Number.parseInt(response.headers.get("Retry-After") || "60", 10);
        pausedUntil = Date.now() + (Number.isFinite(wait) ? wait : 60) * 1000;
      }
      say(
        answer.message ||
          (response.status === 403
            ? "This page has expired: reload it to go on reporting where you are."
            : `Your position was not recorded (error ${response.status}); try again.`),
      );
    } catch {
      say("Your position could not be sent: no connection? It is tried again with the next one.");
    } finally {
      sending = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    report(field("longitude").value.trim(), field("latitude").value.trim());
  });

  if (map) {
    map.addEventListener("movr:map-pick", (event) => {
      const { lat, lng } = event.detail;
      field("longitude").value = lng.toFixed(6);
      field("latitude").value = lat.toFixed(6);
      report(lng.toFixed(6), lat.toFixed(6));
    });
  }

  function stopSharing() {
    if (watch !== null) {
      navigator.geolocation.clearWatch(watch);
      watch = null;
    }
    clearTimeout(timer);
    timer = null;
    pending = null;
    if (share) {
      share.setAttribute("aria-pressed", "false");
    }
  }

  // The newest watched position not sent yet, and the timer that sends it
  // once EVERY_MS has passed since the last report.
  let pending = null;
  let timer = null;

  function sendPending() {
    timer = null;
    if (!pending || watch === null) {
      return;
    }
    const wait = Math.max(lastSent + EVERY_MS, pausedUntil) - Date.now();
    if (wait > 0 || sending) {
      timer = setTimeout(sendPending, Math.max(wait, 500));
      return;
    }
    const { longitude, latitude } = pending;
    pending = null;
    lastSent = Date.now();
    report(longitude.toFixed(6), latitude.toFixed(6));
  }

  function startSharing() {
    say("Asking your browser where you are…");
    share.setAttribute("aria-pressed", "true");
    watch = navigator.geolocation.watchPosition(
      (position) => {
        pending = position.coords;
        if (timer === null) {
          sendPending();
        }
      },
      (error) => {
        if (error.code === error.PERMISSION_DENIED) {
          stopSharing();
          say(
            "Your browser did not share your location. Click the map where you are, " +
              "or type your coordinates, and press “I'm here”.",
          );
        } else {
          say("Your location is not available right now; still trying.");
        }
      },
      { enableHighAccuracy: true, maximumAge: EVERY_MS, timeout: 30000 },
    );
  }

  if (share && navigator.geolocation) {
    share.hidden = false;
    share.addEventListener("click", () => {
      if (watch === null) {
        startSharing();
      } else {
        stopSharing();
        say("You stopped sharing your location.");
      }
    });
  }
})();
