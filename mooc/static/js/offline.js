// Page side of the installable app (mooc/offline): registers the service worker, keeps
// each member's saved pages to that member (other members' caches are deleted on every
// page, all of them at sign-out), 离线保存 on text lessons and the course outline, and
// the queue of lesson visits made offline, sent when the connection is back (the server
// decides what they earn). Quiz answers keep their own queue (quiz.js).
(function () {
  'use strict';
  var script = document.currentScript || document.querySelector('script[src*="js/offline.js"]');
  function attr(name) { return (script && script.getAttribute('data-' + name)) || ''; }
  function msg(name) { return attr('msg-' + name); }
  var meta = document.querySelector('meta[name="mooc-user"]');
  var key = meta ? meta.getAttribute('content') : null;      // null: a page without the head (offline page)
  var PREFIX = 'mooc-user-' + (attr('format') || '1') + '-';
  var own = key ? PREFIX + key : null;
  var QUEUE = 'mooc.offline.visits.';
  var hasCaches = 'caches' in window;

  if ('serviceWorker' in navigator && attr('sw')) {
    navigator.serviceWorker.register(attr('sw'), {scope: '/'}).catch(function () { /* http, private mode */ });
  }

  // ---- Nothing of another member: their page caches and visit queues go.
  function forgetOthers(keepName) {
    var done = [];
    if (hasCaches) {
      done.push(caches.keys().then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf('mooc-user-') === 0 && name !== keepName;
        }).map(function (name) { return caches.delete(name); }));
      }));
    }
    try {
      for (var i = window.localStorage.length - 1; i >= 0; i--) {
        var k = window.localStorage.key(i);
        if (k && k.indexOf(QUEUE) === 0 && k !== QUEUE + key) window.localStorage.removeItem(k);
      }
    } catch (e) { /* private mode */ }
    return Promise.all(done);
  }
  if (key !== null) forgetOthers(own);
  document.querySelectorAll('form[action$="/logout"]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (form.getAttribute('data-cleared')) return;
      event.preventDefault();
      key = '';
      var go = function () { form.setAttribute('data-cleared', '1'); form.submit(); };
      forgetOthers(null).then(go, go);
    });
  });

  // ---- Saving a lesson: the page (through the worker, which keeps text lessons) and its images.
  function textLesson(doc) {
    return !!doc.querySelector('#reader .reader-body') && !doc.querySelector('#video-lesson') &&
      !doc.querySelector('link[href*="css/quiz.css"]');
  }
  function cacheImages(doc, base) {
    if (!own || !hasCaches) return Promise.resolve();
    var urls = Array.prototype.map.call(doc.querySelectorAll('.reader-body img[src]'), function (img) {
      return new URL(img.getAttribute('src'), base).href;
    }).filter(function (url) { return url.indexOf(location.origin + '/') === 0; });
    return caches.open(own).then(function (cache) {
      return Promise.all(urls.map(function (url) {
        return fetch(url, {credentials: 'same-origin'}).then(function (r) { if (r.ok) return cache.put(url, r); });
      }));
    });
  }
  function save(url) {
    return fetch(url, {credentials: 'same-origin', headers: {'Accept': 'text/html'}}).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, 'text/html');
      if (!textLesson(doc)) throw new Error('not a text lesson');
      // The worker keeps a text lesson as it passes; put it here too in case it was not in control yet.
      return caches.open(own).then(function (cache) {
        return cache.put(url, new Response(html, {headers: {'Content-Type': 'text/html; charset=utf-8'}}));
      }).then(function () { return cacheImages(doc, url); });
    });
  }
  function isSaved(url) {
    if (!own || !hasCaches) return Promise.resolve(false);
    return caches.open(own).then(function (cache) { return cache.match(url); }).then(function (hit) { return !!hit; });
  }
  function unsave(url) {
    return caches.open(own).then(function (cache) { return cache.delete(url); });
  }
  function pageUrl() { return location.origin + location.pathname; }

  // ---- A text lesson: its state, the button, and what offline reading earns.
  var reader = document.getElementById('reader');
  var offlineCopy = document.documentElement.hasAttribute('data-offline-copy');
  if (reader && own && hasCaches && textLesson(document)) {
    var box = document.createElement('div');
    box.className = 'offline-box';
    var state = document.createElement('span');
    state.className = 'offline-state';
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'chip offline-save';
    var note = document.createElement('p');
    note.className = 'muted offline-credit';
    note.textContent = msg('credit');
    box.appendChild(state);
    box.appendChild(button);
    box.appendChild(note);
    if (offlineCopy) {
      var banner = document.createElement('p');
      banner.className = 'flash flash-info offline-banner';
      banner.setAttribute('role', 'status');
      banner.textContent = msg('offline-copy');
      reader.parentNode.insertBefore(banner, reader);
    }
    var tools = reader.querySelector('.reader-tools');
    if (tools && tools.nextSibling) reader.insertBefore(box, tools.nextSibling); else reader.appendChild(box);
    var show = function (saved) {
      state.textContent = saved ? '✓ ' + msg('saved') : '';
      button.textContent = saved ? msg('remove') : msg('save');
      button.setAttribute('data-saved', saved ? '1' : '0');
      reader.setAttribute('data-offline-saved', saved ? '1' : '0');
    };
    // An opened lesson is saved (the worker keeps it); its images are added here.
    if (!offlineCopy) {
      cacheImages(document, pageUrl()).catch(function () {});
      window.setTimeout(function () { isSaved(pageUrl()).then(show); }, 300);
    }
    isSaved(pageUrl()).then(show);
    button.addEventListener('click', function () {
      if (button.getAttribute('data-saved') === '1') { unsave(pageUrl()).then(function () { show(false); }); return; }
      state.textContent = msg('saving');
      save(pageUrl()).then(function () { show(true); }, function () { state.textContent = msg('save-failed'); });
    });
  }

  // ---- Visits made offline: queued, sent when back online; the server decides.
  function queued() {
    try { return JSON.parse(window.localStorage.getItem(QUEUE + key) || '[]'); } catch (e) { return []; }
  }
  function setQueued(list) {
    try {
      if (list.length) window.localStorage.setItem(QUEUE + key, JSON.stringify(list));
      else window.localStorage.removeItem(QUEUE + key);
    } catch (e) { /* private mode */ }
  }
  function status(text) {
    var main = document.getElementById('main');
    if (!main || !text) return;
    var line = document.querySelector('.offline-status');
    if (!line) {
      line = document.createElement('p');
      line.className = 'flash flash-info offline-status';
      line.setAttribute('role', 'status');
      main.insertBefore(line, main.firstChild);
    }
    line.textContent = text;
  }
  if (offlineCopy && reader && key) {
    var visitUrl = reader.getAttribute('data-visit-url');
    if (visitUrl) {
      var list = queued().filter(function (v) { return v.url !== visitUrl; });
      list.push({url: visitUrl, at: new Date().toISOString()});
      setQueued(list.slice(-50));
      status(msg('queued').replace('{n}', Math.min(list.length, 50)));
    }
  }
  function csrfToken() {
    var m = document.querySelector('meta[name="csrf-token"]');
    var input = document.querySelector('input[name="csrf_token"]');
    return m ? m.getAttribute('content') : (input ? input.value : '');
  }
  var flushing = false;
  function flush() {
    var list = queued();
    if (!key || offlineCopy || flushing || !list.length || navigator.onLine === false) return;
    var token = csrfToken();
    if (!token) return;
    flushing = true;
    var left = [];
    // One at a time, in the order they were read: the server keeps the last as 继续学习.
    list.reduce(function (previous, visit) {
      return previous.then(function () {
        return fetch(visit.url, {method: 'POST', credentials: 'same-origin',
                                 headers: {'X-CSRFToken': token, 'Accept': 'application/json'}})
          .then(function (r) {
            // 404/403: the lesson is gone or closed, for good; anything else: try again later.
            if (!r.ok && r.status !== 404 && r.status !== 403) left.push(visit);
          })
          .catch(function () { left.push(visit); });
      });
    }, Promise.resolve()).then(function () {
      flushing = false;
      setQueued(left);
      if (left.length < list.length) status(msg('sent'));
      document.documentElement.setAttribute('data-offline-queue', String(left.length));
    });
  }
  flush();
  window.addEventListener('online', flush);

  // ---- The course outline: which lessons are saved; 离线保存 for text lessons.
  var rows = document.querySelectorAll('.lesson-row');
  if (rows.length && own && hasCaches) {
    Array.prototype.forEach.call(rows, function (row) {
      var link = row.querySelector('a[href]');
      var icon = row.querySelector('.kind-icon');
      if (!link) return;
      var url = new URL(link.getAttribute('href'), location.href).href;
      var badge = document.createElement('span');
      badge.className = 'badge badge-ok offline-badge';
      badge.textContent = msg('saved');
      badge.hidden = true;
      row.appendChild(badge);
      var text = icon && icon.textContent.trim() === '文';
      var saveButton = null;
      if (text) {
        saveButton = document.createElement('button');
        saveButton.type = 'button';
        saveButton.className = 'chip offline-save';
        saveButton.textContent = msg('save');
        row.appendChild(saveButton);
        saveButton.addEventListener('click', function () {
          saveButton.textContent = msg('saving');
          save(url).then(function () { badge.hidden = false; saveButton.hidden = true; },
                         function () { saveButton.textContent = msg('save-failed'); });
        });
      }
      isSaved(url).then(function (saved) {
        badge.hidden = !saved;
        if (saveButton) saveButton.hidden = saved;
      });
    });
  }

  // ---- The offline page: what can be read without a connection.
  var savedList = document.querySelector('.offline-saved');
  if (savedList && hasCaches) {
    caches.keys().then(function (names) {
      var mine = names.filter(function (name) { return name.indexOf('mooc-user-') === 0; });
      return Promise.all(mine.map(function (name) {
        return caches.open(name).then(function (cache) {
          return cache.keys().then(function (requests) {
            return Promise.all(requests.filter(function (r) { return /\/lessons\/\d+$/.test(r.url); })
              .map(function (r) {
                return cache.match(r).then(function (res) { return res.text(); }).then(function (html) {
                  var title = /<title>([^<]*)<\/title>/.exec(html);
                  return {url: r.url, title: title ? title[1] : r.url};
                });
              }));
          });
        });
      }));
    }).then(function (groups) {
      var items = [].concat.apply([], groups);
      if (!items.length) { savedList.textContent = savedList.getAttribute('data-empty'); return; }
      items.forEach(function (item) {
        var li = document.createElement('li');
        var a = document.createElement('a');
        a.href = item.url;
        a.textContent = new DOMParser().parseFromString(item.title, 'text/html').documentElement.textContent;
        li.appendChild(a);
        savedList.appendChild(li);
      });
    });
  }
  var retry = document.querySelector('.offline-retry');
  if (retry) retry.addEventListener('click', function () { location.reload(); });
})();
