/*! Pulse tag __VERSION__ — first-party event collection. No dependencies. */
(function (w, d) {
  "use strict";
  var VERSION = "__VERSION__";
  var stub = w.pulse;
  if (stub && stub.__loaded) return;

  var script = d.currentScript || (function () { var s = d.getElementsByTagName("script"); return s[s.length - 1]; })();
  var opts = {
    writeKey: script && script.getAttribute("data-write-key"),
    host: (script && script.getAttribute("data-host")) || (script && script.src ? new URL(script.src, location.href).origin : location.origin),
    consentRequired: !!(script && script.getAttribute("data-consent") === "required"),
    flushAt: 20,
    flushInterval: 2000,
    cookieDays: 365,
    cookieDomain: script && script.getAttribute("data-cookie-domain")
  };
  var KEY_AID = "pulse_aid", KEY_UID = "pulse_uid", KEY_QUEUE = "pulse_queue", KEY_CONSENT = "pulse_consent", KEY_CLICK = "pulse_click", KEY_TRAITS = "pulse_traits", KEY_OPTOUT = "pulse_optout";
  var CLICK_IDS = ["fbclid", "ttclid", "li_fat_id", "gclid", "msclkid"];
  var UTM = { utm_source: "source", utm_medium: "medium", utm_campaign: "name", utm_term: "term", utm_content: "content" };
  var MAX_QUEUE = 1000;

  function store(k, v) { try { if (v === undefined || v === null) localStorage.removeItem(k); else localStorage.setItem(k, JSON.stringify(v)); } catch (e) { /* storage may be off */ } }
  function load(k) { try { var v = localStorage.getItem(k); return v ? JSON.parse(v) : null; } catch (e) { return null; } }
  function getCookie(name) {
    var m = d.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : null;
  }
  function setCookie(name, value) {
    var c = name + "=" + encodeURIComponent(value) + "; path=/; max-age=" + opts.cookieDays * 86400 + "; SameSite=Lax";
    if (opts.cookieDomain) c += "; domain=" + opts.cookieDomain;
    if (location.protocol === "https:") c += "; Secure";
    d.cookie = c;
  }
  function uuid() {
    if (w.crypto && w.crypto.randomUUID) return w.crypto.randomUUID();
    var b = new Uint8Array(16); w.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // Anonymous id: a first-party cookie, mirrored in localStorage so either can restore the other.
  var anonymousId = getCookie(KEY_AID) || load(KEY_AID) || uuid();
  setCookie(KEY_AID, anonymousId); store(KEY_AID, anonymousId);
  var userId = load(KEY_UID);
  var consent = load(KEY_CONSENT); // null until the visitor decides
  var optedOut = load(KEY_OPTOUT) === true;
  var queue = load(KEY_QUEUE) || [];     // sent but not yet acknowledged, survives reloads
  var held = [];                          // waiting for a consent decision (memory only)
  var attempt = 0, timer = null, sending = false;

  // Campaign and click ids of the landing page, kept for the visit and for later conversions.
  var params = new URLSearchParams(location.search);
  var campaign = null;
  Object.keys(UTM).forEach(function (k) { var v = params.get(k); if (v) { campaign = campaign || {}; campaign[UTM[k]] = v; } });
  if (campaign) { try { sessionStorage.setItem("pulse_campaign", JSON.stringify(campaign)); } catch (e) { } }
  else { try { campaign = JSON.parse(sessionStorage.getItem("pulse_campaign") || "null"); } catch (e) { } }
  var clicks = load(KEY_CLICK) || {};
  CLICK_IDS.forEach(function (k) { var v = params.get(k); if (v) clicks[k] = { id: v, at: Date.now() }; });
  store(KEY_CLICK, clicks);

  function context(extra) {
    var c = {
      library: { name: "pulse.js", version: VERSION },
      page: { url: location.href, path: location.pathname, search: location.search, referrer: d.referrer, title: d.title },
      userAgent: navigator.userAgent,
      locale: navigator.language,
      screen: { width: w.screen && w.screen.width, height: w.screen && w.screen.height, density: w.devicePixelRatio },
      timezone: (w.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone) || undefined
    };
    if (campaign) c.campaign = campaign;
    var ids = {}; var any = false;
    Object.keys(clicks).forEach(function (k) { ids[k] = clicks[k].id; any = true; });
    if (any) c.clickIds = ids;
    if (consent) c.consent = { categoryPreferences: consent };
    if (extra) for (var k in extra) c[k] = extra[k];
    return c;
  }

  function message(type, fields, options) {
    var m = { type: type, messageId: uuid(), anonymousId: anonymousId, timestamp: new Date().toISOString(), context: context(options && options.context) };
    if (userId) m.userId = userId;
    for (var k in fields) if (fields[k] !== undefined) m[k] = fields[k];
    if (options && options.integrations) m.integrations = options.integrations;
    return m;
  }

  // Consent: an event belongs to a category (options.category, default "analytics"). Without a
  // decision and with data-consent="required" it waits; a denied category drops it.
  function allowed(category) {
    if (optedOut) return false;
    if (!consent) return opts.consentRequired ? null : true;
    return consent[category] === false ? false : true;
  }

  function enqueue(m, category) {
    var verdict = allowed(category || "analytics");
    if (verdict === false) return m.messageId;
    if (verdict === null) { held.push({ m: m, c: category || "analytics" }); return m.messageId; }
    queue.push(m);
    if (queue.length > MAX_QUEUE) queue.splice(0, queue.length - MAX_QUEUE);
    store(KEY_QUEUE, queue);
    if (queue.length >= opts.flushAt) flush(); else schedule(opts.flushInterval);
    return m.messageId;
  }

  function schedule(ms) { if (!timer) timer = setTimeout(function () { timer = null; flush(); }, ms); }

  function body(batch) { return JSON.stringify({ writeKey: opts.writeKey, sentAt: new Date().toISOString(), batch: batch }); }

  function flush() {
    if (sending || !queue.length || !opts.writeKey) return;
    sending = true;
    var batch = queue.slice(0, 100);
    fetch(opts.host + "/v1/batch", { method: "POST", body: body(batch), keepalive: true, headers: { "Content-Type": "text/plain" }, credentials: "omit" })
      .then(function (r) {
        sending = false;
        if (r.ok || (r.status >= 400 && r.status < 500 && r.status !== 429 && r.status !== 408)) {
          // Stored, or refused for good (bad data, bad key): either way it must not be resent.
          if (!r.ok && w.console) console.warn("pulse: events refused (" + r.status + ")");
          var ids = {}; batch.forEach(function (m) { ids[m.messageId] = 1; });
          queue = queue.filter(function (m) { return !ids[m.messageId]; });
          store(KEY_QUEUE, queue); attempt = 0;
          if (queue.length) schedule(0);
        } else retry(r.headers.get("Retry-After"));
      }, function () { sending = false; retry(null); });
  }

  function retry(after) {
    attempt++;
    var wait = after && !isNaN(+after) ? +after * 1000 : Math.min(60000, 1000 * Math.pow(2, attempt - 1)) * (0.5 + Math.random());
    schedule(wait);
  }

  // On page hide the queue goes out with sendBeacon, which survives the page's end. Messages stay
  // persisted; if the beacon did reach Pulse, their message ids make a later resend harmless.
  function beacon() {
    if (!queue.length || !opts.writeKey || !navigator.sendBeacon) return;
    navigator.sendBeacon(opts.host + "/v1/batch", new Blob([body(queue.slice(0, 100))], { type: "text/plain" }));
  }
  d.addEventListener("visibilitychange", function () { if (d.visibilityState === "hidden") beacon(); });
  w.addEventListener("pagehide", beacon);

  var api = {
    __loaded: true,
    VERSION: VERSION,
    load: function (writeKey, o) { opts.writeKey = writeKey; if (o) for (var k in o) opts[k] = o[k]; if (queue.length) schedule(0); },
    /** Returns the event's message id, to pass to ad pixels as their event id for deduplication. */
    track: function (event, properties, options) { return enqueue(message("track", { event: event, properties: properties || {} }, options), options && options.category); },
    page: function (name, properties, options) {
      if (typeof name === "object") { options = properties; properties = name; name = undefined; }
      var p = { url: location.href, path: location.pathname, search: location.search, referrer: d.referrer, title: d.title };
      for (var k in properties || {}) p[k] = properties[k];
      return enqueue(message("page", { name: name, properties: p }, options), options && options.category);
    },
    screen: function (name, properties, options) { return enqueue(message("screen", { name: name, properties: properties || {} }, options), options && options.category); },
    identify: function (id, traits, options) {
      if (typeof id === "object") { options = traits; traits = id; id = undefined; }
      if (id) { userId = String(id); store(KEY_UID, userId); }
      var t = load(KEY_TRAITS) || {}; for (var k in traits || {}) t[k] = traits[k]; store(KEY_TRAITS, t);
      return enqueue(message("identify", { traits: traits || {} }, options), options && options.category);
    },
    alias: function (id, previousId, options) {
      var prev = previousId || userId || anonymousId;
      userId = String(id); store(KEY_UID, userId);
      return enqueue(message("alias", { userId: userId, previousId: prev }, options), options && options.category);
    },
    group: function (groupId, traits, options) { return enqueue(message("group", { groupId: String(groupId), traits: traits || {} }, options), options && options.category); },
    /** Records the visitor's decision per category ({analytics: true, marketing: false}); held events are sent or dropped. */
    consent: function (preferences) {
      consent = {}; for (var k in preferences) consent[k] = !!preferences[k];
      store(KEY_CONSENT, consent);
      optedOut = false; store(KEY_OPTOUT, false); // a new decision replaces an earlier opt-out
      var waiting = held; held = [];
      waiting.forEach(function (h) { if (allowed(h.c)) { h.m.context.consent = { categoryPreferences: consent }; queue.push(h.m); } });
      // The decision itself is an event, so the profile and every destination learn it at once.
      queue.push(message("track", { event: "Consent Preference Updated", properties: { categoryPreferences: consent } }));
      store(KEY_QUEUE, queue); flush();
      return consent;
    },
    /** The visitor opts out of everything: one last event tells Pulse (which stops all forwarding for them), then nothing more is sent from this browser until pulse.consent() is called again. */
    optOut: function () {
      consent = {}; var before = load(KEY_CONSENT) || {};
      for (var k in before) consent[k] = false;
      consent.analytics = false;
      store(KEY_CONSENT, consent);
      held = [];
      var m = message("track", { event: "Consent Preference Updated", properties: { categoryPreferences: consent, optOut: true } });
      m.context.consent = { optOut: true, categoryPreferences: consent };
      queue.push(m); store(KEY_QUEUE, queue); flush();
      optedOut = true; store(KEY_OPTOUT, true);
      return m.messageId;
    },
    anonymousId: function () { return anonymousId; },
    user: function () { return { id: userId, anonymousId: anonymousId, traits: load(KEY_TRAITS) || {} }; },
    /** Forgets the visitor on this device (logout): a new anonymous id, no user id, no traits. */
    reset: function () { userId = null; store(KEY_UID, null); store(KEY_TRAITS, null); anonymousId = uuid(); setCookie(KEY_AID, anonymousId); store(KEY_AID, anonymousId); },
    flush: flush
  };
  w.pulse = api;
  // Calls made before the tag loaded, in the order they were made (the snippet's stub queues
  // [method, args...]); one bad call must not lose the ones after it.
  if (stub && stub.length) for (var i = 0; i < stub.length; i++) {
    var c = stub[i];
    if (!c || typeof api[c[0]] !== "function") continue;
    try { api[c[0]].apply(api, c.slice(1)); } catch (e) { if (w.console) console.warn("pulse: queued " + c[0] + " failed: " + e); }
  }
  if (queue.length) schedule(0);
})(window, document);
