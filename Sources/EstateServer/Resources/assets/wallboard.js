// 大屏: on each "changed" server-sent event (and every 30 s) read the wallboard JSON and show it;
// the longest wait and each agent's time in state count up every second between reads.
(function () {
  var root = document.getElementById('wallboard');
  if (!root || !window.fetch) return;
  var project = root.getAttribute('data-project');
  var labels = JSON.parse(root.getAttribute('data-labels') || '{}');
  var waiting = parseInt(root.getAttribute('data-waiting') || '0', 10);
  var base = Date.now(), wait = parseInt(root.getAttribute('data-wait') || '0', 10);
  function clock(s) { s = Math.max(0, s); var m = Math.floor(s / 60), r = s % 60; return m + ':' + (r < 10 ? '0' : '') + r; }
  function set(id, v) { var el = document.getElementById(id); if (el) el.textContent = v; }
  function tick() {
    var gone = Math.round((Date.now() - base) / 1000);
    set('wb-longest', waiting > 0 ? clock(wait + gone) : '—');
    var spans = document.querySelectorAll('#wb-agents .wb-since');
    for (var i = 0; i < spans.length; i++) {
      var s = spans[i].getAttribute('data-seconds');
      if (s) spans[i].textContent = clock(parseInt(s, 10) + gone);  // no state yet: Plot drops the empty attribute
    }
  }
  function apply(s) {
    base = Date.now(); wait = s.longestWaitSeconds; waiting = s.waiting;
    set('wb-waiting', String(s.waiting));
    var tile = document.getElementById('wb-waiting');
    if (tile && tile.parentNode) tile.parentNode.className = 'wb-tile' + (s.waiting > 0 ? ' wb-alert' : '');
    set('wb-sl', s.serviceLevel); set('wb-abandonment', s.abandonment); set('wb-asa', s.asa);
    set('wb-offered', String(s.offered)); set('wb-answered', String(s.answered));
    Object.keys(s.counts).forEach(function (k) { set('wb-count-' + k, String(s.counts[k])); });
    var list = document.getElementById('wb-agents');
    if (list) {
      while (list.firstChild) list.removeChild(list.firstChild);
      s.agents.forEach(function (a) {
        var li = document.createElement('li'); li.className = 'wb-agent wb-' + a.state;
        var n = document.createElement('span'); n.className = 'wb-name'; n.textContent = a.name;
        var st = document.createElement('span'); st.className = 'wb-agent-state'; st.textContent = labels[a.state] || a.state;
        var since = document.createElement('span'); since.className = 'wb-since mono';
        since.setAttribute('data-seconds', a.seconds == null ? '' : String(a.seconds));
        since.textContent = a.seconds == null ? '' : clock(a.seconds);
        li.appendChild(n); li.appendChild(st); li.appendChild(since); list.appendChild(li);
      });
    }
    tick();
  }
  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch('/callcentre/wallboard.json?project=' + encodeURIComponent(project), { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { if (r.status === 401 || r.status === 403) { location.reload(); } return r.json(); })
      .then(apply).catch(function () {})
      .then(function () { busy = false; if (again) { again = false; setTimeout(refresh, 300); } });
  }
  setInterval(tick, 1000);
  setInterval(refresh, 30000);
  if (window.EventSource) {
    var es = new EventSource('/callcentre/wallboard/events?project=' + encodeURIComponent(project));
    es.addEventListener('changed', refresh);
    es.addEventListener('reload', function () { location.reload(); });
  }
})();
