// Small page behaviours; pages work without this file.
document.addEventListener('submit', function (event) {
  var button = event.submitter;
  var message = button && button.getAttribute('data-confirm');
  if (message && !window.confirm(message)) { event.preventDefault(); }
});
// A select marked data-autosubmit submits its form when changed (project switcher).
document.addEventListener('change', function (event) {
  var t = event.target;
  if (t.matches && t.matches('select[data-autosubmit]')) { t.form.submit(); }
  if (t.matches && t.matches('input[data-check-all]')) {
    var name = t.getAttribute('data-check-all');
    document.querySelectorAll('input[name="' + name + '"]').forEach(function (c) { c.checked = t.checked; });
  }
});
