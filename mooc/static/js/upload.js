// Video upload for authors: resumable chunks with a progress bar, then the processing
// status (queued / processing n% / ready / failed) until it is done. Without JavaScript
// the form posts the whole file and the page shows the same states after a reload.
(function () {
  'use strict';
  var panel = document.getElementById('video-author');
  if (!panel || !window.fetch) return;
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = tokenMeta ? tokenMeta.getAttribute('content') : '';
  var statusUrl = panel.getAttribute('data-status-url');

  function api(url, method, body) {
    return window.fetch(url, {
      method: method || 'GET', credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: {'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': csrf}
    }).then(function (response) {
      return response.json().catch(function () { return {}; })
        .then(function (json) { return {status: response.status, body: json}; });
    });
  }
  function remember(key, value) { try { window.localStorage.setItem(key, value); } catch (e) { /* private mode */ } }
  function recall(key) { try { return window.localStorage.getItem(key); } catch (e) { return null; } }
  function forget(key) { try { window.localStorage.removeItem(key); } catch (e) { /* private mode */ } }

  // ---- Processing status: poll until the video is ready or failed, then reload the panel.
  var polling = false;
  function poll(jobId) {
    if (polling) return;
    polling = true;
    var tick = function () {
      api(statusUrl + (jobId ? '?job=' + jobId : '')).then(function (res) {
        var asset = res.body.asset, job = res.body.job;
        if (job && job.status === 'failed' && job.result && job.result.rejected) {
          polling = false;
          showUpload(job.message);
          return;
        }
        if (!asset || asset.status === 'ready' || asset.status === 'failed') {
          window.location.reload();
          return;
        }
        var box = panel.querySelector('.job-progress');
        var badge = panel.querySelector('.state-badge');
        if (box) {
          box.hidden = false;
          box.querySelector('progress').value = asset.percent;
          box.querySelector('.percent').textContent = asset.percent + '%';
        }
        if (badge) {
          var labels = JSON.parse(badge.getAttribute('data-labels') || '{}');
          badge.textContent = labels[asset.status] || asset.status;
        }
        window.setTimeout(tick, 2000);
      }).catch(function () { window.setTimeout(tick, 5000); });
    };
    tick();
  }
  var state = panel.getAttribute('data-status');
  if (state === 'queued' || state === 'processing') poll(null);

  // ---- Upload in chunks; after a dropped connection ask the server where to continue.
  var form = panel.querySelector('form.video-upload');
  if (!form || !window.File || !window.Blob || !Blob.prototype.slice || !window.XMLHttpRequest) return;
  var input = form.querySelector('input[type=file]');
  var box = form.querySelector('.upload-progress');
  var bar = box.querySelector('progress');
  var line = box.querySelector('.upload-status');
  var button = form.querySelector('button[type=submit]');
  var maxBytes = parseInt(form.getAttribute('data-max-bytes'), 10) || Infinity;
  function msg(name) { return form.getAttribute('data-msg-' + name) || ''; }
  function mb(bytes) { return (bytes / 1048576).toFixed(1) + ' MB'; }
  function showUpload(text, percent) {
    if (!box) return;   // old browser: the plain form is in use
    box.hidden = false;
    line.textContent = text || '';
    if (typeof percent === 'number') bar.value = percent;
  }
  function progress(done, total) {
    var p = total ? Math.floor(done * 100 / total) : 0;
    showUpload(msg('uploading').replace('{p}', p).replace('{done}', mb(done)).replace('{total}', mb(total)), p);
  }
  function ticketKey(file) {
    return 'mooc.video.upload:' + form.getAttribute('data-begin-url') + ':' + file.name + ':' + file.size + ':' + file.lastModified;
  }

  function begin(file) {
    var key = ticketKey(file);
    var saved = null;
    try { saved = JSON.parse(recall(key) || 'null'); } catch (e) { saved = null; }
    var resumed = saved && saved.offset_url ? api(saved.offset_url).then(function (res) {
      if (res.status !== 200) { forget(key); return null; }
      saved.offset = res.body.offset;
      return saved;
    }) : Promise.resolve(null);
    return resumed.then(function (ticket) {
      if (ticket) return ticket;
      return api(form.getAttribute('data-begin-url'), 'POST', {size: file.size, filename: file.name})
        .then(function (res) {
          if (res.status !== 200) throw res;
          remember(key, JSON.stringify(res.body));
          return res.body;
        });
    });
  }

  function send(file, ticket) {
    return new Promise(function (resolve, reject) {
      var failures = 0;
      function next(offset) {
        progress(offset, file.size);
        if (offset >= file.size) { finish(); return; }
        var xhr = new XMLHttpRequest();   // XHR, not fetch: it reports upload progress
        xhr.open('POST', ticket.chunk_url + '?offset=' + offset);
        xhr.setRequestHeader('Content-Type', 'application/octet-stream');
        xhr.setRequestHeader('Accept', 'application/json');
        xhr.setRequestHeader('X-CSRFToken', csrf);
        xhr.upload.onprogress = function (event) { progress(offset + event.loaded, file.size); };
        xhr.onload = function () {
          var body = {};
          try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
          if (xhr.status === 200) { failures = 0; next(body.offset); }
          else if (xhr.status === 409 && typeof body.offset === 'number') next(body.offset);
          else if (xhr.status >= 500) retry(offset);
          else reject({status: xhr.status, body: body});
        };
        xhr.onerror = function () { retry(offset); };
        xhr.send(file.slice(offset, Math.min(file.size, offset + ticket.chunk_size)));
      }
      function retry(offset) {
        failures += 1;
        if (failures > 30) { reject({status: 0, body: {}}); return; }
        var wait = Math.min(30, Math.pow(2, Math.min(failures, 5)));
        showUpload(msg('retrying').replace('{s}', wait).replace('{done}', mb(offset)));
        window.setTimeout(function () {
          api(ticket.offset_url).then(function (res) {
            if (res.status === 200) next(res.body.offset);
            else reject(res);
          }).catch(function () { retry(offset); });
        }, wait * 1000);
      }
      function finish() {
        showUpload(msg('checking'), 100);
        api(ticket.finish_url, 'POST').then(function (res) {
          if (res.status === 200 || res.status === 202) resolve(res.body);
          else if (res.status === 409 && typeof res.body.offset === 'number') next(res.body.offset);
          else reject(res);
        }).catch(function () { retry(file.size); });
      }
      next(ticket.offset || 0);
    });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var file = input.files && input.files[0];
    if (!file) { showUpload(msg('choose')); return; }
    if (file.size > maxBytes) { showUpload(msg('too-large')); return; }
    button.disabled = true;
    begin(file).then(function (ticket) { return send(file, ticket); }).then(function (result) {
      forget(ticketKey(file));
      showUpload(msg('queued'), 100);
      poll(result.job_id);
    }).catch(function (res) {
      button.disabled = false;
      if (res && res.status && res.status < 500 && res.status !== 409) forget(ticketKey(file));
      showUpload((res && res.body && res.body.error) || msg('failed'));
    });
  });
})();
