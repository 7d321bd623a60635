// The video lesson player: picks a rendition, quality and speed controls, resume, the
// transcript, and the watch reports (docs/api.md). The server decides what counts as
// study; this script only reports what was played, honestly and without double sends.
(function () {
  'use strict';
  var root = document.getElementById('video-lesson');
  var video = root && root.querySelector('video');
  if (!video) return;

  var qualitySelect = root.querySelector('select.quality');
  var speedSelect = root.querySelector('select.speed');
  var statusEl = root.querySelector('.watch-status');
  var meter = root.querySelector('progress.watch-progress');
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = tokenMeta ? tokenMeta.getAttribute('content') : '';
  var sources = JSON.parse(root.getAttribute('data-sources') || '{}');
  var recording = root.getAttribute('data-recording') === '1';
  var interval = Math.max(1, parseFloat(root.getAttribute('data-heartbeat')) || 10);
  var noSkip = root.getAttribute('data-no-skip') === '1';
  var completed = root.getAttribute('data-completed') === '1';
  var frontier = parseFloat(root.getAttribute('data-frontier')) || 0;
  var resumeAt = parseFloat(root.getAttribute('data-position')) || 0;
  var TOLERANCE = 2;            // seconds, as the server's WatchPolicy.tolerance
  var QKEY = 'mooc.video.quality', SKEY = 'mooc.video.speed';
  var segStart = null, lastTime = null;  // the segment being played now (media seconds)
  var buffer = [];              // closed segments not yet reported

  function msg(name) { return root.getAttribute('data-msg-' + name) || ''; }
  function say(text) { if (statusEl && text) statusEl.textContent = text; }
  function r3(x) { return Math.round(x * 1000) / 1000; }
  function store(key, value) { try { window.localStorage.setItem(key, value); } catch (e) { /* private mode */ } }
  function recall(key) { try { return window.localStorage.getItem(key); } catch (e) { return null; } }
  function clock(seconds) {
    var s = Math.floor(seconds), m = Math.floor(s / 60);
    return (m < 10 ? '0' : '') + m + ':' + (s % 60 < 10 ? '0' : '') + (s % 60);
  }

  // ---- Which rendition: small screens and weak or metered networks get the smallest.
  function renditions() {
    return (sources.renditions || []).slice().sort(function (a, b) { return a.label - b.label; });
  }
  function weakNetwork() {
    var c = navigator.connection || navigator.mozConnection || navigator.webkitConnection;
    if (!c) return false;
    return !!c.saveData || ['slow-2g', '2g', '3g'].indexOf(c.effectiveType) >= 0;
  }
  function autoLabel() {
    var list = renditions();
    if (!list.length) return null;
    if (weakNetwork()) return list[0].label;
    // Device pixels the picture occupies; a dense phone screen does not need 720p.
    var needed = (video.clientWidth || window.innerWidth) * Math.min(window.devicePixelRatio || 1, 1.5);
    for (var i = 0; i < list.length; i++) {
      if (list[i].width >= needed * 0.9) return list[i].label;
    }
    return list[list.length - 1].label;
  }
  function urlFor(label) {
    var found = renditions().filter(function (r) { return String(r.label) === String(label); })[0];
    return found ? found.url : null;
  }

  var switching = false;        // a source change or resume seek is under way: not the learner's doing
  var currentLabel = null;
  function load(label, keepTime) {
    var url = urlFor(label);
    if (!url) return;
    currentLabel = label;
    if (video.getAttribute('src') === url) return;
    var at = keepTime ? video.currentTime : 0, wasPaused = video.paused, rate = video.playbackRate;
    closeSegment();
    switching = true;
    video.setAttribute('src', url);
    video.load();
    video.addEventListener('loadedmetadata', function restore() {
      video.removeEventListener('loadedmetadata', restore);
      video.playbackRate = rate;
      if (at > 0) video.currentTime = at;
      switching = false;
      if (!wasPaused) { var p = video.play(); if (p && p.catch) p.catch(function () {}); }
    });
  }

  var chosen = recall(QKEY) || 'auto';
  if (qualitySelect) {
    if (!qualitySelect.querySelector('option[value="' + chosen + '"]')) chosen = 'auto';
    qualitySelect.value = chosen;
    qualitySelect.addEventListener('change', function () {
      store(QKEY, qualitySelect.value);
      load(qualitySelect.value === 'auto' ? autoLabel() : qualitySelect.value, true);
    });
  }
  load(chosen === 'auto' ? autoLabel() : chosen, false);

  var speed = parseFloat(recall(SKEY));
  if (speedSelect) {
    if (speed && speedSelect.querySelector('option[value="' + speed + '"]')) speedSelect.value = String(speed);
    video.playbackRate = parseFloat(speedSelect.value) || 1;
    speedSelect.addEventListener('change', function () {
      video.playbackRate = parseFloat(speedSelect.value) || 1;
      store(SKEY, speedSelect.value);
    });
  }
  video.addEventListener('ratechange', function () {
    if (speedSelect && String(video.playbackRate) !== speedSelect.value) {
      var option = speedSelect.querySelector('option[value="' + video.playbackRate + '"]');
      if (option) speedSelect.value = option.value;
    }
  });

  // ---- Resume where the learner stopped (server-stored, so any device).
  function resume() {
    if (resumeAt > 1 && resumeAt < (video.duration || 0) - 3) {
      video.currentTime = resumeAt;
      say(msg('resume').replace('{t}', clock(resumeAt)));
    }
    resumeAt = 0;
  }
  if (video.readyState >= 1) resume();
  else video.addEventListener('loadedmetadata', function once() {
    video.removeEventListener('loadedmetadata', once);
    resume();
  });

  // ---- [issue 14] ?t=SECONDS (a search hit in the transcript): start there. ---------
  // Self-contained: it only reads the URL, cancels the resume point and seeks once the
  // metadata is known. The no-skip-ahead rule still applies to this seek.
  (function seekToLinkedTime() {
    var t = parseFloat(new URLSearchParams(window.location.search).get('t'));
    if (!isFinite(t) || t < 0) return;
    resumeAt = 0;
    function go() { video.currentTime = Math.min(t, Math.max(0, (video.duration || t) - 0.5)); }
    if (video.readyState >= 1) go();
    else video.addEventListener('loadedmetadata', function once() {
      video.removeEventListener('loadedmetadata', once);
      go();
    });
  })();
  // ---- [/issue 14] ------------------------------------------------------------------

  // ---- What was played: contiguous segments of media time, from timeupdate.
  function extend() {
    if (segStart === null || switching) return;
    var t = video.currentTime;
    var step = t - lastTime;
    if (step >= 0 && step <= 1.5 * Math.max(1, video.playbackRate) + 0.5) {
      lastTime = t;
      if (lastTime <= frontier + TOLERANCE) frontier = Math.max(frontier, lastTime);
    } else {                    // a jump we did not see as a seek: start a new segment
      closeSegment();
      segStart = lastTime = t;
    }
  }
  function closeSegment() {
    if (segStart !== null && lastTime > segStart) buffer.push([r3(segStart), r3(lastTime)]);
    segStart = lastTime = null;
  }
  function takeSegments() {
    if (segStart !== null) {    // cut the open segment here; playing continues from the cut
      extend();
      if (lastTime > segStart) buffer.push([r3(segStart), r3(lastTime)]);
      segStart = lastTime;
    }
    var taken = buffer;
    buffer = [];
    return taken;
  }
  video.addEventListener('playing', function () {
    if (!switching && segStart === null) segStart = lastTime = video.currentTime;
    openSession();
  });
  video.addEventListener('timeupdate', function () {
    if (!video.paused && !video.seeking) extend();
    highlightCue();
  });
  video.addEventListener('pause', function () { extend(); closeSegment(); });
  video.addEventListener('ended', function () { extend(); closeSegment(); sendBeat(true); });
  video.addEventListener('waiting', function () { extend(); });

  // ---- No skipping ahead on a first viewing (the server refuses such segments anyway).
  video.addEventListener('seeking', function () {
    closeSegment();
    if (switching || !noSkip || completed) return;
    if (video.currentTime > frontier + TOLERANCE) {
      video.currentTime = frontier;
      say(msg('noskip'));
    }
  });
  video.addEventListener('seeked', function () {
    if (!video.paused && !switching) segStart = lastTime = video.currentTime;
  });

  // ---- Watch session and heartbeats (docs/api.md).
  var session = null;           // {session_id, beat_url, beacon_url}
  var opening = false, stopped = !recording;
  var seq = 0;                  // the highest seq the server has taken
  var inflight = null;          // a beat sent, answer pending
  var unacked = null;           // a beat whose answer was lost: resend unchanged (same seq)
  var lastSentPosition = -1;

  if (!recording) say(msg('preview'));

  function post(url, body) {
    return window.fetch(url, {
      method: 'POST', credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
      headers: {'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': csrf}
    }).then(function (response) {
      return response.json().catch(function () { return {}; })
        .then(function (json) { return {status: response.status, body: json}; });
    });
  }

  function openSession() {
    if (session || opening || stopped || !window.fetch) return;
    opening = true;
    post(root.getAttribute('data-session-url')).then(function (res) {
      opening = false;
      if (res.status !== 200 || !res.body.recording) {
        stopped = true;
        say(res.body.error || res.body.message || msg('preview'));
        return;
      }
      session = res.body;
      frontier = Math.max(frontier, session.frontier || 0);
      completed = completed || !!session.completed;
      if (session.no_skip_ahead === false) noSkip = false;
      if (session.heartbeat_interval) interval = session.heartbeat_interval;
      if (session.sources) sources = session.sources;
      window.setInterval(function () { sendBeat(false); }, interval * 1000);
    }).catch(function () { opening = false; });
  }

  function showProgress(answer) {
    if (typeof answer.frontier === 'number') frontier = Math.max(frontier, answer.frontier);
    if (answer.completed) { completed = true; say(msg('done')); }
    else if (typeof answer.coverage === 'number') say(msg('watched').replace('{p}', Math.floor(answer.coverage * 100)));
    if (meter && typeof answer.coverage === 'number') meter.value = Math.floor(answer.coverage * 100);
    if (answer.message_zh) say(answer.message_zh);
  }

  function sendBeat(final) {
    if (!session || stopped || inflight) return;
    var beat = unacked;
    if (!beat) {
      var segments = takeSegments();
      var position = r3(video.currentTime || 0);
      if (!segments.length && !final && Math.abs(position - lastSentPosition) < 0.5) return;
      beat = {seq: seq + 1, segments: segments, rate: video.playbackRate, position: position, final: !!final};
    }
    inflight = beat;
    post(session.beat_url, beat).then(function (res) {
      inflight = null;
      if (res.status === 200) {           // ok, partially credited or duplicate: done with it
        seq = Math.max(seq, beat.seq);
        unacked = null;
        lastSentPosition = beat.position;
        showProgress(res.body);
      } else if (res.status === 429) {   // too early: not counted, seq not used; send again later
        unacked = null;
        buffer = beat.segments.concat(buffer);
      } else if (res.status >= 500) {
        unacked = beat;
      } else {                            // superseded by another device, gone, refused
        unacked = null;
        stopped = true;
        say(res.body.error);
      }
    }).catch(function () {                // offline: the same beat again, so nothing counts twice
      inflight = null;
      unacked = beat;
      say(msg('offline'));
    });
  }

  // The last report as the page goes away: sendBeacon survives unloading but cannot set
  // headers, so the CSRF token travels as a form field next to the beat.
  function sendFinal() {
    if (!session || stopped || !navigator.sendBeacon) return;
    var segments = [].concat(unacked ? unacked.segments : [], inflight ? inflight.segments : [], takeSegments());
    var position = r3(video.currentTime || 0);
    if (!segments.length && Math.abs(position - lastSentPosition) < 0.5) return;
    var next = Math.max(seq, unacked ? unacked.seq : 0, inflight ? inflight.seq : 0) + 1;
    var beat = {seq: next, segments: segments, rate: video.playbackRate, position: position, final: true};
    var form = new URLSearchParams();
    form.set('csrf_token', csrf);
    form.set('beat', JSON.stringify(beat));
    if (navigator.sendBeacon(session.beacon_url, form)) {
      seq = next;
      unacked = null;
      lastSentPosition = position;
    } else {
      buffer = segments.concat(buffer);
    }
  }
  window.addEventListener('pagehide', sendFinal);
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden') sendFinal();
  });

  // ---- Signed URLs expire: fetch fresh ones and carry on from the same second.
  var lastRefresh = 0;
  video.addEventListener('error', function () {
    var url = root.getAttribute('data-sources-url');
    if (!url || !window.fetch || Date.now() - lastRefresh < 60000) return;
    lastRefresh = Date.now();
    say(msg('expired'));
    var at = video.currentTime;
    window.fetch(url, {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (fresh) {
        if (!fresh) return;
        sources = fresh;
        var label = currentLabel;
        currentLabel = null;
        video.removeAttribute('src');
        resumeAt = 0;
        load(label, false);
        video.addEventListener('loadedmetadata', function back() {
          video.removeEventListener('loadedmetadata', back);
          video.currentTime = at;
        });
      }).catch(function () {});
  });

  // ---- Transcript: click a line to jump there; the current line is highlighted.
  var cues = Array.prototype.slice.call(root.querySelectorAll('.cue'));
  var cueList = root.querySelector('.cues');
  var activeCue = null;
  cues.forEach(function (button) {
    button.addEventListener('click', function () {
      video.currentTime = parseFloat(button.getAttribute('data-start')) || 0;
      var p = video.play();
      if (p && p.catch) p.catch(function () {});
    });
  });
  function highlightCue() {
    if (!cues.length) return;
    var t = video.currentTime, found = null;
    for (var i = 0; i < cues.length; i++) {
      var start = parseFloat(cues[i].getAttribute('data-start'));
      if (start > t) break;
      if (t < parseFloat(cues[i].getAttribute('data-end'))) found = cues[i];
    }
    if (found === activeCue) return;
    if (activeCue) activeCue.classList.remove('active');
    activeCue = found;
    if (!found) return;
    found.classList.add('active');
    // Scroll the list itself, never the page: on a phone the learner is reading the video.
    var top = found.offsetTop - cueList.offsetTop;
    if (top < cueList.scrollTop || top > cueList.scrollTop + cueList.clientHeight - found.offsetHeight) {
      cueList.scrollTop = Math.max(0, top - 40);
    }
  }
})();
