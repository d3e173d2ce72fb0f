// settled-chart draws the commission settled per day and level (a stacked bar per day) on every
// element with data-chart="settled", from the JSON at its data-src. It runs under the console's
// strict CSP: no inline script or style; the tooltip is drawn on the canvas (richText), not as
// HTML with style attributes.
(function () {
  'use strict';

  function draw(el) {
    fetch(el.dataset.src, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (res) {
        if (!res.ok) {
          throw new Error('settled commission: HTTP ' + res.status);
        }
        return res.json();
      })
      .then(function (d) {
        var chart = echarts.init(el, null, { renderer: 'canvas' });
        chart.setOption({
          animation: false,
          tooltip: { trigger: 'axis', renderMode: 'richText' },
          legend: { data: d.names },
          grid: { left: 64, right: 24, bottom: 48 },
          xAxis: { type: 'category', data: d.days },
          yAxis: { type: 'value', name: el.dataset.unit },
          series: d.levels.map(function (_, i) {
            return {
              name: d.names[i], type: 'bar', stack: 'settled',
              data: d.fen[i].map(function (fen) { return fen / 100; })
            };
          })
        });
        window.addEventListener('resize', function () { chart.resize(); });
        el.dataset.ready = 'true';
      })
      .catch(function (err) {
        el.dataset.error = String(err);
        console.error(err);
      });
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-chart="settled"]').forEach(draw);
  });
})();
