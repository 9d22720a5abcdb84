// The edit form's advisory lock (tavolo.versioning.lock_views): take it once the page has
// loaded (by a POST: the form's GET never writes), refresh it while the form stays open,
// say in the page's live region when someone else holds it or took it over, and release
// it when the user leaves without submitting. Saving and cancelling release it on the
// server. Without this script the form still works; the notice is rendered server-side.
(function () {
  "use strict";

  var region = document.getElementById("tavolo-edit-lock");
  if (!region || !region.getAttribute("data-lock-take") || !window.fetch) {
    return;
  }
  var takeUrl = region.getAttribute("data-lock-take");
  var releaseUrl = region.getAttribute("data-lock-release");
  var token = region.getAttribute("data-lock-token");
  var refreshMs = Math.max(10, parseInt(region.getAttribute("data-lock-refresh"), 10) || 200) * 1000;
  var errorText = region.getAttribute("data-lock-error");
  var lastState = null;
  var timer = null;
  var submitting = false;
  var holding = false;

  function show(text, kind, link) {
    region.textContent = "";
    if (!text) {
      return;
    }
    var box = document.createElement("div");
    box.className = "alert alert-" + kind;
    if (kind === "danger") {
      box.setAttribute("role", "alert");
    }
    var p = document.createElement("p");
    p.className = "mb-0";
    p.textContent = text;
    if (link && link.url) {
      var a = document.createElement("a");
      a.className = "ms-1 tavolo-lock-takeover";
      a.href = link.url;
      a.textContent = link.label;
      p.appendChild(document.createTextNode(" "));
      p.appendChild(a);
    }
    box.appendChild(p);
    region.appendChild(box);
  }

  function apply(answer) {
    var state = answer.state;
    holding = state === "yours";
    if (state === lastState) {
      return; // nothing new to say: the region is not rewritten (nor re-announced)
    }
    lastState = state;
    if (state === "yours") {
      show(answer.message, "info");
    } else if (state === "taken_over") {
      show(answer.message, "danger", { url: answer.takeover_url, label: answer.takeover_label });
      stop(); // told once; taking the lock back is a deliberate step (the link)
    } else {
      show(answer.message, "warning", { url: answer.takeover_url, label: answer.takeover_label });
    }
  }

  function post(url) {
    var body = new FormData();
    body.append("csrf_token", token);
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
  }

  function takeOrRefresh() {
    post(takeUrl)
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if ((response.ok || response.status === 409) && type.indexOf("json") !== -1) {
          return response.json().then(apply);
        }
        throw new Error("lock: HTTP " + response.status);
      })
      .catch(function () {
        if (lastState !== "error") {
          lastState = "error";
          show(errorText, "warning");
        }
      });
  }

  function stop() {
    if (timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
  }

  // A submit (save or cancel) releases the lock on the server; only leaving the page some
  // other way (a link, closing the tab) releases it from here.
  document.addEventListener("submit", function () {
    submitting = true;
  });
  window.addEventListener("pagehide", function () {
    if (submitting || !holding || !navigator.sendBeacon) {
      return;
    }
    var body = new FormData();
    body.append("csrf_token", token);
    navigator.sendBeacon(releaseUrl, body);
  });

  takeOrRefresh();
  timer = window.setInterval(takeOrRefresh, refreshMs);
})();
