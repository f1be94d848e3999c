/* Portal scanning: one focused input that a keyboard-wedge scanner, a camera or a person fills.
 *
 * - A scan field ([data-scan]) submits its form on Enter, like any input.
 * - A scan list ([data-collector] form with [data-collect] input) adds each scan to the list and to the
 *   codes textarea without submitting; scans are handled one after another so fast scans are never lost.
 * - Every result dispatches a "scan:feedback" CustomEvent {result: "ok"|"warn"|"error", code} on
 *   document, updates the #scan-status live region, and beeps / vibrates where the device allows.
 * - "Camera" uses the browser's BarcodeDetector, or the vendored ZXing ponyfill with its .wasm from
 *   this site (never a CDN).
 */
(function () {
  "use strict";

  var STATIC = (document.querySelector("link[href*='portal/portal.css']") || {}).href || "/static/portal/portal.css";
  var VENDOR = STATIC.replace(/portal\/portal\.css.*$/, "vendor/barcode-detector/");
  var audio = null;

  function beep(result) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = result === "ok" ? 1320 : result === "warn" ? 660 : 220;
      gain.gain.value = 0.08;
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + (result === "ok" ? 0.08 : 0.35));
    } catch (e) { /* no audio: the visual signal stays */ }
    if (navigator.vibrate) {
      try { navigator.vibrate(result === "ok" ? 40 : [120, 60, 120]); } catch (e) { /* ignore */ }
    }
  }

  function feedback(result, code, text) {
    var status = document.getElementById("scan-status");
    if (status && text) status.textContent = text;
    document.dispatchEvent(new CustomEvent("scan:feedback", {detail: {result: result, code: code}}));
    beep(result);
  }

  function focusScan() {
    var input = document.querySelector("[data-collect]:not([hidden])") || document.querySelector("[data-scan]");
    if (input && input.offsetParent !== null) {
      input.focus({preventScroll: false});
      if (input.value) input.select();  /* a refused code stays visible; the next scan replaces it */
    }
  }

  /* --- scan lists -------------------------------------------------------------------------- */

  function setupCollector(form) {
    var input = form.querySelector("[data-collect]");
    var list = form.querySelector("[data-scanned]");
    var counter = form.querySelector("[data-count]");
    var area = form.querySelector("[data-scan-list]");
    if (!input || !list || !area) return;
    var queue = Promise.resolve();
    var purpose = form.getAttribute("data-purpose") || "ship";
    var shipment = form.getAttribute("data-shipment") || "";
    var checkUrl = form.getAttribute("data-check-url");

    function codes() {
      return area.value.split(/\n/).map(function (s) { return s.trim(); }).filter(Boolean);
    }
    function count() {
      counter.textContent = String(codes().length);
    }
    function removeCode(code, serial) {
      area.value = codes().filter(function (c) { return c !== code; }).join("\n");
      count();
      if (serial) {
        var line = document.querySelector("#lines li[data-serial='" + serial.replace(/'/g, "") + "']");
        if (line) line.removeAttribute("data-arrived");
      }
    }

    function handle(code) {
      if (codes().indexOf(code) !== -1) {
        var dup = document.createElement("li");
        dup.setAttribute("data-result", "warn");
        dup.textContent = code + " — " + (input.getAttribute("data-t-duplicate") || "already scanned");
        list.insertBefore(dup, list.firstChild);
        feedback("warn", code, dup.textContent);
        return Promise.resolve();
      }
      var li = document.createElement("li");
      li.setAttribute("data-result", "pending");
      li.setAttribute("data-code", code);
      li.textContent = code + " …";
      list.insertBefore(li, list.firstChild);
      var url = checkUrl + "?purpose=" + encodeURIComponent(purpose) + "&shipment=" + encodeURIComponent(shipment)
        + "&code=" + encodeURIComponent(code);
      return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          li.setAttribute("data-result", data.result);
          if (data.state) li.setAttribute("data-state", data.state);
          li.textContent = (data.label || code) + (data.message ? " — " + data.message : "");
          if (data.serial) {
            var line = document.querySelector("#lines li[data-serial='" + data.serial.replace(/'/g, "") + "']");
            if (line) line.setAttribute("data-arrived", "1");
          }
          if (data.result !== "error") {
            area.value = codes().concat([code]).join("\n");
            count();
            var undo = document.createElement("button");
            undo.type = "button";
            undo.className = "secondary outline";
            undo.textContent = input.getAttribute("data-t-remove") || "Remove";
            undo.addEventListener("click", function () { removeCode(code, data.serial); li.remove(); focusScan(); });
            li.appendChild(undo);
          }
          feedback(data.result, code, li.firstChild.textContent);
        })
        .catch(function () {
          /* offline or server error: keep the code, the server checks it again on submit */
          area.value = codes().concat([code]).join("\n");
          count();
          li.setAttribute("data-result", "warn");
          li.textContent = code + " — " + (input.getAttribute("data-t-unchecked") || "not checked (no connection)");
          feedback("warn", code, li.textContent);
        });
    }

    form.__addCode = function (code) {
      code = (code || "").trim();
      if (!code) return;
      queue = queue.then(function () { return handle(code); });
    };
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || (ev.key === "Tab" && input.value)) {
        ev.preventDefault();
        var code = input.value;
        input.value = "";
        form.__addCode(code);
      }
    });
    area.addEventListener("input", count);
    var details = form.closest("details");
    if (details) details.addEventListener("toggle", function () { if (details.open) input.focus(); });
    count();
  }

  /* --- camera ---------------------------------------------------------------------------------- */

  var detectorPromise = null;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src;
      s.onload = resolve;
      s.onerror = reject;
      document.head.appendChild(s);
    });
  }

  function getDetector() {
    if (detectorPromise) return detectorPromise;
    var formats = ["qr_code", "data_matrix", "code_128"];
    if ("BarcodeDetector" in window) {
      detectorPromise = window.BarcodeDetector.getSupportedFormats().then(function (supported) {
        var wanted = formats.filter(function (f) { return supported.indexOf(f) !== -1; });
        if (wanted.length) return new window.BarcodeDetector({formats: wanted});
        return ponyfill(formats);
      });
    } else {
      detectorPromise = ponyfill(formats);
    }
    return detectorPromise;
  }

  function ponyfill(formats) {
    return loadScript(VENDOR + "ponyfill.js").then(function () {
      var api = window.BarcodeDetectionAPI;
      api.prepareZXingModule({
        overrides: {locateFile: function (path, prefix) { return path.endsWith(".wasm") ? VENDOR + path : prefix + path; }},
        fireImmediately: true
      });
      return new api.BarcodeDetector({formats: formats});
    });
  }

  function setupCamera() {
    var buttons = document.querySelectorAll("[data-camera-for]");
    var dialog = document.getElementById("camera-dialog");
    if (!buttons.length || !dialog || !window.isSecureContext || !navigator.mediaDevices
        || !navigator.mediaDevices.getUserMedia) return;
    var video = document.getElementById("camera-video");
    var message = document.getElementById("camera-message");
    var stream = null;
    var running = false;

    function stop() {
      running = false;
      if (stream) stream.getTracks().forEach(function (tr) { tr.stop(); });
      stream = null;
      if (dialog.open) dialog.close();
      focusScan();
    }
    document.getElementById("camera-close").addEventListener("click", stop);

    function deliver(target, value) {
      var form = target.form;
      if (target.hasAttribute("data-collect") && form && form.__addCode) {
        form.__addCode(value);
      } else {
        target.value = value;
        if (form) form.requestSubmit ? form.requestSubmit() : form.submit();
      }
    }

    Array.prototype.forEach.call(buttons, function (btn) {
      btn.hidden = false;
      btn.addEventListener("click", function () {
        var target = document.getElementById(btn.getAttribute("data-camera-for"));
        message.textContent = "";
        dialog.showModal();
        Promise.all([getDetector(), navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false})])
          .then(function (res) {
            var detector = res[0];
            stream = res[1];
            video.srcObject = stream;
            return video.play().then(function () {
              running = true;
              var last = "";
              (function tick() {
                if (!running) return;
                detector.detect(video).then(function (codes) {
                  if (codes.length && codes[0].rawValue && codes[0].rawValue !== last) {
                    last = codes[0].rawValue;
                    var collector = target.hasAttribute("data-collect");
                    deliver(target, last);
                    if (!collector) { stop(); return; }
                  }
                  setTimeout(tick, 250);
                }).catch(function () { setTimeout(tick, 500); });
              })();
            });
          })
          .catch(function (err) {
            message.textContent = (err && err.name === "NotAllowedError")
              ? (btn.getAttribute("data-t-denied") || "Camera blocked. Type the code or use a scanner instead.")
              : (btn.getAttribute("data-t-failed") || "The camera cannot be used here. Type the code instead.");
            feedback("error", "", message.textContent);
          });
      });
    });
  }


  /* --- offline outbox ---------------------------------------------------------------------------
   * Offline, a receive or issue form is not lost: the command goes into an outbox in localStorage
   * with its own Idempotency-Key and is sent (in order) on load, when the browser comes back
   * online, every 30 s while anything waits, and with "Send now". The server answers a replay with
   * the first answer, so a command sent twice is done once; refusals land in "Needs attention".
   */

  var OUTBOX = "portal-outbox-v1";
  var ATTENTION = "portal-attention-v1";
  var syncing = false;

  function load(name) {
    try { return JSON.parse(localStorage.getItem(name) || "[]"); } catch (e) { return []; }
  }
  function save(name, list) {
    try { localStorage.setItem(name, JSON.stringify(list)); } catch (e) { /* storage full or blocked */ }
    renderOutbox();
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function renderOutbox() {
    var box = document.getElementById("outbox");
    if (!box) return;
    var pending = load(OUTBOX);
    var attention = load(ATTENTION);
    box.querySelector("[data-pending]").textContent = String(pending.length);
    var flag = document.getElementById("offline-flag");
    if (flag) flag.hidden = navigator.onLine;
    var list = box.querySelector("[data-attention]");
    list.innerHTML = "";
    attention.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = item.label + " — " + item.message;
      list.appendChild(li);
    });
    box.querySelector("[data-attention-box]").hidden = attention.length === 0;
    box.hidden = pending.length === 0 && attention.length === 0 && navigator.onLine;
  }
  function enqueue(body, label) {
    var list = load(OUTBOX);
    list.push({key: newKey(), body: body, label: label, at: new Date().toISOString()});
    save(OUTBOX, list);
  }
  function attend(entry, message) {
    var list = load(ATTENTION);
    list.push({label: entry.label, message: message, at: entry.at});
    save(ATTENTION, list);
  }
  function sync() {
    var box = document.getElementById("outbox");
    if (syncing || !box || !load(OUTBOX).length) return Promise.resolve();
    syncing = true;
    var url = box.getAttribute("data-command-url");
    function next() {
      var list = load(OUTBOX);
      if (!list.length) return Promise.resolve();
      var entry = list[0];
      return fetch(url, {
        method: "POST", credentials: "same-origin", body: JSON.stringify(entry.body),
        headers: {"Content-Type": "application/json", "Idempotency-Key": entry.key, "X-CSRFToken": csrf()}
      }).then(function (r) {
        if (r.status === 409 || r.status >= 500) throw new Error("later");
        return r.json().then(function (data) {
          save(OUTBOX, load(OUTBOX).filter(function (e) { return e.key !== entry.key; }));
          if (r.status !== 200 || data.status !== "applied") {
            attend(entry, data.message || String(r.status));
            feedback("error", "", entry.label + " — " + (data.message || ""));
          } else {
            feedback("ok", "", entry.label + " — " + data.message);
          }
          return next();
        });
      });
    }
    var retry = false;
    return next().catch(function (err) {
      /* offline again, or the server is still busy with this key (409): the entry stays */
      retry = err && err.message === "later";
    }).then(function () {
      syncing = false;
      renderOutbox();
      if (retry) setTimeout(sync, 2000);
    });
  }
  function setupOffline() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-offline]"), function (form) {
      form.addEventListener("submit", function (ev) {
        if (navigator.onLine) return;
        ev.preventDefault();
        ev.stopImmediatePropagation();
        var kind = form.getAttribute("data-offline");
        var label = form.getAttribute("data-offline-label") || kind;
        if (kind === "receive") {
          var area = form.querySelector("[data-scan-list]");
          var codes = area.value.split(/\n/).map(function (s) { return s.trim(); }).filter(Boolean);
          if (!codes.length) return;
          enqueue({type: "receive", shipment: form.getAttribute("data-shipment"), codes: codes},
                  label + " (" + codes.length + ")");
          area.value = "";
          area.dispatchEvent(new Event("input"));
          var scanned = form.querySelector("[data-scanned]");
          if (scanned) scanned.innerHTML = "";
        } else {
          var input = form.querySelector("[data-scan]");
          if (!input || !input.value.trim()) return;
          enqueue({type: kind, worker: form.getAttribute("data-worker"), code: input.value.trim()},
                  label + " · " + input.value.trim());
          input.value = "";
        }
        var box = document.getElementById("outbox");
        feedback("warn", "", (box && box.getAttribute("data-t-queued")) || "Saved: it will be sent when online.");
        focusScan();
      }, true);
    });
    var button = document.getElementById("sync-now");
    if (button) button.addEventListener("click", function () { sync(); });
    var clear = document.getElementById("attention-clear");
    if (clear) clear.addEventListener("click", function () { save(ATTENTION, []); });
    window.addEventListener("online", function () { renderOutbox(); sync(); });
    window.addEventListener("offline", renderOutbox);
    setInterval(function () { if (navigator.onLine) sync(); }, 30000);
    renderOutbox();
    if (navigator.onLine) sync();
  }

  /* --- start ----------------------------------------------------------------------------------- */

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-js-only]"), function (el) { el.hidden = false; });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-collector]"), setupCollector);
    setupCamera();
    setupOffline();
    var alert = document.querySelector("[data-feedback=error]");
    if (alert) {
      document.dispatchEvent(new CustomEvent("scan:feedback", {detail: {result: "error", code: ""}}));
      var status = document.getElementById("scan-status");
      if (status) status.textContent = alert.textContent.trim();
    }
    focusScan();
    /* double-submit guard: a sent form's buttons wait for the answer (the server also dedupes by key) */
    Array.prototype.forEach.call(document.querySelectorAll(".portal form[method=post]"), function (form) {
      form.addEventListener("submit", function () {
        setTimeout(function () {
          Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) {
            b.disabled = true; b.setAttribute("aria-busy", "true");
          });
        }, 0);
      });
    });
  });
})();
