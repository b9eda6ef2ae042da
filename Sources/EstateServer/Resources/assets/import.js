// 导入: sends the file as the request body, shows upload and server progress
// (NDJSON lines), then the result or every bad row.
(function () {
  var form = document.getElementById('import-form');
  if (!form || !window.XMLHttpRequest) return;
  var me = document.currentScript || document.querySelector('script[data-phases]');
  var phases = me.getAttribute('data-phases').split('|');
  var names = { reading: phases[0], checking: phases[1], writing: phases[2], done: phases[3] };
  var cols = me.getAttribute('data-cols').split('|');
  var box = document.getElementById('import-progress');
  var fill = document.getElementById('import-fill');
  var phase = document.getElementById('import-phase');
  var result = document.getElementById('import-result');

  function show(p, text) { box.hidden = false; fill.style.width = Math.round(p * 100) + '%'; phase.textContent = text; }
  function cell(tr, text) { var td = document.createElement('td'); td.textContent = text == null ? '' : text; tr.appendChild(td); }

  form.addEventListener('submit', function (e) {
    var file = document.getElementById('file').files[0];
    if (!file) return;
    e.preventDefault();
    result.innerHTML = '';
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.action.split('?')[0] + '?fileName=' + encodeURIComponent(file.name));
    xhr.setRequestHeader('X-CSRF-Token', form.getAttribute('data-csrf'));
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    xhr.setRequestHeader('Accept', 'application/x-ndjson');
    xhr.upload.onprogress = function (ev) { if (ev.lengthComputable) show(0.3 * ev.loaded / ev.total, me.getAttribute('data-uploading')); };
    var seen = 0;
    function consume() {
      var lines = xhr.responseText.slice(seen).split('\n');
      for (var i = 0; i < lines.length - 1; i++) {
        seen += lines[i].length + 1;
        if (!lines[i]) continue;
        var m = JSON.parse(lines[i]);
        if (m.phase) {
          var base = { reading: 0.3, checking: 0.4, writing: 0.7, done: 1 }[m.phase] || 0.3;
          var span = { reading: 0.1, checking: 0.3, writing: 0.3, done: 0 }[m.phase] || 0;
          show(base + span * (m.total ? m.done / m.total : 0), names[m.phase] + (m.total > 1 ? ' ' + m.done + ' / ' + m.total : ''));
        } else if (m.result) {
          show(1, names.done);
          var ok = document.createElement('p'); ok.className = 'flash ok';
          ok.textContent = me.getAttribute('data-ok').replace('{imported}', m.result.imported).replace('{buildings}', m.result.buildingsCreated);
          var a = document.createElement('a'); a.href = me.getAttribute('data-board'); a.textContent = '→ ' + me.getAttribute('data-board-label');
          result.appendChild(ok); result.appendChild(a);
        } else if (m.problem) {
          box.hidden = true;
          var err = document.createElement('p'); err.className = 'flash error';
          err.textContent = m.problem.detail; result.appendChild(err);
          if (m.problem.rows && m.problem.rows.length) {
            var t = document.createElement('table'); t.className = 'data';
            var head = document.createElement('tr'); cols.forEach(function (c) { var th = document.createElement('th'); th.textContent = c; head.appendChild(th); });
            t.appendChild(head);
            m.problem.rows.forEach(function (r) {
              var tr = document.createElement('tr'); cell(tr, r.row); cell(tr, r.column); cell(tr, r.value); cell(tr, r.message); t.appendChild(tr);
            });
            result.appendChild(t);
          }
        }
      }
    }
    xhr.onprogress = consume;
    xhr.onload = function () {
      consume();
      if (xhr.status >= 400 && !result.hasChildNodes()) {
        // A problem+json answer (e.g. 429 import_busy) carries the message in the user's language.
        var text = xhr.status + ' ' + xhr.statusText;
        try { var p = JSON.parse(xhr.responseText); if (p && p.detail) text = p.detail; } catch (ignored) {}
        var err = document.createElement('p'); err.className = 'flash error'; err.textContent = text; result.appendChild(err);
      }
    };
    xhr.send(file);
  });
})();
