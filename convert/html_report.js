/* html_report.js - the script of traceit's HTML report: draws each section from #tt-data */
/*
 * Everything here is the report's own: SVG charts, sortable tables with a filter box, a flame
 * graph that zooms and searches.  Nothing is loaded from anywhere.  Strings from the traced
 * program are only ever set as text (textContent, attribute values), never parsed as markup.
 * When every section is drawn, <body> gets data-ok="1"; an error puts its message in
 * data-error (the tests look at both).
 */
(function () {
	'use strict';

	var body = document.body;

	window.addEventListener('error', function (e) {
		body.setAttribute('data-error', String(e.message || e));
	});

	/* The SVG namespace, from the parser rather than spelt out. */
	var NS = (function () {
		var d = document.createElement('div');
		d.innerHTML = '<svg></svg>';
		return d.firstChild.namespaceURI;
	})();

	function el(tag, attrs, text) {
		var e = document.createElement(tag);
		for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
		if (text !== undefined && text !== null) e.textContent = String(text);
		return e;
	}

	function sv(tag, attrs, text) {
		var e = document.createElementNS(NS, tag);
		for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
		if (text !== undefined && text !== null) e.textContent = String(text);
		return e;
	}

	function add(parent) {
		for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
		return parent;
	}

	/* 3 significant digits in the largest fitting unit, like the text summary */
	function hum(v, units, step) {
		if (v === null || v === undefined) return '';
		if (v < step) return Math.round(v) + ' ' + units[0];
		var u = 0;
		while (v >= step && u < units.length - 1) {
			v /= step;
			u++;
		}
		return (v < 9.995 ? v.toFixed(2) : v < 99.95 ? v.toFixed(1) : v.toFixed(0)) + ' ' + units[u];
	}
	var TIME = ['ns', '\u00b5s', 'ms', 's'];
	var BYTES = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
	var FMT = {
		ns: function (v) { return hum(v, TIME, 1000); },
		bytes: function (v) { return hum(v, BYTES, 1024); },
		n: function (v) { return v === null || v === undefined ? '' : Number(v).toLocaleString('en-US'); },
		id: function (v) { return v === null || v === undefined ? '' : String(v); },
		pct: function (v) { return v === null || v === undefined ? '' : (100 * v).toFixed(1) + ' %'; },
		text: function (v) { return v === null || v === undefined ? '' : String(v); }
	};
	/* a short number for axes: 1.2k, 3.4M */
	function shortN(v) {
		var s = ['', 'k', 'M', 'G', 'T'], u = 0;
		while (Math.abs(v) >= 1000 && u < s.length - 1) {
			v /= 1000;
			u++;
		}
		return (u ? v.toPrecision(3).replace(/\.?0+$/, '') : String(Math.round(v))) + s[u];
	}

	var COLORS = ['#3b7be0', '#e8930c', '#13a37a', '#8e59d9', '#d4372c', '#2fa8c7', '#c2488f', '#7d8a2d', '#6b7280'];
	var CAT_COLORS = { memory: '#3b7be0', thread: '#8e59d9', lock: '#e8930c', process: '#c2488f', io: '#13a37a', net: '#2fa8c7', user: '#7d8a2d', wait: '#d4372c' };

	function note(parent, text, cls) {
		return add(parent, el('p', { class: cls || 'note' }, text));
	}

	function legend(parent, items) {
		var d = el('div', { class: 'legend' });
		items.forEach(function (it) {
			var s = el('span');
			var i = el('i');
			i.style.background = it.color;
			add(s, i, document.createTextNode(it.name));
			add(d, s);
		});
		return add(parent, d);
	}

	/* name: the chart's data-chart attribute, for the tests */
	function chartBox(parent, title, name) {
		var box = el('div', name ? { class: 'chart', 'data-chart': name } : { class: 'chart' });
		if (title) add(box, el('h3', {}, title));
		add(parent, box);
		return box;
	}

	function cut(s, n) {
		s = String(s);
		return s.length > n ? s.slice(0, n - 1) + '\u2026' : s;
	}

	/*
	 * A sortable table: cols [{k, label, f: ns|bytes|n|pct|text, v: row => value, cls}],
	 * a filter box over the text columns, the first `top` rows and a button for the others.
	 */
	function table(parent, spec) {
		var box = el('div', { class: 'tbl' });
		var st = { key: spec.sort, desc: spec.desc !== false, q: '', all: false };
		var cols = spec.cols;
		var value = function (c, r) { return c.v ? c.v(r) : r[c.k]; };
		var input = null;
		if (spec.filter) {
			input = el('input', { type: 'search', placeholder: spec.filter, 'aria-label': spec.filter });
			input.addEventListener('input', function () {
				st.q = input.value.toLowerCase();
				draw();
			});
			add(box, input);
		}
		var tbox = el('div', { class: 'tablebox' });
		var t = el('table');
		var head = el('tr');
		var ths = cols.map(function (c) {
			var th = el('th', { class: c.f === 'text' ? 'text' : '', title: c.title || '' }, c.label);
			th.addEventListener('click', function () {
				if (st.key === c.k) st.desc = !st.desc;
				else {
					st.key = c.k;
					st.desc = c.f !== 'text';
				}
				draw();
			});
			add(head, th);
			return th;
		});
		var thead = add(el('thead'), head);
		var tbody = el('tbody');
		add(t, thead, tbody);
		add(tbox, t);
		add(box, tbox);
		var more = el('div', { class: 'more' });
		add(box, more);
		add(parent, box);

		function draw() {
			var rows = spec.rows;
			if (st.q) {
				rows = rows.filter(function (r) {
					return cols.some(function (c) {
						return c.f === 'text' && String(value(c, r) || '').toLowerCase().indexOf(st.q) >= 0;
					});
				});
			}
			var col = cols.filter(function (c) { return c.k === st.key; })[0] || cols[0];
			var sign = st.desc ? -1 : 1;
			rows = rows.slice().sort(function (a, b) {
				var x = value(col, a), y = value(col, b);
				if (x === y) return 0;
				if (x === null || x === undefined) return 1;
				if (y === null || y === undefined) return -1;
				if (col.f === 'text') return sign * String(x).localeCompare(String(y));
				return sign * (x < y ? -1 : 1);
			});
			var shown = st.all ? rows : rows.slice(0, spec.top || 25);
			tbody.textContent = '';
			shown.forEach(function (r) {
				var tr = el('tr');
				cols.forEach(function (c) {
					var v = value(c, r);
					var td = el('td', { class: (c.f === 'text' ? 'text ' : '') + (c.cls || '') },
						c.show ? c.show(r) : FMT[c.f || 'n'](v));
					if (c.f === 'text' && v !== null && v !== undefined) td.title = String(v);
					add(tr, td);
				});
				add(tbody, tr);
			});
			ths.forEach(function (th, i) {
				th.className = (cols[i].f === 'text' ? 'text ' : '') + (cols[i].k === st.key ? 'sorted' + (st.desc ? '' : ' asc') : '');
			});
			more.textContent = '';
			var text = rows.length + ' row' + (rows.length === 1 ? '' : 's') + (st.q ? ' match' : '');
			if (spec.more) text += ' (and ' + spec.more + ' more, left out of the report)';
			add(more, document.createTextNode(text));
			if (rows.length > shown.length || st.all) {
				var b = el('button', { type: 'button' }, st.all ? 'show the first ' + (spec.top || 25) : 'show all ' + rows.length);
				b.addEventListener('click', function () {
					st.all = !st.all;
					draw();
				});
				add(more, b);
			}
		}
		draw();
		return box;
	}

	/* The time axis of the run: bin i starts at t0 + i * bin. */
	var TAX = null;

	function timeTicks(g, x0, x1, y, t0, t1) {
		for (var i = 0; i <= 5; i++) {
			var x = x0 + (x1 - x0) * i / 5;
			add(g, sv('path', { class: 'axis', d: 'M' + x + ' ' + y + 'v4' }));
			add(g, sv('text', { x: x, y: y + 15, 'text-anchor': i === 0 ? 'start' : i === 5 ? 'end' : 'middle', class: 'muted' },
				FMT.ns(t0 + (t1 - t0) * i / 5)));
		}
	}

	/*
	 * Values per time bin as areas, stacked or overlaid: series [{name, color, v}], fmt for the
	 * values, marks [{bin, label}].  A hover line shows the values of the bin under the mouse.
	 */
	function timeChart(parent, o) {
		var W = 960, H = (o.height || 150) + (o.marks && o.marks.length ? 14 : 0), L = 64, R = 12, B = 24;
		var T = o.marks && o.marks.length ? 26 : 12;
		var n = TAX.bins, f = FMT[o.fmt || 'n'];
		var ser = o.series.filter(function (s) { return s.v && s.v.some(function (x) { return x > 0; }); });
		var box = chartBox(parent, o.title, o.name);
		if (!ser.length) {
			note(box, o.empty || '(nothing recorded)');
			return;
		}
		var top = 0, i, k;
		for (i = 0; i < n; i++) {
			var sum = 0;
			for (k = 0; k < ser.length; k++) {
				sum = o.stack ? sum + ser[k].v[i] : Math.max(sum, ser[k].v[i]);
			}
			top = Math.max(top, sum);
		}
		var svg = sv('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img' });
		var xs = function (b) { return L + (W - L - R) * b / n; };
		var ys = function (v) { return T + (H - T - B) * (1 - v / top); };
		[0, 0.5, 1].forEach(function (q) {
			add(svg, sv('path', { class: 'grid', d: 'M' + L + ' ' + ys(top * q) + 'H' + (W - R) }));
			add(svg, sv('text', { x: L - 6, y: ys(top * q) + 4, 'text-anchor': 'end', class: 'muted' }, f(top * q)));
		});
		var base = new Array(n).fill(0);
		ser.forEach(function (s) {
			var up = [], down = [];
			for (var b = 0; b < n; b++) {
				var lo = o.stack ? base[b] : 0, hi = lo + s.v[b];
				up.push('L' + xs(b).toFixed(1) + ' ' + ys(hi).toFixed(1) + 'H' + xs(b + 1).toFixed(1));
				down.push('L' + xs(b + 1).toFixed(1) + ' ' + ys(lo).toFixed(1) + 'H' + xs(b).toFixed(1));
				if (o.stack) base[b] = hi;
			}
			var d = 'M' + xs(0) + ' ' + ys(o.stack ? 0 : 0) + up.join('') + down.reverse().join('') + 'Z';
			var p = sv('path', { d: d, fill: s.color, 'fill-opacity': o.stack ? 0.85 : 0.55, stroke: s.color, 'stroke-width': 0.8 });
			add(p, sv('title', {}, s.name));
			add(svg, p);
		});
		add(svg, sv('path', { class: 'axis', d: 'M' + L + ' ' + T + 'V' + (H - B) + 'H' + (W - R) }));
		timeTicks(svg, L, W - R, H - B, TAX.t0, TAX.t0 + n * TAX.bin);
		(o.marks || []).forEach(function (m) {
			var x = xs(m.bin + 0.5);
			add(svg, sv('path', { class: 'peak', d: 'M' + x + ' ' + T + 'V' + (H - B) }));
			add(svg, sv('path', { class: 'peak', d: 'M' + x + ' ' + (T - 12) + 'V' + T }));
			add(svg, sv('text', { x: x + (m.bin > n * 0.7 ? -4 : 4), y: T - 4, 'text-anchor': m.bin > n * 0.7 ? 'end' : 'start' }, m.label));
		});
		var hover = sv('path', { class: 'hover', d: '', visibility: 'hidden' });
		var info = sv('text', { x: W - R, y: T - 2, 'text-anchor': 'end', visibility: 'hidden' });
		add(svg, hover, info);
		var pad = sv('rect', { x: L, y: T, width: W - L - R, height: H - T - B, fill: 'transparent' });
		pad.addEventListener('mousemove', function (e) {
			var r = svg.getBoundingClientRect();
			var x = (e.clientX - r.left) * W / r.width;
			var b = Math.max(0, Math.min(n - 1, Math.floor((x - L) * n / (W - L - R))));
			hover.setAttribute('d', 'M' + xs(b + 0.5) + ' ' + T + 'V' + (H - B));
			info.textContent = FMT.ns(TAX.t0 + b * TAX.bin) + ': ' + ser.map(function (s) { return s.name + ' ' + f(s.v[b]); }).join(', ');
			hover.setAttribute('visibility', 'visible');
			info.setAttribute('visibility', 'visible');
		});
		pad.addEventListener('mouseleave', function () {
			hover.setAttribute('visibility', 'hidden');
			info.setAttribute('visibility', 'hidden');
		});
		add(svg, pad);
		add(box, svg);
		if (ser.length > 1 || o.legend) legend(box, ser);
	}

	/* Horizontal bars, one row each: parts [{k or v, name, color}] side by side, the total after. */
	function barChart(parent, o) {
		var rows = o.rows.slice(0, o.top || 20);
		var box = chartBox(parent, o.title, o.name);
		if (!rows.length) {
			note(box, o.empty || '(nothing recorded)');
			return;
		}
		var W = 960, RH = 18, L = 300, R = 90, T = 4, f = FMT[o.fmt || 'n'];
		var part = function (p, r) { return p.v ? p.v(r) : r[p.k]; };
		var total = function (r) { return o.parts.reduce(function (s, p) { return s + part(p, r); }, 0); };
		var top = Math.max.apply(null, rows.map(total)) || 1;
		var H = T + rows.length * RH + 4;
		var svg = sv('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img' });
		rows.forEach(function (r, i) {
			var y = T + i * RH, x = L;
			var label = o.label(r);
			var t = sv('text', { x: L - 6, y: y + 13, 'text-anchor': 'end' }, cut(label, 46));
			add(t, sv('title', {}, label));
			add(svg, t);
			o.parts.forEach(function (p) {
				var w = (W - L - R) * part(p, r) / top;
				if (w <= 0) return;
				var rect = sv('rect', { x: x, y: y + 2, width: Math.max(w, 0.5), height: RH - 4, fill: p.color });
				add(rect, sv('title', {}, label + ': ' + p.name + ' ' + f(part(p, r))));
				add(svg, rect);
				x += w;
			});
			add(svg, sv('text', { x: x + 5, y: y + 13, class: 'muted' }, f(total(r))));
		});
		add(box, svg);
		if (o.parts.length > 1) legend(box, o.parts);
	}

	/* Vertical bars per power-of-two bucket: series [{name, color, v[65]}]. */
	function log2Chart(parent, o) {
		var box = chartBox(parent, o.title, o.name);
		var lo = 65, hi = -1, k, s;
		o.series.forEach(function (s) {
			s.v.forEach(function (x, b) {
				if (x > 0) {
					lo = Math.min(lo, b);
					hi = Math.max(hi, b);
				}
			});
		});
		if (hi < 0) {
			note(box, o.empty || '(nothing recorded)');
			return;
		}
		var label = function (b) { return b === 0 ? '0' : FMT.bytes(Math.pow(2, b - 1)).replace(' ', '').replace('.00', ''); };
		var nb = hi - lo + 1, W = Math.min(960, 90 + nb * 38 * o.series.length), H = 170, L = 56, R = 8, T = 10, B = 34;
		var top = 0;
		for (k = lo; k <= hi; k++) for (s = 0; s < o.series.length; s++) top = Math.max(top, o.series[s].v[k]);
		var svg = sv('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img' });
		var bw = (W - L - R) / nb;
		[0, 0.5, 1].forEach(function (q) {
			var y = T + (H - T - B) * (1 - q);
			add(svg, sv('path', { class: 'grid', d: 'M' + L + ' ' + y + 'H' + (W - R) }));
			add(svg, sv('text', { x: L - 6, y: y + 4, 'text-anchor': 'end', class: 'muted' }, o.yfmt ? FMT[o.yfmt](top * q) : shortN(top * q)));
		});
		for (k = lo; k <= hi; k++) {
			var x = L + (k - lo) * bw;
			o.series.forEach(function (s, i) {
				var v = s.v[k], h = (H - T - B) * v / top, w = (bw - 4) / o.series.length;
				if (v <= 0) return;
				var r = sv('rect', { x: x + 2 + i * w, y: T + (H - T - B) - h, width: w, height: Math.max(h, 0.5), fill: s.color });
				add(r, sv('title', {}, s.name + ', ' + label(k) + (k ? ' to ' + label(k + 1) : '') + ': ' + (o.tip ? o.tip(s, k) : FMT.n(v))));
				add(svg, r);
			});
			add(svg, sv('text', { x: x + bw / 2, y: H - B + 14, 'text-anchor': 'middle', class: 'muted' }, label(k)));
		}
		add(svg, sv('path', { class: 'axis', d: 'M' + L + ' ' + T + 'V' + (H - B) + 'H' + (W - R) }));
		add(svg, sv('text', { x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle', class: 'muted' }, o.xlabel || 'bytes (at least)'));
		add(box, svg);
		if (o.series.length > 1) legend(box, o.series);
	}

	function cards(parent, items) {
		var d = el('div', { class: 'cards' });
		items.forEach(function (it) {
			if (it[1] === null || it[1] === undefined) return;
			var c = el('div', { class: 'card' });
			add(c, el('b', {}, it[1]), el('span', {}, it[0]));
			if (it[2]) c.title = it[2];
			add(d, c);
		});
		return add(parent, d);
	}

	var sections = {};

	sections.overview = function (sec, D) {
		var r = D.run, procs = D.procs || [];
		var when = r.start_realtime_ns ? new Date(r.start_realtime_ns / 1e6).toLocaleString() : null;
		cards(sec, [
			['processes', FMT.n(r.processes), r.images !== r.processes ? r.images + ' program images (exec starts a new one)' : ''],
			['threads', FMT.n(r.threads)],
			['events', FMT.n(r.events), r.filtered ? FMT.n(r.kept) + ' kept by the filters' : ''],
			['lost events', FMT.n(r.lost), 'dropped by the recorder (TRACEIT_MODE=drop, ring)'],
			['trace time span', FMT.ns(r.span_ns)],
			['time in traced calls', FMT.ns(r.calls_ns), 'summed over threads'],
			['started', when],
			['host', r.hostname]
		]);
		if (r.filtered) note(sec, 'Filters were given: the tables and charts count the ' + FMT.n(r.kept) + ' events they kept.');
		if (r.problems.length) {
			note(sec, 'Inputs with problems (what could be read is in the report): ' + r.problems.map(function (p) {
				return p.file + ' (' + p.state + ')';
			}).join(', '), 'note error');
		}
		var cats = Object.keys(D.series.events);
		timeChart(sec, {
			title: 'Events over time, by category',
			stack: true,
			series: cats.map(function (c, i) { return { name: c, color: CAT_COLORS[c] || COLORS[i % COLORS.length], v: D.series.events[c] }; }),
			empty: '(no events)',
			legend: true
		});
		gantt(sec, procs, r.span_ns);
		procs.forEach(function (p, i) { p.order = i; });
		table(sec, {
			cols: [
				{ k: 'order', label: 'pid', f: 'text', show: function (p) { return '\u2003'.repeat(Math.min(p.depth, 12)) + (p.image ? '\u21b3 ' : '') + p.pid; }, title: 'the process tree: children under their parent, in start order; \u21b3 a new program image (exec) of the same process' },
				{ k: 'ppid', label: 'ppid', f: 'id' },
				{ k: 'start_ns', label: 'start', f: 'ns' },
				{ k: 'dur_ns', label: 'duration', f: 'ns' },
				{ k: 'exit', label: 'exit', f: 'text' },
				{ k: 'threads', label: 'threads' },
				{ k: 'events', label: 'events' },
				{ k: 'lost', label: 'lost' },
				{ k: 'stream', label: 'stream', f: 'text' },
				{ k: 'argv', label: 'command', f: 'text' }
			],
			rows: procs,
			sort: 'order',
			desc: false,
			top: 50,
			more: D.procs_more,
			filter: 'filter by command, exit or stream'
		});
	};

	/* The processes on the run's time line, in tree order, coloured by how they ended. */
	function gantt(parent, procs, span) {
		var rows = procs.slice(0, 60);
		var box = chartBox(parent, 'Processes over time' + (procs.length > rows.length ? ' (the first ' + rows.length + ' of ' + procs.length + ')' : ''), 'procs');
		if (!rows.length) {
			note(box, '(no process)');
			return;
		}
		var W = 960, RH = 16, L = 260, R = 12, T = 4, B = 24, H = T + rows.length * RH + B;
		var end = Math.max(span, 1);
		var svg = sv('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img' });
		var xs = function (t) { return L + (W - L - R) * t / end; };
		var color = function (p) {
			if (!p.ended) return '#98a1b0';
			if (p.exit === 'exec') return '#8e59d9';
			if (p.exit === 'exit 0' || p.exit === '_exit 0') return '#13a37a';
			if (p.exit.indexOf('exit') === 0) return '#e8930c';
			return '#d4372c';
		};
		rows.forEach(function (p, i) {
			var y = T + i * RH;
			var label = '\u2002'.repeat(Math.min(p.depth, 10)) + p.pid + ' ' + p.program;
			add(svg, sv('text', { x: L - 6, y: y + 12, 'text-anchor': 'end' }, cut(label, 40)));
			var rect = sv('rect', { x: xs(p.start_ns), y: y + 3, width: Math.max(xs(p.start_ns + p.dur_ns) - xs(p.start_ns), 1), height: RH - 6, fill: color(p) });
			add(rect, sv('title', {}, p.pid + ' ' + p.argv + ': ' + FMT.ns(p.dur_ns) + ', ' + p.exit));
			add(svg, rect);
		});
		add(svg, sv('path', { class: 'axis', d: 'M' + L + ' ' + T + 'V' + (H - B) + 'H' + (W - R) }));
		timeTicks(svg, L, W - R, H - B, 0, end);
		add(box, svg);
		legend(box, [
			{ name: 'exit 0', color: '#13a37a' }, { name: 'other exit status', color: '#e8930c' },
			{ name: 'killed by a signal', color: '#d4372c' }, { name: 'replaced by exec', color: '#8e59d9' },
			{ name: 'no end record', color: '#98a1b0' }
		]);
	}

	sections.runtime = function (sec, D) {
		var rows = D.runtime;
		note(sec, 'Time in each traced call, summed over threads. Self: the calls\u2019 time less that of the traced calls made inside them (the malloc inside fopen); the same as the total for calls that make none.');
		var byTotal = rows.slice().sort(function (a, b) { return b.total_ns - a.total_ns; });
		barChart(sec, {
			title: 'Top calls by total time',
			rows: byTotal,
			top: 20,
			label: function (r) { return r.name + (r.kind !== 'call' ? ' (' + r.kind + ')' : ''); },
			parts: [
				{ k: 'self_ns', name: 'self', color: '#3b7be0' },
				{ v: function (r) { return r.total_ns - r.self_ns; }, name: 'in nested calls', color: '#a9c4f0' }
			],
			fmt: 'ns',
			empty: '(no calls recorded)'
		});
		/* the share of self time: functions and calls together add up to all of it */
		var all = D.runtime.reduce(function (s, r) { return s + r.self_ns; }, 0) || 1;
		table(sec, {
			cols: [
				{ k: 'name', label: 'name', f: 'text' },
				{ k: 'kind', label: 'kind', f: 'text' },
				{ k: 'calls', label: 'calls' },
				{ k: 'errors', label: 'errors' },
				{ k: 'total_ns', label: 'total', f: 'ns' },
				{ k: 'share', label: '% self', f: 'pct', v: function (r) { return r.self_ns / all; } },
				{ k: 'self_ns', label: 'self', f: 'ns' },
				{ k: 'mean_ns', label: 'mean', f: 'ns' },
				{ k: 'min_ns', label: 'min', f: 'ns' },
				{ k: 'max_ns', label: 'max', f: 'ns' }
			],
			rows: rows,
			sort: 'total_ns',
			top: 25,
			filter: 'filter by name'
		});
	};

	sections.memory = function (sec, D) {
		var m = D.memory, s = D.series;
		var leaked = m.procs.reduce(function (a, p) { return a + p.leaked; }, 0);
		var allocs = m.procs.reduce(function (a, p) { return a + p.allocs; }, 0);
		if (!m.procs.length) {
			note(sec, '(no heap calls recorded)');
			return;
		}
		var peakBin = Math.min(TAX.bins - 1, Math.max(0, Math.floor((s.heap_peak_at_ns - TAX.t0) / TAX.bin)));
		cards(sec, [
			['peak heap in use', FMT.bytes(s.heap_peak), 'all processes together, at ' + FMT.ns(s.heap_peak_at_ns)],
			['allocations', FMT.n(allocs)],
			['leaked', FMT.bytes(leaked), 'still allocated when its process ended or the trace was cut off']
		]);
		timeChart(sec, {
			title: 'Heap in use (the highest in each time bin, all processes; a process\u2019s blocks count until it ends)',
			series: [{ name: 'heap in use', color: '#3b7be0', v: s.heap }],
			fmt: 'bytes',
			marks: s.heap_peak ? [{ bin: peakBin, label: 'peak ' + FMT.bytes(s.heap_peak) + ' at ' + FMT.ns(s.heap_peak_at_ns) }] : []
		});
		timeChart(sec, {
			title: 'Live allocations',
			series: [{ name: 'live blocks', color: '#8e59d9', v: s.blocks }],
			fmt: 'n',
			height: 120
		});
		var row = add(sec, el('div', { class: 'row' }));
		log2Chart(row, {
			title: 'Leaks by size (blocks still allocated at the end)',
			series: [{ name: 'bytes leaked', color: '#d4372c', v: m.leak_bytes }],
			yfmt: 'bytes',
			tip: function (ser, k) { return FMT.bytes(m.leak_bytes[k]) + ' in ' + FMT.n(m.leak_blocks[k]) + ' blocks'; },
			xlabel: 'block size (at least)',
			empty: '(no leaks)'
		});
		if (m.leak_sites.length) {
			add(sec, el('h3', {}, 'Leak sites (with call stacks: bytes still allocated there at the end)'));
			table(sec, {
				cols: [
					{ k: 'bytes', label: 'leaked', f: 'bytes' },
					{ k: 'frames', label: 'allocated at (innermost first)', f: 'text', cls: 'wrap', v: function (r) { return r.frames.join(' \u2190 '); } }
				],
				rows: m.leak_sites,
				sort: 'bytes',
				top: 20,
				more: m.leak_sites_more
			});
		}
		add(sec, el('h3', {}, 'Per process'));
		table(sec, {
			cols: [
				{ k: 'pid', label: 'pid', f: 'id' },
				{ k: 'program', label: 'program', f: 'text' },
				{ k: 'allocs', label: 'allocs' },
				{ k: 'frees', label: 'frees' },
				{ k: 'unknown_frees', label: 'unknown', title: 'frees of blocks allocated before tracing began (e.g. in the parent of a fork)' },
				{ k: 'short_lived', label: 'short', title: 'blocks freed less than 1 ms after they were allocated' },
				{ k: 'allocated', label: 'allocated', f: 'bytes' },
				{ k: 'peak', label: 'peak', f: 'bytes' },
				{ k: 'peak_at_ns', label: 'peak at', f: 'ns' },
				{ k: 'leaked', label: 'leaked', f: 'bytes' },
				{ k: 'leaked_blocks', label: 'blocks' },
				{ k: 'largest', label: 'largest', f: 'bytes' }
			],
			rows: m.procs,
			sort: 'peak',
			top: 25,
			more: m.procs_more,
			filter: 'filter by program'
		});
	};

	sections.io = function (sec, D) {
		var io = D.io, s = D.series;
		if (!io.files.length) {
			note(sec, '(no I/O recorded)');
			return;
		}
		timeChart(sec, {
			title: 'Bytes read and written over time',
			stack: true,
			series: [
				{ name: 'read', color: '#13a37a', v: s.io_read },
				{ name: 'written', color: '#3b7be0', v: s.io_write }
			],
			fmt: 'bytes',
			empty: '(no bytes read or written)'
		});
		var byBytes = io.files.slice().sort(function (a, b) { return (b.read + b.written) - (a.read + a.written); })
			.filter(function (f) { return f.read + f.written > 0; });
		barChart(sec, {
			title: 'Files and endpoints by bytes',
			rows: byBytes,
			top: 15,
			label: function (f) { return f.file; },
			parts: [{ k: 'read', name: 'read', color: '#13a37a' }, { k: 'written', name: 'written', color: '#3b7be0' }],
			fmt: 'bytes',
			empty: '(no bytes read or written)'
		});
		barChart(sec, {
			title: 'Files and endpoints by time in calls',
			rows: io.files,
			top: 15,
			label: function (f) { return f.file; },
			parts: [{ k: 'time_ns', name: 'time', color: '#e8930c' }],
			fmt: 'ns'
		});
		log2Chart(sec, {
			title: 'Sizes of reads and writes (bytes each call moved)',
			series: [
				{ name: 'reads', color: '#13a37a', v: io.read_sizes },
				{ name: 'writes', color: '#3b7be0', v: io.write_sizes }
			],
			tip: function (ser, k) { return FMT.n(ser.v[k]) + ' calls'; },
			empty: '(no reads or writes)'
		});
		table(sec, {
			cols: [
				{ k: 'file', label: 'file or endpoint', f: 'text' },
				{ k: 'time_ns', label: 'time', f: 'ns' },
				{ k: 'opens', label: 'opens' },
				{ k: 'reads', label: 'reads' },
				{ k: 'writes', label: 'writes' },
				{ k: 'read', label: 'read', f: 'bytes' },
				{ k: 'written', label: 'written', f: 'bytes' },
				{ k: 'errors', label: 'errors' }
			],
			rows: io.files,
			sort: 'time_ns',
			top: 25,
			more: io.files_more,
			filter: 'filter by path'
		});
	};

	sections.locks = function (sec, D) {
		var L = D.locks, s = D.series;
		if (!L.rows.length) {
			note(sec, '(no lock calls recorded)');
			return;
		}
		var name = function (r) { return r.lock + (r.name ? ' ' + r.name : '') + ' (pid ' + r.pid + ')'; };
		timeChart(sec, {
			title: 'Time waiting to acquire locks, over time (summed over threads)',
			series: [{ name: 'waiting', color: '#e8930c', v: s.lock_wait_ns }],
			fmt: 'ns',
			empty: '(no acquisition waited)'
		});
		timeChart(sec, {
			title: 'Contended acquisitions over time',
			series: [{ name: 'contended', color: '#d4372c', v: s.lock_waits }],
			fmt: 'n',
			height: 110,
			empty: '(no acquisition waited)'
		});
		barChart(sec, {
			title: 'Locks by time waiting',
			rows: L.rows.filter(function (r) { return r.wait_ns > 0; }),
			top: 15,
			label: name,
			parts: [{ k: 'wait_ns', name: 'wait', color: '#e8930c' }],
			fmt: 'ns',
			empty: '(no acquisition waited)'
		});
		table(sec, {
			cols: [
				{ k: 'lock', label: 'lock', f: 'text', v: function (r) { return r.lock + (r.name ? ' ' + r.name : ''); } },
				{ k: 'pid', label: 'pid', f: 'id' },
				{ k: 'acquired', label: 'acquired' },
				{ k: 'contended', label: 'contended', title: 'acquisitions that had to wait' },
				{ k: 'share', label: 'contended %', f: 'pct', v: function (r) { return r.acquired ? r.contended / r.acquired : 0; } },
				{ k: 'wait_ns', label: 'total wait', f: 'ns' },
				{ k: 'wait_max_ns', label: 'max wait', f: 'ns' },
				{ k: 'hold_ns', label: 'total hold', f: 'ns', title: 'from an acquisition to the same thread\u2019s release' },
				{ k: 'hold_max_ns', label: 'max hold', f: 'ns' },
				{ k: 'threads', label: 'threads' }
			],
			rows: L.rows,
			sort: 'wait_ns',
			top: 25,
			more: L.more,
			filter: 'filter by lock'
		});
	};

	var STATES = [
		{ name: 'busy in calls', color: '#3b7be0' },
		{ name: 'waiting (locks, joins, sleeps, polls)', color: '#e8930c' },
		{ name: 'in I/O', color: '#13a37a' }
	];

	sections.threads = function (sec, D) {
		var T = D.threads;
		note(sec, 'Each thread\u2019s time in traced calls, per time bin: the colour is what took most of the bin, the shade how much of the bin the calls took; the grey line is the thread\u2019s lifetime.');
		strips(sec, T);
		table(sec, {
			cols: [
				{ k: 'pid', label: 'pid', f: 'id' },
				{ k: 'tid', label: 'tid', f: 'id' },
				{ k: 'name', label: 'name', f: 'text' },
				{ k: 'life', label: 'lifetime', f: 'ns', v: function (t) { return t.end_ns - t.start_ns; } },
				{ k: 'busy_ns', label: 'in calls', f: 'ns' },
				{ k: 'events', label: 'events' },
				{ k: 'created', label: 'created', f: 'text', v: function (t) { return t.created ? 'yes' : 'no'; } }
			],
			rows: T.rows,
			sort: 'busy_ns',
			top: 25,
			more: T.more,
			filter: 'filter by name'
		});
	};

	function strips(parent, T) {
		var rows = T.rows.filter(function (t) { return t.strip; }).sort(function (a, b) { return a.order - b.order; });
		var box = chartBox(parent, 'Threads over time' + (T.rows.length > rows.length ? ' (the ' + rows.length + ' busiest)' : ''), 'strips');
		if (!rows.length) {
			note(box, '(no thread made a traced call)');
			return;
		}
		var W = 960, RH = 14, L = 220, R = 12, T0 = 4, B = 24, H = T0 + rows.length * RH + B, n = T.tbins;
		var span = n * T.tbin_ns;
		var svg = sv('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img' });
		var xs = function (t) { return L + (W - L - R) * Math.max(0, Math.min(1, (t - TAX.t0) / span)); };
		var bw = (W - L - R) / n;
		rows.forEach(function (t, i) {
			var y = T0 + i * RH;
			var lt = sv('text', { x: L - 6, y: y + 11, 'text-anchor': 'end' }, cut(t.tid + ' ' + t.name, 34));
			add(lt, sv('title', {}, 'pid ' + t.pid + ', tid ' + t.tid + ' ' + t.name + ': ' + FMT.ns(t.busy_ns) + ' in calls'));
			add(svg, lt);
			add(svg, sv('rect', { x: xs(t.start_ns), y: y + RH / 2 - 1, width: Math.max(xs(t.end_ns) - xs(t.start_ns), 1), height: 2, fill: '#c9ced8' }));
			for (var b = 0; b < n;) {
				var c = t.strip.charCodeAt(b) - 48, e = b + 1;
				while (e < n && t.strip.charCodeAt(e) - 48 === c) e++;
				if (c > 0) {
					var st = Math.floor((c - 1) / 9), lv = (c - 1) % 9 + 1;
					var r = sv('rect', { x: L + b * bw, y: y + 1, width: (e - b) * bw, height: RH - 2, fill: STATES[st].color, 'fill-opacity': (0.25 + 0.75 * lv / 9).toFixed(2) });
					add(r, sv('title', {}, t.name + ', ' + FMT.ns(TAX.t0 + b * T.tbin_ns) + ' to ' + FMT.ns(TAX.t0 + e * T.tbin_ns) + ': mostly ' + STATES[st].name + ', calls took ' + Math.round(100 * lv / 9) + ' % of the time'));
					add(svg, r);
				}
				b = e;
			}
		});
		add(svg, sv('path', { class: 'axis', d: 'M' + L + ' ' + T0 + 'V' + (H - B) + 'H' + (W - R) }));
		timeTicks(svg, L, W - R, H - B, TAX.t0, TAX.t0 + span);
		add(box, svg);
		legend(box, STATES);
	}

	/* The flame graph: the root on top, a frame's callees below it, widths by the weight. */
	sections.flame = function (sec, D) {
		var F = D.flame;
		if (!F) {
			note(sec, 'No call stacks in this trace: record with traceit -s (or TRACEIT_STACKS) to get a flame graph of where the calls are made.');
			return;
		}
		var names = F.names;
		var node = function (a, parent) {
			var x = { name: names[a[0]], w: a.slice(1, 5), kids: [], parent: parent };
			if (Array.isArray(a[5])) x.kids = a[5].map(function (c) { return node(c, x); });
			return x;
		};
		var root = node(F.root, null);
		var labels = { calls: 'calls', bytes: 'bytes (allocated, or read and written)', time: 'time in the calls', leaked: 'bytes leaked' };
		var fmts = { calls: FMT.n, bytes: FMT.bytes, time: FMT.ns, leaked: FMT.bytes };
		var st = { k: 0, focus: root, q: '' };
		while (st.k < F.weights.length - 1 && !root.w[st.k]) st.k++;
		note(sec, 'The call stacks recorded with the events (' + FMT.n(F.stacks) + ' distinct), merged from the outermost frame down. Click a frame to zoom into it, the frames above it to zoom out; the search colours the frames whose name contains the text. Frames narrower than 1/2000 of the whole in every weight are left out.');
		var ctl = add(sec, el('div', { class: 'controls' }));
		var sel = el('select', { 'aria-label': 'weight' });
		F.weights.forEach(function (w, i) {
			if (root.w[i]) add(sel, el('option', { value: String(i) }, 'by ' + labels[w]));
		});
		sel.value = String(st.k);
		var search = el('input', { type: 'search', placeholder: 'search a function', 'aria-label': 'search a function' });
		var reset = el('button', { type: 'button' }, 'reset zoom');
		var info = el('span', { class: 'more' });
		add(ctl, sel, search, reset, info);
		var box = chartBox(sec, null, 'flame');
		var W = 1200, RH = 17;

		function hue(name) {
			var h = 0;
			for (var i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
			return 'hsl(' + (10 + h % 45) + ',' + (62 + h % 20) + '%,' + (58 + (h >> 8) % 12) + '%)';
		}

		function draw() {
			var k = st.k, fmt = fmts[F.weights[k]], f = st.focus;
			var chain = [];
			for (var a = f; a; a = a.parent) chain.unshift(a);
			var rects = [], depth = 0, matched = 0, q = st.q;
			chain.forEach(function (a, i) {
				rects.push({ n: a, x: 0, w: W, d: i, up: a !== f });
			});
			var total = f.w[k] || 1;
			(function lay(x0, a, d) {
				depth = Math.max(depth, d);
				var x = x0;
				a.kids.forEach(function (c) {
					var w = W * c.w[k] / total;
					if (w >= 0.4) {
						rects.push({ n: c, x: x, w: w, d: d });
						lay(x, c, d + 1);
					}
					x += w;
				});
			})(0, f, chain.length);
			var H = (Math.max(depth, chain.length) + 1) * RH + 4;
			var svg = sv('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, class: 'flame', role: 'img' });
			var hitAbove = function (n) {
				for (var p = n.parent; p; p = p.parent) if (q && p.name.toLowerCase().indexOf(q) >= 0) return true;
				return false;
			};
			rects.forEach(function (r) {
				var g = sv('g');
				var hit = q && r.n.name.toLowerCase().indexOf(q) >= 0;
				if (hit && !r.up && !hitAbove(r.n)) matched += r.n.w[k];
				var rect = sv('rect', { x: r.x.toFixed(2), y: r.d * RH, width: Math.max(r.w - 0.3, 0.3).toFixed(2), height: RH - 1, fill: hue(r.n.name), class: hit ? 'hit' : r.up ? 'dim' : '' });
				add(rect, sv('title', {}, r.n.name + ': ' + fmt(r.n.w[k]) + ' (' + (100 * r.n.w[k] / (root.w[k] || 1)).toFixed(2) + ' % of all)'));
				rect.addEventListener('click', function () {
					st.focus = r.n;
					draw();
				});
				add(g, rect);
				if (r.w > 28) add(g, sv('text', { x: r.x + 3, y: r.d * RH + 12 }, cut(r.n.name, Math.floor((r.w - 6) / 6.2))));
				add(svg, g);
			});
			box.textContent = '';
			add(box, svg);
			info.textContent = (f !== root ? 'zoomed into ' + cut(f.name, 60) + ': ' + fmt(f.w[k]) + ' of ' + fmt(root.w[k]) + '. ' : 'all: ' + fmt(root.w[k]) + '. ') +
				(q ? 'matched: ' + fmt(matched) + ' (' + (100 * matched / (root.w[k] || 1)).toFixed(1) + ' % of all)' : '');
		}
		sel.addEventListener('change', function () {
			st.k = Number(sel.value);
			draw();
		});
		search.addEventListener('input', function () {
			st.q = search.value.toLowerCase();
			draw();
		});
		reset.addEventListener('click', function () {
			st.focus = root;
			draw();
		});
		draw();
	};

	function main() {
		var D = JSON.parse(document.getElementById('tt-data').textContent);
		var failed = [];
		TAX = { t0: D.series.t0_ns, bin: D.series.bin_ns, bins: D.series.bins };
		var title = D.run.command || D.run.program || '';
		if (title) document.title = 'traceit report: ' + cut(title, 80);
		document.getElementById('tt-subtitle').textContent = [title, D.run.hostname, D.run.tool].filter(Boolean).join(' \u2014 ');
		Object.keys(sections).forEach(function (id) {
			var sec = document.getElementById(id);
			if (!sec) return;
			try {
				sections[id](sec, D);
			} catch (e) {
				failed.push(id + ': ' + e.message);
				note(sec, 'This section could not be drawn: ' + e.message, 'note error');
				if (window.console) console.error(e);
			}
		});
		if (failed.length) body.setAttribute('data-error', failed.join('; '));
		else body.setAttribute('data-ok', '1');
	}

	main();
})();
