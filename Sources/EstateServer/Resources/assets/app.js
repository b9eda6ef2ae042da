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
// 房号 picker: suggestions from the server as the agent types a code, a building or an owner's name.
(function () {
  var timer = null;
  document.addEventListener('input', function (event) {
    var input = event.target;
    if (!input.matches || !input.matches('input[data-unit-picker]')) { return; }
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      var list = document.getElementById(input.getAttribute('list'));
      if (!list || q.length < 1) { return; }
      fetch(input.getAttribute('data-unit-picker') + '?q=' + encodeURIComponent(q), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (units) {
          list.textContent = '';
          units.forEach(function (u) {
            var o = document.createElement('option');
            o.value = u.code; o.label = u.label; o.textContent = u.label;
            list.appendChild(o);
          });
        })
        .catch(function () {});
    }, 200);
  });
})();
// 处理人 follows the chosen 部门 and 类型: only people of that department who can work the kind are offered.
(function () {
  function filter(form) {
    var select = form.querySelector('select[data-handler-select]');
    if (!select) { return; }
    var dept = form.querySelector('select[name="department"]');
    var kind = form.querySelector('select[name="kind"]');
    var d = dept ? dept.value : '';
    var repair = kind ? (kind.value === 'repair' || kind.value === 'emergency_repair') : true;
    Array.prototype.forEach.call(select.options, function (o) {
      if (!o.value) { return; }
      var fits = (!d || (' ' + o.getAttribute('data-departments') + ' ').indexOf(' ' + d + ' ') >= 0)
        && (repair || o.getAttribute('data-repairs-only') !== '1');
      o.hidden = !fits; o.disabled = !fits;
      if (!fits && o.selected) { select.value = ''; }
    });
  }
  document.addEventListener('change', function (event) {
    var t = event.target;
    if (t.matches && t.matches('select[name="department"], select[name="kind"]') && t.form) { filter(t.form); }
  });
  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('select[data-handler-select]').forEach(function (s) { if (s.form) { filter(s.form); } });
  });
})();
// After a form posts and the server sends the user back to the same page, open it where they
// were (issue 15): the scroll position is kept for a minute in this tab only.
(function () {
  var KEY = 'scroll-return';
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form || (form.getAttribute('method') || '').toLowerCase() !== 'post') return;
    try {
      sessionStorage.setItem(KEY, JSON.stringify({ path: location.pathname, y: window.scrollY, at: Date.now() }));
    } catch (e) {}
  });
  function restore() {
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(KEY) || 'null'); sessionStorage.removeItem(KEY); } catch (e) {}
    // A refused form comes back open with its reasons: show it.
    var failed = document.querySelector('details.action[open] .flash.error');
    if (failed) { failed.closest('details').scrollIntoView({ block: 'start' }); return; }
    if (saved && saved.path === location.pathname && Date.now() - saved.at < 60000) {
      window.scrollTo(0, saved.y);
      window.addEventListener('load', function () { window.scrollTo(0, saved.y); }, { once: true });
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', restore); else restore();
})();
// Action forms (<details class="action">): one open at a time; the opened one comes into view.
document.addEventListener('toggle', function (event) {
  var d = event.target;
  if (!d.matches || !d.matches('details.action') || !d.open) return;
  document.querySelectorAll('details.action[open]').forEach(function (o) { if (o !== d) o.open = false; });
  var first = d.querySelector('input:not([type=hidden]), select, textarea');
  if (first) first.focus({ preventScroll: true });
}, true);
// 抢修单 unit list: a code picked (or typed and confirmed) in the picker is added to the list field.
document.addEventListener('change', function (event) {
  var input = event.target;
  if (!input.matches || !input.matches('input[data-append-to]')) { return; }
  var list = document.getElementById(input.getAttribute('data-append-to'));
  var code = input.value.trim();
  if (!list || !code) { return; }
  var codes = list.value.split(/[\s,，、;；]+/).filter(function (c) { return c; });
  if (codes.indexOf(code) < 0) { codes.push(code); }
  list.value = codes.join('\n');
  input.value = '';
});
// 质检表: the running total of the items' weights (an item counts once it has a title); the server checks it again.
(function () {
  var out = document.querySelector('[data-weight-total]');
  if (!out) { return; }
  var form = out.closest('form');
  var goal = parseInt(out.getAttribute('data-weight-total'), 10);
  function sum() {
    var s = 0;
    form.querySelectorAll('input.qa-weight').forEach(function (w) {
      var title = w.closest('tr').querySelector('input[type=text]');
      if (title && title.value.trim()) { s += parseInt(w.value || '0', 10) || 0; }
    });
    out.textContent = s + ' / ' + goal;
    out.className = s === goal ? 'ok' : 'bad';
  }
  form.addEventListener('input', sum);
  sum();
})();
