/* Hybrid Threat Atlas — tables that scroll inside themselves take focus.
 * On a narrow screen a wide table scrolls sideways in its own box (atlas.css)
 * rather than widen the page; a keyboard user must be able to reach it to
 * scroll it (WCAG 2.1.1). Such a table gets tabindex="0" while it scrolls and
 * loses it again when a wider window no longer makes it scroll.
 */
(function () {
  'use strict';
  function mark() {
    document.querySelectorAll('main table').forEach(function (table) {
      var scrolls = table.scrollWidth > table.clientWidth + 1;
      if (scrolls && !table.hasAttribute('tabindex')) {
        table.setAttribute('tabindex', '0');
        table.dataset.scrollFocus = 'true';
      } else if (!scrolls && table.dataset.scrollFocus) {
        table.removeAttribute('tabindex');
        delete table.dataset.scrollFocus;
      }
    });
  }
  mark();
  window.addEventListener('resize', mark);
}());
