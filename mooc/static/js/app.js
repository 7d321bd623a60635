// Small progressive enhancements; every page works without this file.
(function () {
  document.documentElement.classList.add('js');
  var menu = document.querySelector('details.menu');
  if (menu && window.matchMedia) {
    var wide = window.matchMedia('(min-width: 900px)');
    var sync = function () { if (wide.matches) menu.open = true; };
    sync();
    if (wide.addEventListener) wide.addEventListener('change', sync);
  }
  // Header group menus (学习 · 教学 · 管理 · account): one open at a time; a click
  // elsewhere or Escape closes it.
  var toggles = document.querySelectorAll('.navgroup-toggle');
  var closeAll = function (except) {
    for (var i = 0; i < toggles.length; i++) {
      if (toggles[i] !== except) toggles[i].setAttribute('aria-expanded', 'false');
    }
  };
  for (var i = 0; i < toggles.length; i++) {
    toggles[i].addEventListener('click', function (event) {
      var open = this.getAttribute('aria-expanded') === 'true';
      closeAll(this);
      this.setAttribute('aria-expanded', open ? 'false' : 'true');
      event.stopPropagation();
    });
  }
  document.addEventListener('click', function (event) {
    if (!event.target.closest || !event.target.closest('.navgroup .nav')) closeAll(null);
  });
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') closeAll(null);
  });
  // Ask before destructive actions (forms marked data-confirm).
  document.addEventListener('submit', function (event) {
    var message = event.target.getAttribute('data-confirm');
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
