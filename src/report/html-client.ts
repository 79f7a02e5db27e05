/**
 * The script and style of the HTML trace viewer (src/report/html.ts inlines them into the page).
 * The script renders everything from the embedded ITF document (`<script id="itf-data">`): it
 * knows the ITF conventions (`#bigint`, `#set`, `#map`, `#meta.notes`, a lasso's top-level `loop`)
 * and the variables the executable MMU writes (threads, tables, roots, vcpus, tdx, locks), and
 * shows any other model's variables as text. SPTE words are never decoded here: the page shows the
 * fields the ITF writer stored in `#meta.spteWords` (decoded by the decoder of `mmucheck decode`).
 *
 * Plain ES2020 in a string (no template literals inside, no build step), so the page runs from
 * file:// in any current browser with no network.
 */

/** The viewer's style sheet. */
export const VIEWER_CSS = `
:root { --bg:#fff; --fg:#1b1f24; --mut:#59636e; --line:#d1d9e0; --sel:#0969da; --chg:#fff3b0; --bad:#cf222e; --badbg:#ffebe9; --loop:#8250df; --loopbg:#f5f0ff; --lane:#f6f8fa; }
* { box-sizing: border-box; }
body { margin:0; font:13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header { padding:10px 16px; border-bottom:1px solid var(--line); }
header h1 { font-size:16px; margin:0 0 4px; }
header .sub { color:var(--mut); }
kbd { border:1px solid var(--line); border-radius:3px; padding:0 4px; font-size:11px; background:var(--lane); }
code, .mono, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:12px; }
#broken { margin:8px 16px; padding:8px 12px; border:1px solid var(--bad); background:var(--badbg); border-radius:6px; }
#broken h2 { font-size:14px; margin:0 0 4px; color:var(--bad); }
#broken pre { margin:4px 0; white-space:pre-wrap; }
#loop-banner { margin:8px 16px; padding:6px 12px; border:1px solid var(--loop); background:var(--loopbg); border-radius:6px; color:var(--loop); }
main { display:flex; gap:12px; padding:8px 16px; align-items:flex-start; }
#lanes-wrap { flex:1 1 55%; border:1px solid var(--line); border-radius:6px; }
#lanes { display:grid; gap:2px 6px; padding:6px; }
.lane-head { position:sticky; top:0; background:var(--lane); font-weight:600; text-align:center; padding:4px; border-bottom:2px solid var(--line); z-index:1; }
.idx { color:var(--mut); text-align:right; padding:4px 2px; font-variant-numeric:tabular-nums; }
.cell { min-height:4px; }
.step { border:1px solid var(--line); border-radius:5px; padding:3px 6px; background:#fff; cursor:pointer; scroll-margin-top:40px; }
.step:hover { border-color:var(--sel); }
.step.selected { outline:2px solid var(--sel); background:#ddf4ff; }
.step .op { color:var(--mut); display:block; font-size:11px; }
.step .name { font-weight:600; }
.step .touch { color:var(--fg); font-size:11px; }
.step .touch div { white-space:nowrap; overflow:hidden; text-overflow:ellipsis; max-width:42ch; }
.step a.cite { font-size:11px; }
.step.broke { border-color:var(--bad); background:var(--badbg); }
.step.in-loop { border-left:4px solid var(--loop); }
.step.loop-start { border-top:3px solid var(--loop); }
.tdx-box { border:1px dashed #9a6700; border-radius:5px; padding:3px 6px; background:#fff8c5; font-size:11px; cursor:pointer; }
.init-box { grid-column:2 / -1; }
.loop-back { grid-column:2 / -1; color:var(--loop); font-weight:600; padding:4px; border:1px dashed var(--loop); border-radius:5px; background:var(--loopbg); }
#state { flex:1 1 45%; position:sticky; top:8px; max-height:calc(100vh - 16px); overflow:auto; border:1px solid var(--line); border-radius:6px; padding:8px 10px; }
#state h2 { font-size:14px; margin:0 0 4px; }
#state h3 { font-size:13px; margin:10px 0 4px; border-bottom:1px solid var(--line); }
#state .doc { color:var(--mut); }
#state pre.notes { background:var(--lane); padding:6px; border-radius:4px; white-space:pre-wrap; margin:4px 0; }
.tbl { margin-left:14px; border-left:2px solid var(--line); padding-left:8px; margin-top:2px; }
.tbl-head { font-weight:600; }
.entry { padding:2px 4px; border-radius:3px; margin:1px 0; }
.entry.changed, .row.changed { background:var(--chg); }
.entry.involved { outline:2px solid var(--bad); }
.entry .word { font-weight:600; }
.entry .was { color:var(--mut); }
.chip { display:inline-block; border:1px solid var(--line); border-radius:8px; padding:0 5px; margin:1px 2px; font-size:11px; background:var(--lane); }
.chip.cls { border-color:var(--sel); color:var(--sel); }
details.fields table { border-collapse:collapse; margin:2px 0 4px; }
details.fields td, details.fields th { border:1px solid var(--line); padding:0 5px; font-size:11px; text-align:left; }
details.fields tr.nz td { font-weight:600; }
.row { padding:1px 4px; border-radius:3px; }
.row .k { color:var(--mut); }
.help { color:var(--mut); font-size:11px; }
`;

/** The viewer's script (runs on load; reads the ITF from `#itf-data`). */
export const VIEWER_JS = String.raw`
(function () {
  'use strict';
  function isObjTop(v) { return v !== null && typeof v === 'object' && !Array.isArray(v); }
  var doc = JSON.parse(document.getElementById('itf-data').textContent);
  var meta = doc['#meta'] || {};
  var states = doc.states || [];
  var n = states.length;
  var loop = typeof doc.loop === 'number' && doc.loop >= 0 && doc.loop < n ? doc.loop : -1;
  var lasso = isObjTop(meta.lasso) ? meta.lasso : {};
  var loopAction = typeof lasso.loopAction === 'string' ? lasso.loopAction : '';
  var words = meta.spteWords || {};
  var stepInfo = meta.steps || {};
  var ELIXIR = 'https://elixir.bootlin.com/linux/latest/A/ident/';
  var sel = 0;

  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (attrs[k] === undefined || attrs[k] === null || attrs[k] === false) continue;
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'cls') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    (kids || []).forEach(function (c) { if (c !== null && c !== undefined) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function isObj(v) { return v !== null && typeof v === 'object' && !Array.isArray(v); }
  function big(v) { return isObj(v) && typeof v['#bigint'] === 'string' ? BigInt(v['#bigint']) : undefined; }
  function hex(v) { var b = big(v); if (b === undefined) return String(v); return b < 0n ? '-0x' + (-b).toString(16) : '0x' + b.toString(16); }
  function txt(v) {
    if (v === null || v === undefined) return String(v);
    if (typeof v !== 'object') return String(v);
    if (Array.isArray(v)) return '[' + v.map(txt).join(', ') + ']';
    if (typeof v['#bigint'] === 'string') return hex(v);
    if (Array.isArray(v['#set'])) return '{' + v['#set'].map(txt).join(', ') + '}';
    if (Array.isArray(v['#tup'])) return '(' + v['#tup'].map(txt).join(', ') + ')';
    if (Array.isArray(v['#map'])) return 'map{' + v['#map'].map(function (p) { return txt(p[0]) + ' -> ' + txt(p[1]); }).join(', ') + '}';
    return '{ ' + Object.keys(v).map(function (k) { return k + ': ' + txt(v[k]); }).join(', ') + ' }';
  }
  function mapOf(v) { var out = {}; if (isObj(v) && Array.isArray(v['#map'])) v['#map'].forEach(function (p) { out[String(p[0])] = p[1]; }); return out; }
  function setOf(v) { return isObj(v) && Array.isArray(v['#set']) ? v['#set'] : []; }
  function action(i) { return i === 0 ? 'init' : String(states[i]['mbt::actionTaken'] || ''); }
  function threadOf(label) { var k = label.indexOf(': '); return k > 0 ? label.slice(0, k) : 'actions'; }
  function stepOf(label) { var k = label.indexOf(': '); return k > 0 ? label.slice(k + 2) : label; }
  function notes(i) { var m = states[i] && states[i]['#meta']; return (m && Array.isArray(m.notes)) ? m.notes : []; }
  function info(step) { return stepInfo[step] || {}; }
  function cite(step) {
    var fn = info(step).kernel;
    if (!fn) return null;
    return el('a', { cls: 'cite', href: ELIXIR + encodeURIComponent(fn), target: '_blank', rel: 'noopener', title: 'kernel source: ' + fn + ' (elixir.bootlin.com)' }, [fn + '()']);
  }

  // ---- threads (lanes) ----
  var lanes = [];
  if (Array.isArray(meta.threadNames)) lanes = meta.threadNames.map(String);
  else if (n && isObj(states[0].threads)) lanes = Object.keys(states[0].threads);
  for (var i = 1; i < n; i++) { var t = threadOf(action(i)); if (lanes.indexOf(t) < 0) lanes.push(t); }
  var seamcallSteps = [];
  for (i = 1; i < n; i++) if (notes(i).some(function (l) { return l.indexOf('SEAMCALL ') === 0; })) seamcallSteps.push(i);
  var tdxLane = seamcallSteps.length > 0;
  var laneNames = tdxLane ? lanes.concat(['TDX module']) : lanes;

  // ---- what a step touched, from its notes (short form) ----
  var ENTRY_CHANGE = /^((?:direct|mirror) t\d+\[\d+\][^:]*): (0x[0-9a-f]+)/;
  function touchedLines(i) {
    var out = [], ns = notes(i);
    for (var k = 0; k < ns.length; k++) {
      var l = ns[k];
      if (l.indexOf('touched: ') === 0) out.push(l.slice(9).replace(/ \[[^\]]*\]/g, ''));
      var m = ENTRY_CHANGE.exec(l);
      var nx = ns[k + 1] || '';
      var m2 = /->\s+(0x[0-9a-f]+)/.exec(nx);
      if (m && m2) { out.push(m[1].replace(/ L\d+ g\d+$/, '') + ': ' + short(m[2]) + ' \u2192 ' + short(m2[1])); k++; }
    }
    return out;
  }
  function short(w) { var t = words[w] && words[w].text; return t ? String(t).replace(/:.*$/, '').replace(/ \(SHADOW_NONPRESENT_VALUE\)/, '') : w; }
  function broke(i) { return notes(i).some(function (l) { return l.indexOf('BROKEN') === 0 || l.indexOf('broken after step') === 0; }); }

  // ---- the entries the broken invariant involves ----
  var involved = {};
  var breakLines = [];
  (function () {
    var last = notes(n - 1), inTree = false;
    last.forEach(function (l) {
      if (l.indexOf('BROKEN') === 0 || l.indexOf('broken after step') === 0 || l.indexOf('the step that broke it') === 0) breakLines.push(l);
      if (l.indexOf('SPTE tree at the break') === 0) { inTree = true; return; }
      var m = /^\s*(\* )?(?:direct|mirror) (t\d+\[\d+\])/.exec(l);
      if (inTree && m) involved[m[2]] = true;
      var s = /^SEAMCALL [A-Z.]+\((g\d+) (L\d+)/.exec(l);
      if (s) involved['S-EPT ' + s[2] + ' ' + s[1]] = true;
      var c = ENTRY_CHANGE.exec(l);
      if (c) { var e = /(t\d+\[\d+\])/.exec(c[1]); if (e) involved[e[1]] = true; }
    });
  })();

  // ---- header, broken invariant, loop ----
  var root = document.getElementById('app');
  var title = String(meta.model || meta.source || 'trace');
  var hdr = el('header', {}, [
    el('h1', { text: title }),
    el('div', { cls: 'sub' }, [
      (meta.property ? 'property ' + meta.property + (meta.kind ? ' (' + meta.kind + ')' : '') + ' \u00b7 ' : '') +
      (n - 1) + ' steps \u00b7 ' + lanes.length + ' threads' + (meta.strategy ? ' \u00b7 ' + meta.strategy : '') + ' \u00b7 ',
      el('kbd', { text: '\u2193' }), '/', el('kbd', { text: 'j' }), ' next step, ', el('kbd', { text: '\u2191' }), '/', el('kbd', { text: 'k' }), ' previous, ',
      el('kbd', { text: 'Home' }), '/', el('kbd', { text: 'End' }), ' first/last; click a step',
    ]),
  ]);
  if (typeof meta.description === 'string') hdr.appendChild(el('div', { cls: 'sub', id: 'description', text: meta.description }));
  root.appendChild(hdr);
  var finalBroken = n ? setOf(states[n - 1].brokenInvariants) : [];
  if (meta.property || breakLines.length || finalBroken.length) {
    var inv = Object.keys(involved);
    var bx = el('section', { id: 'broken' }, [
      el('h2', { text: (loop >= 0 ? 'Liveness property violated: ' : 'Invariant broken: ') + String(meta.property || finalBroken.map(txt).join(', ') || '?') }),
      breakLines.length ? el('pre', { text: breakLines.join('\n') }) : null,
      inv.length ? el('div', {}, ['entries involved: ', el('span', { cls: 'mono', id: 'involved', text: inv.join(', ') }), ' (outlined in red in the state panel)']) : null,
      el('a', { href: '#', id: 'goto-break', text: loop >= 0 ? 'show the loop\u2019s first state (' + loop + ')' : 'show the state at the break (' + (n - 1) + ')' }),
    ]);
    root.appendChild(bx);
  }
  if (loop >= 0) {
    root.appendChild(el('section', { id: 'loop-banner' }, [
      '\u21ba Lasso: states ' + loop + '\u2013' + (n - 1) + ' repeat forever (after state ' + (n - 1) + ' the path returns to state ' + loop + '); the loop\u2019s steps are marked in purple.',
    ]));
  }

  // ---- swimlanes ----
  var mainEl = el('main');
  var wrap = el('div', { id: 'lanes-wrap' });
  var grid = el('div', { id: 'lanes' });
  grid.style.gridTemplateColumns = '3em repeat(' + laneNames.length + ', minmax(120px, 1fr))';
  grid.appendChild(el('div', { cls: 'lane-head idx', text: '#' }));
  laneNames.forEach(function (l) { grid.appendChild(el('div', { cls: 'lane-head', 'data-lane': l, text: l })); });
  var boxes = [];
  grid.appendChild(el('div', { cls: 'idx', text: '0' }));
  var initBox = el('div', { cls: 'step init-box' + (loop === 0 ? ' loop-start' : ''), 'data-index': '0' }, [el('span', { cls: 'name', text: 'initial state' }), ' ', el('span', { cls: 'op', text: notes(0)[0] ? notes(0)[0].replace(/:$/, '') : '' })]);
  grid.appendChild(initBox);
  boxes[0] = initBox;
  for (i = 1; i < n; i++) {
    // 'op(args).step' (the MMU's labels): the operation above the step name; other labels whole
    var a = action(i), th = threadOf(a), st = stepOf(a), os = /^(.*\))\.([^.()\s]+)$/.exec(st), dot = os ? os[1].length : -1;
    grid.appendChild(el('div', { cls: 'idx', text: String(i) }));
    var cls = 'step' + (broke(i) ? ' broke' : '') + (loop >= 0 && i > loop ? ' in-loop' : '') + (loop >= 0 && i === loop ? ' loop-start' : '');
    var box = el('div', { cls: cls, 'data-index': String(i), 'data-thread': th, title: info(st).doc || a }, [
      el('span', { cls: 'op', text: dot > 0 ? st.slice(0, dot) : '' }), el('span', { cls: 'name', text: dot > 0 ? st.slice(dot + 1) : st }), ' ',
      cite(st),
      el('div', { cls: 'touch mono' }, touchedLines(i).map(function (l) { return el('div', { title: l, text: l }); })),
    ]);
    boxes[i] = box;
    laneNames.forEach(function (l) {
      if (l === th) grid.appendChild(box);
      else if (l === 'TDX module' && seamcallSteps.indexOf(i) >= 0) {
        var sc = el('div', { cls: 'tdx-box mono', 'data-index': String(i) }, notes(i).filter(function (x) { return x.indexOf('SEAMCALL ') === 0; }).map(function (x) { return el('div', { text: x.slice(9) }); }));
        grid.appendChild(sc);
      } else grid.appendChild(el('div', { cls: 'cell' }));
    });
  }
  if (loop >= 0) {
    grid.appendChild(el('div', { cls: 'idx', text: '\u21ba' }));
    grid.appendChild(el('div', { cls: 'loop-back', id: 'loop-back', text: '\u21ba back to state ' + loop + (loopAction ? ' by ' + loopAction : '') + ': the loop repeats forever' + (lasso.fairness ? ' (fairness: ' + lasso.fairness + ')' : '') }));
  }
  wrap.appendChild(grid);
  mainEl.appendChild(wrap);
  var panel = el('section', { id: 'state', tabindex: '-1' });
  mainEl.appendChild(panel);
  root.appendChild(mainEl);

  // ---- state panel ----
  function span(level) { return Math.pow(2, Math.max(0, level - 1)); }
  function wordInfo(w) { return words[w] || {}; }
  function entryEl(tname, tb, idx, s, prev) {
    var w = hex(tb.sptes[idx]);
    var key = tname + '[' + idx + ']';
    var pw = prev ? prevWord(prev, tname, idx) : undefined;
    var wi = wordInfo(w);
    var changed = pw !== undefined && pw !== w;
    var fields = Array.isArray(wi.fields) ? wi.fields : [];
    var nz = fields.filter(function (f) { return f.value !== '0x0'; });
    var gfn = Number(tb.gfn) + idx * span(Number(tb.level));
    var row = el('div', { cls: 'entry' + (changed ? ' changed' : '') + (involved[key] ? ' involved' : ''), 'data-entry': key, 'data-word': w }, [
      el('span', { cls: 'mono', text: key + ' g' + gfn + ' ' }),
      el('span', { cls: 'word mono', text: w }), ' ',
      wi['class'] ? el('span', { cls: 'chip cls', text: wi['class'] + (wi.view && wi.view !== String(wi['class']).replace('-', '') ? ' / ' + wi.view : '') }) : null,
      changed ? el('span', { cls: 'was mono', text: ' (was ' + pw + ')' }) : null,
      el('div', { cls: 'desc', text: wi.text ? String(wi.text).replace(/:.*$/, '') : (w in words ? '' : '(not decoded in this trace)') }),
      nz.length ? el('div', {}, nz.map(function (f) { return el('span', { cls: 'chip mono', title: 'bits ' + f.bits + (f.doc ? ': ' + f.doc : ''), text: f.name + '=' + (BigInt(f.value) > 9n ? f.value : String(BigInt(f.value))) }); })) : null,
      fields.length ? el('details', { cls: 'fields' }, [el('summary', { text: 'all ' + fields.length + ' fields (' + (wi.view || '') + ' view)' }),
        el('table', {}, [el('tr', {}, [el('th', { text: 'field' }), el('th', { text: 'bits' }), el('th', { text: 'value' })])].concat(fields.map(function (f) {
          return el('tr', { cls: f.value !== '0x0' ? 'nz' : '', title: f.doc || '' }, [el('td', { text: f.name }), el('td', { text: f.bits }), el('td', { cls: 'mono', text: f.value })]);
        })))]) : null,
    ]);
    return row;
  }
  function prevWord(prev, tname, idx) { var t = mapOf(prev.tables)[tname]; return t && Array.isArray(t.sptes) ? hex(t.sptes[idx]) : undefined; }
  function tableEl(tname, tables, s, prev, seen) {
    var tb = tables[tname];
    seen[tname] = true;
    var box = el('div', { cls: 'tbl', 'data-table': tname }, [el('div', { cls: 'tbl-head mono', text: tname + ': L' + tb.level + ' from g' + tb.gfn + ', ' + (tb.mirror ? 'mirror' : 'direct') + (tb.status !== 'live' ? ', ' + tb.status : '') })]);
    (tb.sptes || []).forEach(function (_, idx) {
      box.appendChild(entryEl(tname, tb, idx, s, prev));
      var w = hex(tb.sptes[idx]);
      var m = /-> table (t\d+)/.exec(wordInfo(w).text || '');
      if (m && tables[m[1]] && !seen[m[1]]) box.appendChild(tableEl(m[1], tables, s, prev, seen));
    });
    return box;
  }
  function row(label, value, prevValue, extra) {
    var ch = prevValue !== undefined && prevValue !== value;
    return el('div', { cls: 'row mono' + (ch ? ' changed' : ''), 'data-key': extra || label }, [el('span', { cls: 'k', text: label + ': ' }), value + (ch ? '  (was ' + prevValue + ')' : '')]);
  }
  var used = { threads: 1, mmuLock: 1, rcuReaders: 1, srcuReaders: 1, srcuGracePeriod: 1, tables: 1, roots: 1, vcpus: 1, tdx: 1, brokenInvariants: 1 };
  function render() {
    var s = states[sel], prev = sel > 0 ? states[sel - 1] : null;
    var a = action(sel), st = stepOf(a), inf = info(st);
    panel.textContent = '';
    panel.appendChild(el('h2', { id: 'state-title', text: 'State ' + sel + ' of ' + (n - 1) + (sel > 0 ? ' \u2014 after step ' + sel + ': ' + a : ' \u2014 initial state') }));
    if (sel > 0) panel.appendChild(el('div', { cls: 'doc' }, [inf.doc ? inf.doc + ' ' : '', cite(st)]));
    if (loop >= 0 && sel >= loop) panel.appendChild(el('div', { cls: 'row', style: 'color:var(--loop)', text: '\u21ba in the loop (states ' + loop + '\u2013' + (n - 1) + ')' }));
    var ns = notes(sel);
    if (ns.length) panel.appendChild(el('pre', { cls: 'notes', text: ns.join('\n') }));
    var pv = function (k) { return prev ? prev[k] : undefined; };
    if (isObj(s.tables) && Array.isArray(s.roots)) {
      panel.appendChild(el('h3', { text: 'Page tables (changed entries highlighted)' }));
      var tables = mapOf(s.tables), seen = {};
      var pt = el('div', { id: 'page-tables' });
      s.roots.forEach(function (r) {
        var flags = setOf(r.flags);
        pt.appendChild(el('div', { cls: 'mono tbl-head', 'data-root': String(r.slot), text: 'root' + r.slot + ' \u2192 ' + r.table + ' (' + (flags.indexOf('mirror') >= 0 ? 'mirror' : 'direct') + (flags.filter(function (f) { return f !== 'mirror'; }).length ? ', ' + flags.filter(function (f) { return f !== 'mirror'; }).join(', ') : ', valid') + ', refcount ' + r.refcount + ')' }));
        if (tables[r.table] && !seen[r.table]) pt.appendChild(tableEl(String(r.table), tables, s, prev, seen));
      });
      var rest = Object.keys(tables).filter(function (k) { return !seen[k]; });
      if (rest.length) {
        pt.appendChild(el('div', { cls: 'help', text: 'tables not linked from a root (being torn down or freed):' }));
        rest.forEach(function (k) { if (!seen[k]) pt.appendChild(tableEl(k, tables, s, prev, seen)); });
      }
      panel.appendChild(pt);
    }
    if (isObj(s.tdx)) {
      panel.appendChild(el('h3', { text: 'TDX: S-EPT entries' }));
      var sept = mapOf(s.tdx.sept), psept = prev && isObj(prev.tdx) ? mapOf(prev.tdx.sept) : {};
      var keys = Object.keys(sept).concat(Object.keys(psept).filter(function (k) { return !(k in sept); }));
      var se = el('div', { id: 'sept' });
      if (!keys.length) se.appendChild(el('div', { cls: 'help', text: 'every S-EPT entry is FREE' }));
      keys.forEach(function (k) {
        var v = sept[k] ? sept[k].state + ', pfn ' + sept[k].pfn + (sept[k].bepoch ? ', bepoch ' + sept[k].bepoch : '') + (sept[k].lockedBy ? ', locked by thread ' + sept[k].lockedBy : '') : 'FREE';
        var p = prev ? (psept[k] ? psept[k].state + ', pfn ' + psept[k].pfn + (psept[k].bepoch ? ', bepoch ' + psept[k].bepoch : '') + (psept[k].lockedBy ? ', locked by thread ' + psept[k].lockedBy : '') : 'FREE') : undefined;
        var r = row('S-EPT ' + k, v, p, 'S-EPT ' + k);
        if (involved['S-EPT ' + k]) r.classList.add('involved');
        se.appendChild(r);
      });
      Object.keys(involved).filter(function (k) { return k.indexOf('S-EPT ') === 0 && keys.indexOf(k.slice(6)) < 0; }).forEach(function (k) {
        var r = row(k, 'FREE', prev ? 'FREE' : undefined, k); r.classList.add('involved'); se.appendChild(r);
      });
      se.appendChild(row('TD epoch', String(s.tdx.tdEpoch), prev && isObj(prev.tdx) ? String(prev.tdx.tdEpoch) : undefined));
      se.appendChild(row('epoch refs', txt(s.tdx.epochRefs), prev && isObj(prev.tdx) ? txt(prev.tdx.epochRefs) : undefined));
      se.appendChild(row('waiting for S-EPT zap', String(s.tdx.waitForSeptZap), prev && isObj(prev.tdx) ? String(prev.tdx.waitForSeptZap) : undefined));
      panel.appendChild(se);
    }
    if (Array.isArray(s.vcpus)) {
      panel.appendChild(el('h3', { text: 'vCPUs and TLBs' }));
      var vc = el('div', { id: 'tlbs' });
      s.vcpus.forEach(function (v, k) {
        var p = prev && Array.isArray(prev.vcpus) ? prev.vcpus[k] : undefined;
        var tl = mapOf(v.tlb), ptl = p ? mapOf(p.tlb) : {};
        var tlbText = function (m) { var ks = Object.keys(m); return ks.length ? ks.map(function (g) { var e = m[g]; return g + '\u2192pfn ' + e.pfn + (e.w ? ' W' : '') + (e.d ? ' D' : '') + (e['private'] ? ' private' : ''); }).join('; ') : '(empty)'; };
        vc.appendChild(row(v.name + ' mode', v.mode + ', roots direct ' + v.directRoot + ' mirror ' + v.mirrorRoot + ', requests ' + v.requests + ', epoch ' + v.epoch, p ? p.mode + ', roots direct ' + p.directRoot + ' mirror ' + p.mirrorRoot + ', requests ' + p.requests + ', epoch ' + p.epoch : undefined, v.name + ' mode'));
        vc.appendChild(row(v.name + ' TLB', tlbText(tl), p ? tlbText(ptl) : undefined, v.name + ' TLB'));
      });
      panel.appendChild(vc);
    }
    if (isObj(s.mmuLock) || s.rcuReaders || s.srcuReaders) {
      panel.appendChild(el('h3', { text: 'Locks, RCU and SRCU' }));
      var lk = el('div', { id: 'locks' });
      var lockText = function (x) { return isObj(x) ? (x.writer ? 'write-held by ' + x.writer : 'no writer') + '; readers ' + txt(x.readers) : txt(x); };
      if (isObj(s.mmuLock)) lk.appendChild(row('mmu_lock', lockText(s.mmuLock), prev ? lockText(prev.mmuLock) : undefined));
      if (s.rcuReaders) lk.appendChild(row('RCU readers', txt(s.rcuReaders), prev ? txt(pv('rcuReaders')) : undefined));
      if (s.srcuReaders) lk.appendChild(row('SRCU readers', txt(s.srcuReaders), prev ? txt(pv('srcuReaders')) : undefined));
      if (s.srcuGracePeriod) lk.appendChild(row('SRCU grace period waits for', txt(s.srcuGracePeriod), prev ? txt(pv('srcuGracePeriod')) : undefined));
      panel.appendChild(lk);
    }
    if (isObj(s.threads)) {
      panel.appendChild(el('h3', { text: 'Threads' }));
      var tt = el('div', { id: 'threads' });
      Object.keys(s.threads).forEach(function (name) {
        var t = s.threads[name], p = prev && isObj(prev.threads) ? prev.threads[name] : undefined;
        var desc = function (x) {
          var loc = isObj(x.locals) ? Object.keys(x.locals).filter(function (k) { return x.locals[k] !== 0; }).map(function (k) { return k + '=' + txt(x.locals[k]); }) : [];
          return 'at ' + x.at + '; holds ' + txt(x.held) + (loc.length ? '; ' + loc.join(' ') : '');
        };
        tt.appendChild(row(name, desc(t), p ? desc(p) : undefined, 'thread ' + name));
      });
      panel.appendChild(tt);
    }
    var others = doc.vars.filter(function (v) { return !used[v]; });
    if (others.length) {
      panel.appendChild(el('h3', { text: isObj(s.tables) ? 'Other state' : 'Variables' }));
      var ot = el('div', { id: 'vars' });
      others.forEach(function (v) { ot.appendChild(row(v, txt(s[v]), prev ? txt(prev[v]) : undefined)); });
      if (s.brokenInvariants) ot.appendChild(row('broken invariants', txt(s.brokenInvariants), prev ? txt(prev.brokenInvariants) : undefined));
      panel.appendChild(ot);
    }
  }
  function select(i, scroll) {
    if (!n) return;
    sel = Math.max(0, Math.min(n - 1, i));
    boxes.forEach(function (b, k) { if (b) b.classList.toggle('selected', k === sel); });
    document.body.setAttribute('data-selected', String(sel));
    render();
    var b = boxes[sel];
    if (scroll !== false && b && b.scrollIntoView) b.scrollIntoView({ block: 'nearest' });
    if (history.replaceState) history.replaceState(null, '', '#step=' + sel);
  }
  grid.addEventListener('click', function (ev) {
    var t = ev.target;
    if (t && t.closest && t.closest('a')) return;
    var b = t && t.closest ? t.closest('[data-index]') : null;
    if (b) select(Number(b.getAttribute('data-index')));
  });
  var gb = document.getElementById('goto-break');
  if (gb) gb.addEventListener('click', function (ev) { ev.preventDefault(); select(loop >= 0 ? loop : n - 1); });
  document.addEventListener('keydown', function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    var k = ev.key;
    if (k === 'ArrowDown' || k === 'ArrowRight' || k === 'j') { select(sel + 1); ev.preventDefault(); }
    else if (k === 'ArrowUp' || k === 'ArrowLeft' || k === 'k') { select(sel - 1); ev.preventDefault(); }
    else if (k === 'Home') { select(0); ev.preventDefault(); }
    else if (k === 'End') { select(n - 1); ev.preventDefault(); }
  });
  var h = /step=(\d+)/.exec(location.hash || '');
  select(h ? Number(h[1]) : 0, !!h);
})();
`;
