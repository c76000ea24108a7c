// Counts are recomputed from the rows, so the numbers always match what is listed.
(function () {
  var rows = document.querySelectorAll('details.request');
  var n = { passed: 0, failed: 0, skipped: 0 };
  rows.forEach(function (r) {
    var o = r.dataset.outcome;
    if (o === 'passed') n.passed++; else if (o === 'skipped') n.skipped++; else n.failed++;
  });
  document.getElementById('summary-total').textContent = rows.length;
  document.getElementById('summary-passed').textContent = n.passed;
  document.getElementById('summary-failed').textContent = n.failed;
  document.getElementById('summary-skipped').textContent = n.skipped;
  // Failed requests open by default.
  document.querySelectorAll('details.request.failed, details.request.error, details.request.interrupted').forEach(function (d) { d.open = true; });

  // The filter: "failed only" and a text over request names hide rows of the list and bars of
  // the timeline alike. `?failed` and `?q=TEXT` in the address start the page filtered.
  var only = document.getElementById('failed-only');
  var text = document.getElementById('filter');
  var params = new URLSearchParams(location.search);
  only.checked = params.has('failed') && params.get('failed') !== '0';
  text.value = params.get('q') || '';
  var lanes = {};
  document.querySelectorAll('.lane').forEach(function (l) { lanes[l.dataset.req] = l; });
  var sections = document.querySelectorAll('section.collection');
  function apply() {
    var q = text.value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (r) {
      var o = r.dataset.outcome;
      var keep = !(only.checked && (o === 'passed' || o === 'skipped')) &&
        (q === '' || r.dataset.name.toLowerCase().indexOf(q) >= 0);
      r.hidden = !keep;
      if (lanes[r.id]) lanes[r.id].hidden = !keep;
      if (keep) shown++;
    });
    sections.forEach(function (s) {
      s.hidden = s.querySelector('details.request:not([hidden])') === null;
    });
    document.getElementById('shown').textContent = shown === rows.length
      ? rows.length + ' requests' : shown + ' of ' + rows.length + ' requests shown';
    document.getElementById('none').hidden = shown > 0;
  }
  only.addEventListener('change', apply);
  text.addEventListener('input', apply);
  document.addEventListener('keydown', function (e) {
    if (e.key === '/' && document.activeElement !== text) { e.preventDefault(); text.focus(); }
  });
  // A bar links to its row: open it when followed.
  function openTarget() {
    var d = location.hash && document.getElementById(location.hash.slice(1));
    if (d && d.tagName === 'DETAILS') d.open = true;
  }
  window.addEventListener('hashchange', openTarget);
  openTarget();
  apply();
})();
