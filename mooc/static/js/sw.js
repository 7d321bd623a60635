// The service worker, served at /sw.js (scope: the whole app) by mooc/offline with
// VERSION, CACHE_FORMAT, SHELL and OFFLINE_URL defined in front of this file.
// Rules (mooc/offline/services.py): the shell cache is per release and older ones are
// deleted on activation; pages are cached per member (the page's <meta name="mooc-user">)
// and only text lessons; the network always answers first, caches only when it cannot;
// video and the JSON APIs are never touched.
/* global VERSION, CACHE_FORMAT, SHELL, OFFLINE_URL */
'use strict';
var SHELL_CACHE = 'mooc-shell-' + VERSION;
var USER_PREFIX = 'mooc-user-' + CACHE_FORMAT + '-';
var LESSON_PAGE = /^\/courses\/\d+\/lessons\/\d+$/;
var LESSON_MEDIA = /^\/courses\/\d+\/media\//;

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) {
    return cache.addAll(SHELL.map(function (url) {
      return new Request(url, {cache: 'reload', credentials: 'same-origin'});
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      // Older releases' shells, and page caches of an older format.
      return name.indexOf('mooc-') === 0 && name !== SHELL_CACHE && name.indexOf(USER_PREFIX) !== 0;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function userCacheNames() {
  return caches.keys().then(function (names) {
    return names.filter(function (name) { return name.indexOf(USER_PREFIX) === 0; });
  });
}

function matchUser(request) {
  return userCacheNames().then(function (names) {
    return names.reduce(function (found, name) {
      return found.then(function (hit) {
        return hit || caches.open(name).then(function (cache) { return cache.match(request); });
      });
    }, Promise.resolve(undefined));
  });
}

function isTextLesson(html) {
  return html.indexOf('id="reader"') >= 0 && html.indexOf('<div class="reader-body md">') >= 0 &&
    html.indexOf('id="video-lesson"') < 0 && html.indexOf('css/quiz.css') < 0;
}

function userKey(html) {
  var found = /<meta name="mooc-user" content="([0-9a-f]*)">/.exec(html);
  return found ? found[1] : '';
}

// An opened text lesson is kept for its member (and no one else's pages stay).
function keep(url, response) {
  return response.text().then(function (html) {
    var key = userKey(html);
    if (!key || !isTextLesson(html)) return;
    return userCacheNames().then(function (names) {
      return Promise.all(names.filter(function (name) { return name !== USER_PREFIX + key; })
        .map(function (name) { return caches.delete(name); }));
    }).then(function () {
      return caches.open(USER_PREFIX + key);
    }).then(function (cache) {
      return cache.put(url, new Response(html, {headers: {'Content-Type': 'text/html; charset=utf-8'}}));
    });
  });
}

// A saved page, marked so its script says it is the offline copy.
function offlineCopy(response) {
  return response.text().then(function (html) {
    return new Response(html.replace('<html ', '<html data-offline-copy="1" '),
                        {headers: {'Content-Type': 'text/html; charset=utf-8'}});
  });
}

function navigate(event) {
  var request = event.request, path = new URL(request.url).pathname;
  return fetch(request).then(function (response) {
    if (response.ok && response.type === 'basic' && LESSON_PAGE.test(path)) {
      event.waitUntil(keep(request.url, response.clone()).catch(function () {}));
    }
    return response;
  }).catch(function () {
    return matchUser(request.url.split('#')[0]).then(function (hit) {
      if (hit) return offlineCopy(hit);
      return caches.match(OFFLINE_URL, {cacheName: SHELL_CACHE}).then(function (page) {
        return page || Response.error();
      });
    });
  });
}

function networkFirst(request, cacheName) {
  return fetch(request).then(function (response) {
    if (response.ok && response.type === 'basic') {
      var copy = response.clone();
      caches.open(cacheName).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request, {cacheName: cacheName}).then(function (hit) {
      return hit || matchUser(request).then(function (own) { return own || Response.error(); });
    });
  });
}

self.addEventListener('fetch', function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf('/video/media/') === 0 || url.pathname.indexOf('/api/') === 0) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigate(event));
  } else if (url.pathname.indexOf('/static/') === 0) {
    event.respondWith(networkFirst(request, SHELL_CACHE));
  } else if (LESSON_MEDIA.test(url.pathname)) {
    // A lesson's images are content-addressed: a saved copy is always right.
    event.respondWith(matchUser(request).then(function (hit) { return hit || fetch(request); }));
  }
});
