// Lesson editor: upload an image without leaving the page and insert its Markdown at the
// cursor. Without JS the form posts normally and the code is shown in a message.
(function () {
  var form = document.querySelector('form.image-upload');
  var textarea = document.querySelector('#lesson-form textarea[name="body"]');
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  if (!form || !textarea || !window.fetch || !window.FormData) return;
  var status = form.querySelector('.status');

  function insertAtCursor(text) {
    var start = textarea.selectionStart || textarea.value.length;
    var end = textarea.selectionEnd || start;
    var before = textarea.value.slice(0, start), after = textarea.value.slice(end);
    var snippet = (before && !/\n$/.test(before) ? '\n' : '') + text + '\n';
    textarea.value = before + snippet + after;
    textarea.focus();
    textarea.selectionStart = textarea.selectionEnd = before.length + snippet.length;
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var data = new FormData(form);
    if (status) status.textContent = form.getAttribute('data-uploading');
    window.fetch(form.action, {method: 'POST', body: data, credentials: 'same-origin',
      headers: {'Accept': 'application/json', 'X-CSRFToken': tokenMeta ? tokenMeta.getAttribute('content') : ''}})
      .then(function (response) { return response.json().then(function (json) { return {ok: response.ok, json: json}; }); })
      .then(function (result) {
        if (!result.ok) { if (status) status.textContent = result.json.error || form.getAttribute('data-failed'); return; }
        insertAtCursor(result.json.markdown);
        form.reset();
        if (status) status.textContent = form.getAttribute('data-done');
      })
      .catch(function () { if (status) status.textContent = form.getAttribute('data-failed'); });
  });
})();
