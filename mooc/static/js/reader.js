// The lesson reader: font size (remembered on this device), a reading countdown and the
// "continue where I left off" ping. The server decides completion; this only helps.
(function () {
  var body = document.querySelector('.reader-body');
  var KEY = 'mooc.reader.fontStep';
  var MIN = 1, MAX = 5, DEFAULT = 2;

  function readStep() {
    try { var v = parseInt(window.localStorage.getItem(KEY), 10); return v >= MIN && v <= MAX ? v : DEFAULT; }
    catch (e) { return DEFAULT; }
  }
  function apply(step) {
    if (!body) return;
    for (var i = MIN; i <= MAX; i++) body.classList.remove('fs-' + i);
    body.classList.add('fs-' + step);
  }
  var step = readStep();
  apply(step);
  document.querySelectorAll('[data-font]').forEach(function (button) {
    button.addEventListener('click', function () {
      step = Math.min(MAX, Math.max(MIN, step + parseInt(button.getAttribute('data-font'), 10)));
      apply(step);
      try { window.localStorage.setItem(KEY, String(step)); } catch (e) { /* private mode */ }
    });
  });

  var countdown = document.querySelector('.countdown[data-seconds]');
  if (countdown) {
    var form = countdown.closest('form');
    var button = form && form.querySelector('button[type=submit]');
    var left = parseInt(countdown.getAttribute('data-seconds'), 10) || 0;
    var label = button ? button.textContent : '';
    var tick = function () {
      if (left <= 0) {
        countdown.textContent = countdown.getAttribute('data-ready-text');
        if (button) { button.disabled = false; button.textContent = label; }
        return;
      }
      countdown.textContent = countdown.getAttribute('data-wait-text').replace('{s}', left);
      if (button) { button.disabled = true; button.textContent = label + '（' + left + '）'; }
      left -= 1;
      window.setTimeout(tick, 1000);
    };
    tick();
  }

  var reader = document.getElementById('reader');
  var visitUrl = reader && reader.getAttribute('data-visit-url');
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  if (visitUrl && tokenMeta && window.fetch) {
    window.fetch(visitUrl, {method: 'POST', credentials: 'same-origin',
      headers: {'X-CSRFToken': tokenMeta.getAttribute('content'), 'Accept': 'application/json'}})
      // Read the reply: an unread body keeps the request open in the browser.
      .then(function (response) { return response.text(); })
      .catch(function () { /* only a convenience */ });
  }
})();
