// metrics-chart draws the daily visitors, buyers, paying buyers and orders (lines, left axis)
// and the paid amount (bars, right axis, yuan) on every element with data-chart="metrics", from
// the JSON at its data-src; the series' names are data-names, separated by "|". It runs under
// the console's strict CSP: no inline script or style, the tooltip drawn on the canvas.
(function () {
  'use strict';

  function draw(el) {
    var names = el.dataset.names.split('|');
    fetch(el.dataset.src, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (res) {
        if (!res.ok) {
          throw new Error('metrics: HTTP ' + res.status);
        }
        return res.json();
      })
      .then(function (d) {
        var chart = echarts.init(el, null, { renderer: 'canvas' });
        var line = function (i, data) { return { name: names[i], type: 'line', data: data || [] }; };
        chart.setOption({
          animation: false,
          tooltip: { trigger: 'axis', renderMode: 'richText' },
          legend: { data: names },
          grid: { left: 64, right: 64, bottom: 48 },
          xAxis: { type: 'category', data: d.days || [] },
          yAxis: [{ type: 'value' }, { type: 'value', name: el.dataset.unit }],
          series: [line(0, d.visitors), line(1, d.buyers), line(2, d.payers), line(3, d.orders), {
            name: names[4], type: 'bar', yAxisIndex: 1,
            data: (d.paid_fen || []).map(function (fen) { return fen / 100; })
          }]
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
    document.querySelectorAll('[data-chart="metrics"]').forEach(draw);
  });
})();
