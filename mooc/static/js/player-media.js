// What the video element plays: adaptive HLS (native where the browser has it, the
// local hls.js elsewhere), MP4 renditions as the fallback and for a chosen quality,
// the sound alone (听党课), the data-saver setting, and captions readable on a phone.
// player.js (watch tracking) drives it through window.MoocPlayerMedia; nothing here
// reports progress.
(function () {
  'use strict';
  var SAVER_KEY = 'mooc.video.saver', LISTEN_KEY = 'mooc.video.listen';

  function store(key, value) { try { window.localStorage.setItem(key, value); } catch (e) { /* private mode */ } }
  function recall(key) { try { return window.localStorage.getItem(key); } catch (e) { return null; } }
  function quietPlay(video) { var p = video.play(); if (p && p.catch) p.catch(function () {}); }

  function networkSaysSave() {
    var c = navigator.connection || navigator.mozConnection || navigator.webkitConnection;
    return !!c && (!!c.saveData || ['slow-2g', '2g'].indexOf(c.effectiveType) >= 0);
  }

  function create(root, video, sources, hooks) {
    var hls = null;               // the hls.js instance, when it plays
    var mode = null;              // 'hls-native' | 'hls-js' | 'mp4' | 'listen'
    var label = null;             // the MP4 rendition chosen by hand, or null for automatic
    var hlsJsUrl = root.getAttribute('data-hls-js');
    var forceJs = !!window.MOOC_FORCE_HLSJS;   // tests: the hls.js path in a browser with native HLS
    var saverBox = root.querySelector('input.saver');
    var listenBox = root.querySelector('input.listen');
    var posterUrl = sources.poster;
    var api = {};

    var saver = recall(SAVER_KEY);
    saver = saver === null ? networkSaysSave() : saver === '1';
    var listening = recall(LISTEN_KEY) === '1' && !!sources.audio;
    if (saverBox) saverBox.checked = saver;
    if (listenBox) { listenBox.checked = listening; listenBox.disabled = !sources.audio; }

    function renditions() {
      return (sources.renditions || []).slice().sort(function (a, b) { return a.label - b.label; });
    }
    function mp4For(wanted) {
      var list = renditions();
      var found = list.filter(function (r) { return String(r.label) === String(wanted); })[0];
      return found || list[0];
    }
    function nativeHls() {
      return !forceJs && !!video.canPlayType('application/vnd.apple.mpegurl');
    }
    function withHlsJs(then) {
      if (window.Hls) { then(); return; }
      if (!hlsJsUrl) { then(); return; }
      var script = document.createElement('script');
      script.src = hlsJsUrl;
      script.onload = then;
      script.onerror = then;        // no hls.js: the MP4 fallback below
      document.head.appendChild(script);
    }
    function showPoster() {
      if (posterUrl && !saver && !listening) video.setAttribute('poster', posterUrl);
      else if (!listening) video.removeAttribute('poster');
    }

    function destroyHls() {
      if (hls) { hls.destroy(); hls = null; }
    }

    // Point the element at a new source, keeping time, speed and play state.
    function attach(apply, at, resume) {
      var rate = video.playbackRate;
      hooks.beforeSwitch();
      root.setAttribute('data-mode', mode);
      apply();
      video.addEventListener('loadedmetadata', function restore() {
        video.removeEventListener('loadedmetadata', restore);
        video.playbackRate = rate;
        if (at > 0) video.currentTime = at;
        hooks.afterSwitch();
        if (resume) quietPlay(video);
      });
    }

    function setSrc(url) {
      destroyHls();
      video.setAttribute('src', url);
      video.load();
    }

    function startHlsJs(url) {
      destroyHls();
      video.removeAttribute('src');
      // The light build, without a worker (the CSP allows no blob: workers). The master
      // lists 240p first, so playback starts small and climbs as bandwidth allows;
      // the data saver keeps it at the smallest.
      hls = new window.Hls({enableWorker: false, startLevel: 0, capLevelToPlayerSize: true,
                            maxBufferLength: 30, backBufferLength: 30});
      if (saver) hls.autoLevelCapping = 0;
      hls.on(window.Hls.Events.ERROR, function (_event, data) {
        if (!data.fatal) return;
        if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) { hls.recoverMediaError(); return; }
        hooks.expired();          // an expired signed URL (403) or the network: fresh URLs
      });
      hls.on(window.Hls.Events.LEVEL_SWITCHED, function (_event, data) {
        var level = hls.levels[data.level];
        root.setAttribute('data-level', level ? String(level.height) : '');
      });
      hls.loadSource(url);
      hls.attachMedia(video);
    }

    // Choose and load what to play. `at`: media time to continue from.
    function load(at, resume) {
      showPoster();
      video.preload = saver ? 'none' : 'metadata';
      if (listening && sources.audio) {
        mode = 'listen';
        root.classList.add('listening');
        attach(function () { setSrc(sources.audio); }, at, resume);
        return;
      }
      root.classList.remove('listening');
      if (label === null && sources.hls && !saver && nativeHls()) {
        mode = 'hls-native';
        attach(function () { setSrc(sources.hls); }, at, resume);
      } else if (label === null && sources.hls && !nativeHls()) {
        withHlsJs(function () {
          if (window.Hls && window.Hls.isSupported()) {
            mode = 'hls-js';
            attach(function () { startHlsJs(sources.hls); }, at, resume);
          } else {
            mode = 'mp4';
            attach(function () { setSrc(mp4For(renditions()[0].label).url); }, at, resume);
          }
        });
      } else {
        // A quality chosen by hand, the data saver with native HLS (the smallest file,
        // not the browser's own choice), or a video without HLS.
        mode = 'mp4';
        var wanted = label !== null ? label : (saver || !sources.hls ? renditions()[0].label : null);
        attach(function () { setSrc(mp4For(wanted).url); }, at, resume);
      }
    }

    function reload() { load(video.currentTime || 0, !video.paused); }

    api.start = function () { load(0, false); };
    api.mode = function () { return mode; };
    api.setQuality = function (value) {
      label = value === 'auto' || !value ? null : value;
      if (mode === 'hls-js' && hls && label === null) { hls.currentLevel = -1; return; }
      reload();
    };
    api.refresh = function (fresh) {
      sources = fresh;
      posterUrl = fresh.poster;
      reload();
    };
    if (saverBox) saverBox.addEventListener('change', function () {
      saver = saverBox.checked;
      store(SAVER_KEY, saver ? '1' : '0');
      if (hls) hls.autoLevelCapping = saver ? 0 : -1;
      showPoster();
      if (mode !== 'hls-js') reload();
    });
    if (listenBox) listenBox.addEventListener('change', function () {
      listening = listenBox.checked && !!sources.audio;
      store(LISTEN_KEY, listening ? '1' : '0');
      reload();
    });
    // Data saver: the poster is fetched only once the learner taps the picture.
    video.addEventListener('play', function () { if (posterUrl && saver) video.setAttribute('poster', posterUrl); });
    setupCaptions(root, video);
    return api;
  }

  // Captions: the browser draws cues at about 5 % of the picture's height — unreadable
  // on a 360 px phone. Inline, our own caption line (CSS: at least 16 px) shows the
  // current cue; in full screen the browser's own rendering is big enough.
  function setupCaptions(root, video) {
    var line = root.querySelector('.caption-line');
    var track = video.textTracks && video.textTracks[0];
    if (!line || !track) return;
    function fullscreen() { return document.fullscreenElement === video || document.webkitFullscreenElement === video; }
    function place() {
      if (track.mode === 'disabled') { line.hidden = true; return; }
      track.mode = fullscreen() ? 'showing' : 'hidden';
      show();
    }
    function show() {
      var cues = track.activeCues, text = [];
      for (var i = 0; cues && i < cues.length; i++) text.push(cues[i].text);
      line.textContent = text.join('\n');
      line.hidden = !text.length || fullscreen();
    }
    track.mode = 'hidden';
    track.addEventListener('cuechange', show);
    document.addEventListener('fullscreenchange', place);
    document.addEventListener('webkitfullscreenchange', place);
    var toggle = root.querySelector('input.captions-toggle');
    if (toggle) toggle.addEventListener('change', function () {
      track.mode = toggle.checked ? 'hidden' : 'disabled';
      place();
    });
  }

  window.MoocPlayerMedia = {create: create};
})();
