// The quiz attempt page: autosave, the question navigator, one-question-per-screen
// stepping and the countdown. The server decides everything (deadline, marking); this
// file only makes sure an answer reaches it. Without JavaScript the form still posts.
//
// Autosave: every change goes into a queue kept in localStorage (so a closed tab or a
// dropped connection loses nothing), which is sent one request at a time and retried
// with backoff until the server confirms it. The server's upsert is idempotent.
(function () {
  'use strict';

  // "Time is up" page: post the submission at once.
  var timeUp = document.getElementById('time-up-form');
  if (timeUp && timeUp.getAttribute('data-auto-submit')) {
    window.setTimeout(function () { timeUp.submit(); }, 300);
  }

  var root = document.getElementById('quiz');
  var form = document.getElementById('quiz-form');
  if (!root || !form) return;

  var text = function (name) { return root.getAttribute('data-text-' + name) || ''; };
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = tokenMeta ? tokenMeta.getAttribute('content') : '';
  var saveUrl = root.getAttribute('data-save-url');
  var resultUrl = root.getAttribute('data-result-url');
  var storeKey = 'mooc.quiz.pending.' + root.getAttribute('data-attempt-id');
  var statusEl = document.getElementById('save-state');
  var sections = Array.prototype.slice.call(form.querySelectorAll('section.question'));
  var byId = {};
  sections.forEach(function (s) { byId[s.getAttribute('data-question-id')] = s; });

  // ---- reading and writing one question's answer -------------------------------------
  function answerBox(section) { return section.querySelector('[data-answer-type]'); }

  function readAnswer(section) {
    var box = answerBox(section);
    var type = box.getAttribute('data-answer-type');
    var inputs = Array.prototype.slice.call(box.querySelectorAll('input'));
    if (type === 'text') return inputs[0] ? inputs[0].value : '';
    var checked = inputs.filter(function (i) { return i.checked; });
    if (type === 'indexes') return checked.map(function (i) { return parseInt(i.value, 10); });
    if (!checked.length) return null;
    if (type === 'bool') return checked[0].value === 'true';
    return parseInt(checked[0].value, 10);
  }

  function writeAnswer(section, value) {
    var box = answerBox(section);
    var type = box.getAttribute('data-answer-type');
    var inputs = Array.prototype.slice.call(box.querySelectorAll('input'));
    if (type === 'text') { if (inputs[0]) inputs[0].value = value == null ? '' : String(value); return; }
    var wanted = type === 'indexes' ? (value || []).map(String) : (value == null ? [] : [String(value)]);
    inputs.forEach(function (i) { i.checked = wanted.indexOf(i.value) !== -1; });
  }

  function isAnswered(value) {
    return value !== null && value !== '' && !(Array.isArray(value) && value.length === 0);
  }

  // ---- navigator --------------------------------------------------------------------
  var navLinks = Array.prototype.slice.call(root.querySelectorAll('.navigator [data-goto]'));
  var countEl = document.getElementById('answered-count');

  function refreshNavigator() {
    var count = 0;
    sections.forEach(function (section, index) {
      var done = isAnswered(readAnswer(section));
      if (done) count += 1;
      var link = navLinks[index];
      if (link) {
        link.classList.toggle('answered', done);
        link.setAttribute('aria-label', section.getAttribute('data-number') + ' ' +
          (done ? text('answered') : text('unanswered')));
      }
    });
    if (countEl) countEl.textContent = String(count);
    return count;
  }

  // ---- one question per screen --------------------------------------------------------
  var stepping = root.classList.contains('one-per-page') && sections.length > 1;
  var current = 0;
  var stepBar = form.querySelector('.step-buttons');

  function show(index) {
    current = Math.max(0, Math.min(sections.length - 1, index));
    sections.forEach(function (s, i) { s.classList.toggle('current', i === current); });
    navLinks.forEach(function (l, i) { l.classList.toggle('current', i === current); });
    if (stepBar) {
      stepBar.querySelector('[data-step="-1"]').disabled = current === 0;
      stepBar.querySelector('[data-step="1"]').disabled = current === sections.length - 1;
    }
  }

  if (stepping) {
    root.classList.add('stepping');
    if (stepBar) {
      stepBar.hidden = false;
      stepBar.addEventListener('click', function (event) {
        var button = event.target.closest('[data-step]');
        if (!button) return;
        show(current + parseInt(button.getAttribute('data-step'), 10));
        sections[current].scrollIntoView({block: 'start'});
      });
    }
    var fromHash = /^#question-(\d+)$/.exec(window.location.hash);
    show(fromHash ? parseInt(fromHash[1], 10) - 1 : 0);
  }
  navLinks.forEach(function (link, index) {
    link.addEventListener('click', function (event) {
      if (!stepping) return;
      event.preventDefault();
      show(index);
      sections[current].scrollIntoView({block: 'start'});
    });
  });

  // ---- the autosave queue -------------------------------------------------------------
  function loadPending() {
    try { return JSON.parse(window.localStorage.getItem(storeKey) || '{}') || {}; }
    catch (e) { return {}; }
  }
  var pending = loadPending();
  function persist() {
    try {
      if (Object.keys(pending).length) window.localStorage.setItem(storeKey, JSON.stringify(pending));
      else window.localStorage.removeItem(storeKey);
    } catch (e) { /* private mode: the queue still lives in memory */ }
  }

  var inFlight = false, retryTimer = null, backoff = 2000, closed = false;

  function setStatus(message, kind) {
    if (!statusEl) return;
    statusEl.textContent = message;
    statusEl.classList.toggle('offline', kind === 'offline');
    statusEl.classList.toggle('error', kind === 'error');
  }

  function clock(iso) {
    var d = iso ? new Date(iso) : new Date();
    var pad = function (n) { return (n < 10 ? '0' : '') + n; };
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }

  function scheduleRetry() {
    if (retryTimer || closed) return;
    retryTimer = window.setTimeout(function () { retryTimer = null; flush(); }, backoff);
    backoff = Math.min(backoff * 2, 30000);
  }

  function flush() {
    if (inFlight || closed || !Object.keys(pending).length) return;
    inFlight = true;
    var batch = JSON.parse(JSON.stringify(pending));
    setStatus(text('saving'));
    window.fetch(saveUrl, {
      method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': csrf},
      body: JSON.stringify({answers: batch})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return {status: response.status, body: body};
      });
    }).then(function (reply) {
      inFlight = false;
      if (reply.status === 200) {
        backoff = 2000;
        Object.keys(batch).forEach(function (id) {
          // Only drop what was sent unchanged; a newer answer stays queued.
          if (JSON.stringify(pending[id]) === JSON.stringify(batch[id])) delete pending[id];
        });
        persist();
        setStatus(text('saved').replace('{t}', clock(reply.body.saved_at)));
        if (Object.keys(pending).length) flush();
      } else if (reply.status === 409) {
        closed = true;
        pending = {};
        persist();
        setStatus(reply.body.error || '', 'error');
        window.setTimeout(function () { window.location.href = reply.body.result_url || resultUrl; }, 1500);
      } else if (reply.status === 400) {
        // The server refused this content; keep the page usable, say why.
        Object.keys(batch).forEach(function (id) { delete pending[id]; });
        persist();
        setStatus(text('error').replace('{e}', reply.body.error || ''), 'error');
      } else {
        setStatus(text('offline'), 'offline');
        scheduleRetry();
      }
    }).catch(function () {
      inFlight = false;
      setStatus(text('offline'), 'offline');
      scheduleRetry();
    });
  }

  function queue(section) {
    pending[section.getAttribute('data-question-id')] = readAnswer(section);
    persist();
    refreshNavigator();
    flush();
  }

  var typingTimers = {};
  form.addEventListener('change', function (event) {
    var section = event.target.closest('section.question');
    if (section) queue(section);
  });
  form.addEventListener('input', function (event) {
    var section = event.target.closest('section.question');
    if (!section || event.target.type !== 'text') return;
    var id = section.getAttribute('data-question-id');
    window.clearTimeout(typingTimers[id]);
    typingTimers[id] = window.setTimeout(function () { queue(section); }, 700);
  });
  window.addEventListener('online', function () { backoff = 2000; flush(); });
  // Leaving the page: one last try that outlives it; localStorage keeps the rest.
  window.addEventListener('pagehide', function () {
    if (closed || !Object.keys(pending).length) return;
    try {
      window.fetch(saveUrl, {method: 'POST', credentials: 'same-origin', keepalive: true,
        headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf},
        body: JSON.stringify({answers: pending})});
    } catch (e) { /* the queue is in localStorage */ }
  });

  // Answers this device had not sent yet are newer than what the page was rendered with.
  Object.keys(pending).forEach(function (id) {
    if (byId[id]) writeAnswer(byId[id], pending[id]);
    else delete pending[id];
  });
  persist();
  refreshNavigator();
  flush();

  // ---- submitting ------------------------------------------------------------------
  var submitting = false;
  form.addEventListener('submit', function (event) {
    if (submitting) { event.preventDefault(); return; }
    if (!form.getAttribute('data-time-up')) {
      var left = sections.length - refreshNavigator();
      var message = left > 0 ? text('confirm').replace('{n}', left) : text('confirm-all');
      if (!window.confirm(message)) { event.preventDefault(); return; }
    }
    submitting = true;
    closed = true;  // the form carries every answer; no more autosaves
    var button = document.getElementById('submit-quiz');
    if (button) button.disabled = true;
  });

  // ---- countdown: from the server's remaining seconds, not this device's clock -------
  var counter = root.querySelector('[data-countdown]');
  var remaining = parseInt(root.getAttribute('data-remaining'), 10);
  if (counter && !isNaN(remaining)) {
    var end = Date.now() + remaining * 1000;
    var pad2 = function (n) { return (n < 10 ? '0' : '') + n; };
    var tick = function () {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      var h = Math.floor(left / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
      counter.textContent = (h ? h + ':' + pad2(m) : pad2(m)) + ':' + pad2(s);
      counter.parentNode.classList.toggle('low', left <= 60);
      if (left > 0) { window.setTimeout(tick, 500); return; }
      if (submitting) return;
      setStatus(text('time-up'));
      form.setAttribute('data-time-up', '1');
      if (form.requestSubmit) form.requestSubmit(); else { submitting = true; form.submit(); }
    };
    tick();
  }
})();
