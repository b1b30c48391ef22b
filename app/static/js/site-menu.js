/* Hybrid Threat Atlas — the header's menu on narrow screens.
 * Without this script the header's links wrap onto as many lines as they
 * need (nothing is out of reach); with it, below the CSS breakpoint they fold
 * behind one "Menu" button whose aria-expanded says whether they are shown.
 * Escape closes the menu and gives focus back to the button.
 */
(function () {
  'use strict';
  var header = document.querySelector('[data-menu]');
  if (!header) { return; }
  var button = header.querySelector('.menu-toggle');
  var nav = document.getElementById(button.getAttribute('aria-controls'));

  function setOpen(open) {
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
    header.classList.toggle('menu-open', open);
  }

  header.classList.add('menu-js');
  button.hidden = false;
  button.addEventListener('click', function () {
    setOpen(button.getAttribute('aria-expanded') !== 'true');
  });
  nav.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && header.classList.contains('menu-open')) {
      setOpen(false);
      button.focus();
    }
  });
}());
