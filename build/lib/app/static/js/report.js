// The report's "Print or save as PDF" button (a static file: the CSP allows no inline handlers).
(function () {
  var button = document.getElementById("print-report");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
})();
