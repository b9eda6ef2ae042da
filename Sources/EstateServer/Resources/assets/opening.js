// 线上选房: live availability (one shared update per change, by server-sent events), the countdown
// to the buyer's window in server time, and the 60-s confirmation timer. Without this script the
// page still works: plain forms, and the server refuses what is no longer possible.
(function () {
  'use strict';
  function offsetFrom(el) {
    var t = el && el.getAttribute('data-server-time');
    return t ? Date.parse(t) - Date.now() : 0;
  }
  function fmt(ms) {
    var s = Math.max(0, Math.floor(ms / 1000)), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + ':' : '') + (m < 10 && h ? '0' : '') + m + ':' + (r < 10 ? '0' : '') + r;
  }
  var zh = document.documentElement.lang !== 'en';
  var head = document.querySelector('.xf-head');
  if (head) {
    var offset = offsetFrom(head), opens = Date.parse(head.getAttribute('data-opens') || ''), closes = Date.parse(head.getAttribute('data-closes') || '');
    var out = document.getElementById('xf-countdown');
    var tick = function () {
      var now = Date.now() + offset;
      if (!isNaN(opens) && now < opens) out.textContent = (zh ? '距您的选房时间还有 ' : 'Your window opens in ') + fmt(opens - now);
      else if (!isNaN(closes) && now < closes) out.textContent = (zh ? '选房进行中，剩余 ' : 'Your window closes in ') + fmt(closes - now);
      else if (!isNaN(closes)) out.textContent = zh ? '您的选房时间已结束' : 'Your window has closed';
    };
    tick(); setInterval(tick, 1000);
  }
  var hold = document.querySelector('[data-held-until]');
  if (hold && hold.getAttribute('data-held-until')) {
    var off = offsetFrom(hold), until = Date.parse(hold.getAttribute('data-held-until')), el = document.getElementById('xf-hold');
    var t2 = function () {
      var left = until - (Date.now() + off);
      el.textContent = left > 0 ? fmt(left) : (zh ? '已超时，房源已释放' : 'Time is up: the unit was released');
      if (left <= 0) { var b = hold.querySelector('button'); if (b) b.disabled = true; }
    };
    t2(); setInterval(t2, 500);
  }
  var grid = document.getElementById('xf-grid');
  if (grid && window.EventSource) {
    var state = head ? head.getAttribute('data-state') : '';
    var src = new EventSource(grid.getAttribute('data-live'));
    src.addEventListener('avail', function (ev) {
      var a; try { a = JSON.parse(ev.data); } catch (e) { return; }
      if (state && a.state !== state) { location.reload(); return; }
      var taken = {}, held = {};
      (a.taken || []).forEach(function (id) { taken[id.toUpperCase()] = true; });
      (a.held || []).forEach(function (id) { held[id.toUpperCase()] = true; });
      grid.querySelectorAll('[data-unit]').forEach(function (cell) {
        var id = cell.getAttribute('data-unit').toUpperCase(), st = taken[id] ? 'taken' : held[id] ? 'held' : 'open';
        if (cell.classList.contains('xf-' + st)) return;
        cell.classList.remove('xf-open', 'xf-held', 'xf-taken'); cell.classList.add('xf-' + st);
        var label = cell.querySelector('.xf-state');
        if (label) label.textContent = st === 'taken' ? (zh ? '已售，请选其他' : 'Taken — choose another') : st === 'held' ? (zh ? '确认中' : 'Being confirmed') : (zh ? '可选' : 'Open');
        var b = cell.querySelector('.xf-choose button'); if (b) b.disabled = st !== 'open' || b.hasAttribute('data-mine');
      });
    });
  }
})();
