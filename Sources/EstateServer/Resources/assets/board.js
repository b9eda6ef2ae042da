// 销控表: live cells through server-sent events, totals refreshed from the server, the unit
// panel, unit-code quick search and print. The page works (without live updates, with search
// through the server) when this does not run.
(function () {
  var root = document.querySelector('[data-board]');
  if (!root) return;
  var project = root.getAttribute('data-project');
  var query = root.getAttribute('data-query') || '';
  var statuses = (root.getAttribute('data-statuses') || '').split(',').filter(Boolean);
  var live = document.getElementById('live');
  var panel = document.getElementById('unit-panel');
  var openUnit = null;
  var names = {};
  Array.prototype.forEach.call(root.querySelectorAll('.legend [data-status]'), function (li) {
    names[li.getAttribute('data-status')] = li.textContent.trim();
  });

  function setLive(on) {
    if (!live) return;
    live.className = on ? 'live on' : 'live';
    live.textContent = live.getAttribute(on ? 'data-on' : 'data-off');
  }

  // 2187432.00 元 → "218.74万" with integer arithmetic (money is never a float here).
  function wan(text) {
    var neg = text.charAt(0) === '-';
    var digits = text.replace('-', '').replace('.', '');
    var fen = parseInt(digits, 10);
    var r = Math.floor((fen + 5000) / 10000);
    var whole = String(Math.floor(r / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    var frac = String(r % 100); if (frac.length < 2) frac = '0' + frac;
    return (neg ? '-' : '') + whole + '.' + frac + '万';
  }

  function patch(cell) {
    var td = root.querySelector('td[data-unit="' + cell.id + '"]');
    if (!td) return;
    td.className = td.className.replace(/\bst-\w+/, 'st-' + cell.status);
    td.setAttribute('data-status', cell.status);
    if (statuses.length) td.classList.toggle('dim', statuses.indexOf(cell.status) < 0);
    var label = td.querySelector('.st-label'); if (label && names[cell.status]) label.textContent = names[cell.status];
    var link = td.querySelector('a'); if (link && names[cell.status]) link.title = cell.code + ' · ' + names[cell.status];
    // Viewers who may not see prices get cells without them (and have no price line).
    var price = td.querySelector('.price'); if (price && cell.listTotal) price.textContent = wan(cell.listTotal);
    var area = td.querySelector('.area'); if (area) area.textContent = cell.builtArea + '㎡';
    td.classList.remove('flash'); void td.offsetWidth; td.classList.add('flash');
    setTimeout(function () { td.classList.remove('flash'); }, 2500);
    if (openUnit === cell.id) showPanel(cell.id);
  }

  var totalsTimer = null;
  function refreshTotals() {
    clearTimeout(totalsTimer);
    totalsTimer = setTimeout(function () {
      fetch('/projects/' + project + '/board/totals?' + query, { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) { document.getElementById('board-totals').innerHTML = html; })
        .catch(function () {});
    }, 250);
  }

  function showPanel(id) {
    openUnit = id;
    fetch('/projects/' + project + '/units/' + id + '/panel', { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { panel.innerHTML = html; panel.hidden = false; })
      .catch(function () { window.location = '/projects/' + project + '/units/' + id; });
  }

  // After a move posted from the panel the server sends the board back (#u-<unit>): open it at the
  // same scroll; a refused move reopens the unit's panel with the reason, a done one flashes the cell.
  var RETURN = 'board-return';
  document.addEventListener('submit', function (e) {
    if (!panel || !panel.contains(e.target) || e.defaultPrevented) return;
    try { sessionStorage.setItem(RETURN, JSON.stringify({ unit: openUnit, y: window.scrollY, at: Date.now() })); } catch (x) {}
  });
  (function comeBack() {
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(RETURN) || 'null'); sessionStorage.removeItem(RETURN); } catch (x) {}
    if (!saved || Date.now() - saved.at > 60000) return;
    window.scrollTo(0, saved.y);
    // Again once loaded: the #u-<unit> anchor (there for pages without script) may have moved it.
    window.addEventListener('load', function () { window.scrollTo(0, saved.y); }, { once: true });
    if (!saved.unit) return;
    var refused = /[?&]error=/.test(location.search);
    if (refused) {
      var flash = document.querySelector('.flash.error');
      fetch('/projects/' + project + '/units/' + saved.unit + '/panel', { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          openUnit = saved.unit; panel.innerHTML = html; panel.hidden = false;
          if (flash) { var copy = flash.cloneNode(true); panel.querySelector('.panel-body').insertBefore(copy, panel.querySelector('.panel-body').children[1] || null); }
        }).catch(function () {});
    } else {
      var td = document.getElementById('u-' + saved.unit);
      if (td) { td.classList.add('flash'); setTimeout(function () { td.classList.remove('flash'); }, 2500); }
    }
  })();
  // Unit codes as people type them: the same rule as Board.codeKey on the server
  // ("1-1-0101" = "1-1-101", full-width digits and dashes accepted).
  function codeKey(text) {
    var s = '';
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;
      if (c === 0x2010 || c === 0x2011 || c === 0x2012 || c === 0x2013 || c === 0x2014 || c === 0x2212) c = 0x2D;
      var ch = String.fromCharCode(c);
      if (/[A-Za-z0-9-]/.test(ch)) s += ch;
    }
    return s.toUpperCase().split('-').filter(Boolean).map(function (p) {
      while (p.length > 1 && p.charAt(0) === '0') p = p.slice(1);
      return p;
    }).join('-');
  }

  function highlight(td) {
    Array.prototype.forEach.call(root.querySelectorAll('td.cell.found'), function (x) { x.classList.remove('found'); });
    td.classList.add('found');
    td.scrollIntoView({ block: 'center', inline: 'center', behavior: 'smooth' });
    var a = td.querySelector('a'); if (a) a.focus({ preventScroll: true });
  }

  // On this page: the whole code first, then a room without building and entrance, then a part.
  function findCell(text) {
    var key = codeKey(text);
    if (!key) return null;
    var cells = Array.prototype.slice.call(root.querySelectorAll('td.cell[data-code]'));
    var keyed = cells.map(function (td) { return { td: td, key: codeKey(td.getAttribute('data-code')) }; });
    var tests = [
      function (k) { return k === key; },
      function (k) { return k.slice(-(key.length + 1)) === '-' + key; },
      function (k) { return k.indexOf(key) >= 0; }
    ];
    for (var t = 0; t < tests.length; t++) {
      for (var i = 0; i < keyed.length; i++) if (tests[t](keyed[i].key)) return keyed[i].td;
    }
    return null;
  }

  var findForm = root.querySelector('form.board-find');
  if (findForm) {
    findForm.addEventListener('submit', function (e) {
      var input = findForm.querySelector('input[name="find"]');
      var td = findCell(input.value);
      // A unit not on this page (another building, or a typo): the server looks it up.
      if (!td) return;
      e.preventDefault();
      var missing = root.querySelector('.find-missing'); if (missing) missing.remove();
      highlight(td);
      if (window.history && history.replaceState) {
        var params = new URLSearchParams(window.location.search);
        params.set('find', input.value.trim());
        history.replaceState(null, '', '?' + params.toString());
      }
    });
  }
  var found = root.querySelector('td.cell.found');
  if (found) highlight(found);

  root.addEventListener('click', function (e) {
    var a = e.target.closest('td.cell a');
    if (a && panel && !e.metaKey && !e.ctrlKey) {
      e.preventDefault();
      showPanel(a.parentNode.getAttribute('data-unit'));
    }
    if (e.target.closest('[data-close]')) { panel.hidden = true; openUnit = null; }
    if (e.target.closest('[data-print]')) { window.print(); }
  });
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape' && panel) { panel.hidden = true; openUnit = null; } });

  if (!window.EventSource) return;
  var opened = false;
  var source = new EventSource('/projects/' + project + '/board/events');
  source.addEventListener('open', function () {
    // After a gap (server restart, network), changes may have been missed: reload once.
    if (opened) { window.location.reload(); return; }
    opened = true; setLive(true);
  });
  source.addEventListener('error', function () { setLive(false); });
  source.addEventListener('cells', function (e) {
    JSON.parse(e.data).forEach(patch);
    refreshTotals();
  });
  source.addEventListener('reload', function () { window.location.reload(); });
  // A change between rendering this page and connecting: reload (at most once in 10 s, in case
  // two servers briefly disagree).
  source.addEventListener('hello', function (e) {
    var now = JSON.parse(e.data).fingerprint;
    if (now && now !== root.getAttribute('data-fingerprint')) {
      var last = Number(sessionStorage.getItem('board-reload') || 0);
      if (Date.now() - last > 10000) { sessionStorage.setItem('board-reload', String(Date.now())); window.location.reload(); }
    }
  });
})();
