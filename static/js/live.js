/*
 * Live pages without a framework.
 *
 * A page marks one region: <div data-live="generation|profile|viral|bulk|dashboard"
 *   data-stream="/api/…/progress"   the job's Server-Sent Events stream (only while it is active)
 *   data-partial="/page/?partial=1" the same region rendered by the server
 *   data-refresh="status|every"     when to re-read the region besides the end of the stream
 *   data-poll="5">                  (dashboard) re-read the region every n seconds instead
 *
 * `progress` frames update the bars and words in place; `complete` closes the stream and swaps in
 * the server's final rendering of the region, so what the page shows at the end is exactly what
 * a reload would show. EventSource resends Last-Event-ID by itself when a connection drops; when
 * the browser gives up (the server answered with an error) we open a new stream that resumes
 * from the last event seen. Without JavaScript the page's <noscript> refresh does the job.
 */
(function () {
  "use strict";

  var STAGE_LABELS = { research: "Research", writing: "Writing", seo: "SEO", completed: "Completed" };
  var STAGE_ORDER = ["research", "writing", "seo"];
  var STATE_WORDS = {
    done: "done", current: "in progress", waiting: "waiting", skipped: "skipped", failed: "failed", stopped: "stopped"
  };
  var PROFILE_WORDS = {
    PENDING: "queued", PROCESSING: "processing", COMPLETED: "done", FAILED: "failed", CANCELLED: "cancelled"
  };
  var REFRESH_GAP_MS = 1500;
  var MAX_BACKOFF_MS = 30000;

  // The server's clock, so countdowns agree with times it wrote even if this machine's clock is off.
  var serverNow = Date.parse(document.body.getAttribute("data-server-now") || "");
  var clockOffset = isNaN(serverNow) ? 0 : serverNow - Date.now();
  function now() { return Date.now() + clockOffset; }

  // The same wording as jobs.eta.describe_seconds: "45 seconds", "2 minutes", "1 hour".
  function describe(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    if (seconds < 60) return seconds + " second" + (seconds === 1 ? "" : "s");
    var minutes = Math.round(seconds / 60);
    if (minutes < 60) return minutes + " minute" + (minutes === 1 ? "" : "s");
    var hours = Math.round(minutes / 60);
    return hours + " hour" + (hours === 1 ? "" : "s");
  }

  function each(root, selector, fn) {
    Array.prototype.forEach.call(root.querySelectorAll(selector), fn);
  }

  function setText(root, field, text) {
    if (text === undefined || text === null) return;
    each(root, '[data-field="' + field + '"]', function (el) {
      if (el.textContent !== String(text)) el.textContent = text;
    });
  }

  function setBar(root, name, value) {
    if (typeof value !== "number") return;
    each(root, '[data-bar="' + name + '"]', function (el) {
      el.value = value;
      el.textContent = Math.round(value) + " %";
    });
  }

  function percent(value) {
    return typeof value === "number" ? Math.round(value) + " %" : undefined;
  }

  // Status word and its class; the word is what a reader (or a screen reader) gets, colour only repeats it.
  function setStatus(root, raw, word) {
    each(root, '[data-field="status"]', function (el) {
      el.textContent = word;
      el.className = "status status-" + String(raw).toLowerCase();
    });
  }

  function setTimer(root, attribute, value) {
    if (value === undefined) return;
    each(root, "[" + attribute + "]", function (el) { el.setAttribute(attribute, value || ""); });
  }

  // Mirrors jobs.views.stage_steps.
  function stageStates(stage, status, mode, started) {
    var position = STAGE_ORDER.indexOf(stage);
    if (position < 0) position = STAGE_ORDER.length;
    var notBegun = status === "queued" || (status === "cancelled" && !started);
    return STAGE_ORDER.map(function (name, index) {
      if (name === "research" && mode === "spin") return "skipped";
      if (notBegun) return "waiting";
      if (status === "completed" || index < position) return "done";
      if (index > position) return "waiting";
      return { processing: "current", failed: "failed", cancelled: "stopped" }[status] || "waiting";
    });
  }

  function setStages(root, stage, status, mode, started) {
    var states = stageStates(stage, status, mode, started);
    STAGE_ORDER.forEach(function (name, index) {
      each(root, '[data-stage="' + name + '"]', function (el) {
        var state = states[index];
        el.className = "stage stage-" + state;
        if (state === "current") el.setAttribute("aria-current", "step");
        else el.removeAttribute("aria-current");
        var word = el.querySelector("[data-stage-state]");
        if (word) word.textContent = STATE_WORDS[state];
      });
    });
  }

  var updaters = {
    generation: function (region, data) {
      var p = data.progress || {};
      setStatus(region, data.status, data.status);
      setBar(region, "percentage", p.percentage);
      setText(region, "percentage", percent(p.percentage));
      setBar(region, "stage_progress", p.stage_progress);
      setText(region, "stage_progress", percent(p.stage_progress));
      setText(region, "stage-label", STAGE_LABELS[p.stage] || p.stage);
      setText(region, "message", p.message);
      setStages(region, p.stage, data.status, region.getAttribute("data-mode"), !!p.started_at);
      setTimer(region, "data-elapsed-since", p.started_at);
      if (data.status === "processing") setTimer(region, "data-eta-at", p.estimated_completion);
    },
    profile: function (region, data) {
      var p = data.progress || {};
      setStatus(region, data.status, PROFILE_WORDS[data.status] || String(data.status).toLowerCase());
      setBar(region, "percentage", p.percentage);
      setText(region, "percentage", percent(p.percentage));
      setText(region, "stage-label", (p.stage || "").replace(/_/g, " "));
      setText(region, "message", p.message);
      if (p.queue_position !== undefined && p.queue_position !== null) setText(region, "queue-position", p.queue_position);
    },
    viral: function (region, data) {
      var p = data.progress || {};
      setStatus(region, data.status, data.status);
      setBar(region, "percentage", p.progress_percentage);
      setText(region, "percentage", percent(p.progress_percentage));
      setText(region, "message", p.current_step);
      setText(region, "stage-label", (p.progress_stage || "").replace(/_/g, " "));
    },
    bulk: function (region, data) {
      var state = data.progress || {};
      setStatus(region, data.status, data.status);
      setText(region, "summary", state.summary);
      setBar(region, "percentage", state.percentage);
      setText(region, "percentage", percent(state.percentage));
      (state.jobs || []).forEach(function (job) {
        each(region, '[data-article="' + job.id + '"]', function (row) {
          setStatus(row, job.status, job.status);
          setBar(row, "percentage", job.percentage);
          setText(row, "percentage", percent(job.percentage));
          setText(row, "stage-label", STAGE_LABELS[job.stage] || job.stage);
        });
      });
    }
  };

  function LiveRegion(region) {
    this.region = region;
    this.kind = region.getAttribute("data-live");
    this.streamUrl = region.getAttribute("data-stream");
    this.partialUrl = region.getAttribute("data-partial");
    this.refresh = region.getAttribute("data-refresh") || "status";
    this.note = document.querySelector("[data-connection]");
    this.status = region.getAttribute("data-status");
    this.lastEventId = "";
    this.backoff = 1000;
    this.finished = false;
    this.refreshTimer = null;
    this.lastRefresh = 0;
  }

  LiveRegion.prototype.say = function (text) {
    if (!this.note) return;
    this.note.hidden = !text;
    this.note.textContent = text || "";
  };

  LiveRegion.prototype.connect = function () {
    var self = this;
    var url = this.streamUrl;
    if (this.lastEventId) url += (url.indexOf("?") < 0 ? "?" : "&") + "last_event_id=" + encodeURIComponent(this.lastEventId);
    var source = this.source = new EventSource(url, { withCredentials: true });
    source.addEventListener("open", function () {
      self.backoff = 1000;
      self.say("Live: this page updates by itself.");
    });
    source.addEventListener("progress", function (event) { self.onProgress(event); });
    source.addEventListener("complete", function (event) { self.onComplete(event); });
    source.addEventListener("error", function () {
      if (self.finished) return;
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up on this stream: catch up with the page, then resume the stream.
        self.say("Connection lost; reconnecting…");
        self.reload();
        var wait = self.backoff;
        self.backoff = Math.min(self.backoff * 2, MAX_BACKOFF_MS);
        window.setTimeout(function () { if (!self.finished) self.connect(); }, wait);
      } else {
        self.say("Connection lost; reconnecting…");  // EventSource retries by itself, with Last-Event-ID
      }
    });
  };

  LiveRegion.prototype.onProgress = function (event) {
    if (event.lastEventId) this.lastEventId = event.lastEventId;
    var data;
    try { data = JSON.parse(event.data); } catch (error) { return; }
    var updater = updaters[this.kind];
    if (updater) updater(this.region, data);
    var changed = data.status !== undefined && data.status !== this.status;
    if (data.status !== undefined) this.status = data.status;
    if (this.refresh === "every" || changed) this.scheduleReload();
  };

  LiveRegion.prototype.onComplete = function (event) {
    if (event.lastEventId) this.lastEventId = event.lastEventId;
    this.finished = true;
    if (this.source) this.source.close();  // or EventSource would reconnect once the server closes
    this.say("");
    var self = this;
    this.reload().catch(function () {
      // The partial could not be read: one full reload shows the final state (it has no stream).
      window.location.reload();
    });
  };

  // Re-read the region at most once per REFRESH_GAP_MS while frames keep coming.
  LiveRegion.prototype.scheduleReload = function () {
    var self = this;
    if (this.refreshTimer) return;
    var wait = Math.max(0, this.lastRefresh + REFRESH_GAP_MS - Date.now());
    this.refreshTimer = window.setTimeout(function () {
      self.refreshTimer = null;
      if (!self.finished) self.reload().catch(function () {});
    }, wait);
  };

  LiveRegion.prototype.reload = function () {
    var self = this;
    var request = this.requests = (this.requests || 0) + 1;
    this.lastRefresh = Date.now();
    return fetch(this.partialUrl, { credentials: "same-origin", headers: { "X-Requested-With": "live.js" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        // A slow earlier answer must not overwrite a newer one (the final state above all).
        if (request !== self.requests) return;
        self.region.innerHTML = html;
        tick();
      });
  };

  LiveRegion.prototype.poll = function (seconds) {
    var self = this;
    window.setInterval(function () {
      if (document.visibilityState === "visible") self.reload().catch(function () {});
    }, seconds * 1000);
  };

  // Elapsed and remaining times move every second between frames.
  function tick() {
    var at = now();
    each(document, "[data-elapsed-since]", function (el) {
      var since = Date.parse(el.getAttribute("data-elapsed-since"));
      if (!isNaN(since)) el.textContent = describe((at - since) / 1000);
    });
    each(document, "[data-eta-at]", function (el) {
      var eta = Date.parse(el.getAttribute("data-eta-at"));
      if (isNaN(eta)) return;
      el.textContent = eta - at < 1000 ? "any moment now" : "about " + describe((eta - at) / 1000) + " left";
    });
  }

  function start() {
    each(document, "[data-live]", function (element) {
      var live = new LiveRegion(element);
      var pollSeconds = parseFloat(element.getAttribute("data-poll"));
      if (live.streamUrl && window.EventSource) live.connect();
      else if (pollSeconds > 0) live.poll(pollSeconds);
      else if (live.streamUrl) live.poll(5);  // a browser without EventSource still follows the job
    });
    tick();
    window.setInterval(tick, 1000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
