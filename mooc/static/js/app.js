// Small progressive enhancements; every page works without this file.
(function () {
  var menu = document.querySelector('details.menu');
  if (menu && window.matchMedia) {
    var wide = window.matchMedia('(min-width: 900px)');
    var sync = function () { if (wide.matches) menu.open = true; };
    sync();
    if (wide.addEventListener) wide.addEventListener('change', sync);
  }
  // Ask before destructive actions (forms marked data-confirm).
  document.addEventListener('submit', function (event) {
    var message = event.target.getAttribute('data-confirm');
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
