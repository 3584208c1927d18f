/* llmwatt ui: the calculator page. Reads its state from the query string, asks the server's
 * JSON API (the CLI's own commands) and draws the result; no library, no network beyond the
 * server that sent the page. */
'use strict';

/* Form fields kept in the address, and which of them go to /api/estimate. */
const FIELDS = ['model', 'gpu', 'gpus', 'batch', 'input', 'output', 'reasoning', 'precision', 'power_limit', 'method',
  'price_kwh', 'pue', 'region'];
const ESTIMATE_FIELDS = ['model', 'gpu', 'gpus', 'batch', 'input', 'output', 'reasoning', 'precision', 'power_limit',
  'method'];
/* An example workload for a first visit (any query parameter replaces it). */
const EXAMPLE = {model: 'llama-3.1-8b', gpu: 'h100-sxm', gpus: '1', batch: '8', input: '1000', output: '500',
  region: 'world', compare: ['h100-sxm', 'a100-80gb', 'h200', 'l40s', 'mi300x']};
const CHART_BATCHES = '1..1024*2';

const $ = (id) => document.getElementById(id);
let models = [];
let gpus = [];
let runSeq = 0;
let timer = null;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

/* Numbers as people read them: 3 significant digits, exponent only when very large or small. */
function fmt(v, digits = 3) {
  if (v === null || v === undefined || !isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return Number(v).toExponential(digits - 1);
  return Number(Number(v).toPrecision(digits)).toString();
}

async function getJSON(url) {
  try {
    const r = await fetch(url, {headers: {Accept: 'application/json'}});
    const text = await r.text();
    if (!r.ok) return {ok: false, status: r.status, error: text.trim()};
    return {ok: true, status: r.status, json: JSON.parse(text)};
  } catch (e) {
    return {ok: false, status: 0, error: 'llmwatt ui: the server did not answer (' + e.message + ')'};
  }
}

function formState() {
  const s = {};
  for (const f of FIELDS) s[f] = $(f).value.trim();
  s.compare = Array.from($('compare').selectedOptions).map((o) => o.value);
  return s;
}

function estimateQuery(s, extra) {
  const q = new URLSearchParams();
  for (const f of ESTIMATE_FIELDS) if (s[f] !== '') q.set(f, s[f]);
  for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
  return q;
}

function stateQuery(s) {
  const q = new URLSearchParams();
  for (const f of FIELDS) if (s[f] !== '') q.set(f, s[f]);
  if (s.compare.length) q.set('compare', s.compare.join(','));
  return q;
}

/* The catalogue id of a GPU named by id or alias (gpu=h100 selects h100-sxm); the name itself
 * when the page does not know it (the server then says so). */
function gpuId(name) {
  const lc = name.toLowerCase();
  const hit = gpus.find((g) => g.id === lc || String(g.aliases || '').toLowerCase().split(/[;, ]+/).includes(lc));
  return hit ? hit.id : name;
}

function setSelect(sel, value) {
  if (value !== '' && !Array.from(sel.options).some((o) => o.value === value)) sel.append(el('option', {value}, value));
  sel.value = value;
}

/* Fills the form from the address; a first visit (no parameters) gets the example workload. */
function fillForm(params) {
  const first = Array.from(params.keys()).length === 0;
  for (const f of FIELDS) {
    let v = params.has(f) ? params.get(f) : first ? EXAMPLE[f] || '' : '';
    if (f === 'region' && !params.has(f)) v = EXAMPLE.region;
    if (f === 'gpu' && v) v = gpuId(v);
    const e = $(f);
    if (e.tagName === 'SELECT') setSelect(e, v);
    else e.value = v;
  }
  const cmp = (params.has('compare') ? params.get('compare').split(',').filter(Boolean) : EXAMPLE.compare).map(gpuId);
  const sel = $('compare');
  for (const id of cmp) if (!Array.from(sel.options).some((o) => o.value === id)) sel.append(el('option', {value: id}, id));
  for (const o of sel.options) o.selected = cmp.includes(o.value);
  const picked = Array.from(sel.options).find((o) => o.selected);
  if (picked) sel.scrollTop = picked.offsetTop - sel.offsetTop; /* show the picked GPUs, not the list's top */
}

async function loadCatalogue() {
  const [m, g, r] = await Promise.all([getJSON('/api/models'), getJSON('/api/gpus'), getJSON('/api/regions')]);
  if (m.ok) {
    models = m.json;
    const dl = $('model-list');
    for (const x of models) {
      const active = x.active_params ? fmt(x.active_params / 1e9) + ' B active' : '';
      dl.append(el('option', {value: x.name, label: [x.hf_id, active].filter(Boolean).join(' · ')}));
      if (x.hf_id) dl.append(el('option', {value: x.hf_id, label: x.name}));
    }
  }
  if (g.ok) {
    gpus = g.json;
    for (const x of gpus) {
      const label = x.name + (x.variant ? ' (' + x.variant + ')' : '');
      $('gpu').append(el('option', {value: x.id}, label));
      $('compare').append(el('option', {value: x.id}, label));
    }
  }
  const reg = $('region');
  reg.append(el('option', {value: ''}, 'none (no carbon figure)'));
  if (r.ok) {
    for (const x of r.json) reg.append(el('option', {value: x.id}, x.name + ' · ' + fmt(x.g_co2e_per_kwh) + ' g/kWh (' + x.year + ')'));
  }
}

function modelInfo(name) {
  const lc = name.toLowerCase();
  const m = models.find((x) => x.name.toLowerCase() === lc || (x.hf_id || '').toLowerCase() === lc);
  if (!m) return '';
  const parts = [m.family];
  if (m.total_params) {
    parts.push(fmt(m.total_params / 1e9) + ' B parameters' +
      (m.active_params && m.active_params < m.total_params * 0.999 ? ', ' + fmt(m.active_params / 1e9) + ' B active (MoE)' : ''));
  }
  if (m.native_precision) parts.push(m.native_precision + ' weights');
  if (m.is_proxy) parts.push('proxy architecture');
  return parts.join(' · ');
}

function clearResults() {
  $('energy-per-output-token-j').textContent = '–';
  for (const id of ['tok-band', 'req-wh', 'req-j', 'req-band', 'cost-usd', 'co2e']) $(id).textContent = '–';
  $('cost-note').textContent = '';
  $('co2e-note').textContent = '';
  $('headline').textContent = '';
  $('phase-rows').replaceChildren();
  $('plan').replaceChildren();
  $('warnings').replaceChildren();
  $('split-prefill').style.width = '0';
  $('split-decode').style.width = '0';
  $('chart').replaceChildren();
  $('compare-rows').replaceChildren();
}

function showError(msg) {
  const e = $('error');
  e.textContent = msg;
  e.hidden = false;
}

/* A plan field as people read it: bytes in GB, other numbers to 4 digits. */
function planValue(key, v) {
  if (typeof v !== 'number') return String(v);
  return /_bytes$/.test(key) ? fmt(v / 1e9, 4) + ' GB' : fmt(v, 4);
}

function renderEstimate(d, s) {
  const tok = d.energy_per_output_token_j;
  const req = d.energy_per_request_j;
  const out = $('energy-per-output-token-j');
  out.textContent = tok.expected === null ? 'undefined' : fmt(tok.expected);
  out.title = tok.expected === null ? 'no output tokens' : String(tok.expected);
  $('tok-band').textContent = fmt(tok.low) + ' – ' + fmt(tok.high);
  $('req-wh').textContent = fmt(d.energy_per_request_wh);
  $('req-j').textContent = fmt(req.expected);
  $('req-band').textContent = fmt(req.low) + ' – ' + fmt(req.high);
  let head = d.model + ' on ' + d.gpus + ' × ' + d.gpu + ', batch ' + d.batch + ', ' + fmt(d.input_tokens, 6) + ' in + ' +
    fmt(d.output_tokens, 6) + ' out';
  if (d.reasoning_tokens > 0) head += ' + ' + fmt(d.reasoning_tokens, 6) + ' reasoning';
  head += ' tokens · ' + d.weight_precision + ' weights · method ' + d.method;
  $('headline').textContent = head;

  const total = d.prefill_j + d.decode_j;
  const pp = total > 0 ? (100 * d.prefill_j) / total : 0;
  $('split-prefill').style.width = pp + '%';
  $('split-decode').style.width = 100 - pp + '%';
  $('split-prefill').textContent = pp >= 12 ? 'prefill ' + fmt(pp, 2) + '%' : '';
  $('split-decode').textContent = 100 - pp >= 12 ? 'decode ' + fmt(100 - pp, 2) + '%' : '';
  $('split').setAttribute('aria-label', 'prefill ' + fmt(pp, 2) + '% and decode ' + fmt(100 - pp, 2) + '% of the energy per request');
  const rows = $('phase-rows');
  rows.replaceChildren();
  for (const [name, p] of [['prefill', d.prefill], ['decode', d.decode]]) {
    rows.append(el('tr', {},
      el('td', {}, el('span', {class: 'dot ' + name, 'aria-hidden': 'true'}), name),
      el('td', {class: 'num'}, fmt(p.energy_per_request_j)),
      el('td', {class: 'num'}, fmt(p.time_s)),
      el('td', {class: 'num'}, fmt(p.avg_power_w)),
      el('td', {}, el('strong', {}, p.bound)),
      el('td', {class: 'num'}, [p.compute_time_s, p.memory_time_s, p.communication_time_s].map((x) => fmt(x)).join(' / '))));
  }

  /* Batch and memory plan: whatever of it the estimate carries. */
  const plan = $('plan');
  plan.replaceChildren();
  const add = (k, v) => plan.append(el('dt', {}, k), el('dd', {}, v));
  add('batch (requested)', String(d.batch));
  if (d.effective_batch !== undefined) add('effective batch', String(d.effective_batch));
  add('GPUs', d.gpus + ' × ' + d.gpu);
  add('precision', 'weights ' + d.weight_precision + ', KV ' + d.kv_precision + ', compute ' + d.compute_precision);
  for (const key of ['precision_rule', 'plan', 'parallel', 'memory', 'power_limit_w', 'sm_clock_mhz', 'sm_clock']) {
    const v = d[key];
    if (v === undefined || v === null) continue;
    if (typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (x === null || typeof x === 'object' || (key === 'sm_clock' && k === 'source')) continue;
        add(key.replace(/_/g, ' ') + ': ' + k.replace(/_bytes$/, '').replace(/_/g, ' '), planValue(k, x));
      }
    } else {
      add(key.replace(/_bytes$/, '').replace(/_/g, ' '), planValue(key, v));
    }
  }
  add('batch time', fmt(d.time_s) + ' s at ' + fmt(d.avg_power_w) + ' W');
  const w = $('warnings');
  w.replaceChildren();
  for (const x of d.warnings || []) w.append(el('li', {}, 'warning: ' + x));
  $('sources').textContent = 'sources: ' + d.sources;

  const cli = ['llmwatt estimate'];
  for (const f of ESTIMATE_FIELDS) if (s[f] !== '') cli.push('--' + f.replace(/_/g, '-') + ' ' + s[f]);
  cli.push('--json');
  $('cli-command').textContent = cli.join(' ');
  const api = '/api/estimate?' + estimateQuery(s).toString();
  $('api-link').href = api;
}

async function renderCost(d, s) {
  const batch = d.effective_batch !== undefined ? d.effective_batch : d.batch;
  if (!(d.output_tokens > 0) || !(d.time_s > 0)) {
    $('cost-usd').textContent = '–';
    $('cost-note').textContent = 'no output tokens';
    return;
  }
  const q = new URLSearchParams({power_w: String(d.avg_power_w), tokens_per_s: String((batch * d.output_tokens) / d.time_s),
    gpus: String(d.gpus)});
  for (const f of ['price_kwh', 'pue', 'region']) if (s[f] !== '') q.set(f, s[f]);
  const r = await getJSON('/api/cost?' + q.toString());
  if (!r.ok) {
    $('cost-usd').textContent = '–';
    $('cost-note').textContent = r.error;
    return;
  }
  const c = r.json;
  const sc = (c.scenarios || [])[0];
  const inp = c.inputs || {};
  const chain = 'GPU power + ' + fmt(100 * inp.overhead_fraction.value, 2) + '% system overhead, PSU ' +
    fmt(100 * inp.psu_efficiency.value, 2) + '%' + (inp.pue && inp.pue.value > 1 ? ', PUE ' + fmt(inp.pue.value) : '');
  if (sc) {
    $('cost-usd').textContent = '$' + fmt(sc.cost_per_million_tokens_usd);
    $('cost-note').textContent = 'electricity at $' + sc.price_usd_per_kwh.toFixed(2) + '/kWh; ' + chain;
    $('cost-note').title = 'price: ' + sc.price_source + '; overhead: ' + inp.overhead_fraction.source + '; PSU: ' +
      inp.psu_efficiency.source;
  }
  const g = inp.grid_g_co2e_per_kwh;
  if (c.co2e_g_per_million_tokens !== undefined && g) {
    $('co2e').textContent = fmt(c.co2e_g_per_million_tokens);
    $('co2e-note').textContent = 'grid ' + fmt(g.value) + ' gCO2e/kWh (' + (($('region').selectedOptions[0] || {}).textContent || s.region).split(' · ')[0] + ')';
    $('co2e-note').title = g.source;
  } else {
    $('co2e').textContent = '–';
    $('co2e-note').textContent = 'pick a grid region';
    $('co2e-note').title = '';
  }
}

/* J per output token against batch, log2 x and log10 y, with the low..high band. */
function drawChart(rows, current) {
  const fig = $('chart');
  fig.replaceChildren();
  const pts = rows.filter((r) => r.exit === 0 && r.estimate.energy_per_output_token_j.expected > 0).map((r) => ({
    x: Number(r.value), y: r.estimate.energy_per_output_token_j.expected,
    lo: r.estimate.energy_per_output_token_j.low, hi: r.estimate.energy_per_output_token_j.high}));
  const nofit = rows.filter((r) => r.exit !== 0).map((r) => r.value);
  if (!pts.length) {
    fig.append(el('p', {class: 'chart-note'}, 'No batch size from 1 to 1024 fits in memory with these settings.'));
    return;
  }
  const W = 760, H = 300, L = 62, R = 16, T = 14, B = 44;
  const xs = pts.map((p) => Math.log2(p.x));
  let x0 = Math.min(...xs), x1 = Math.max(...xs);
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  const ylo = Math.min(...pts.map((p) => p.lo)), yhi = Math.max(...pts.map((p) => p.hi));
  const y0 = Math.floor(Math.log10(ylo) * 4) / 4, y1 = Math.ceil(Math.log10(yhi) * 4) / 4 || y0 + 1;
  const X = (b) => L + ((Math.log2(b) - x0) / (x1 - x0)) * (W - L - R);
  const Y = (v) => T + (1 - (Math.log10(v) - y0) / (y1 - y0 || 1)) * (H - T - B);
  const NS = 'http://www.w3.org/2000/svg';
  const s = (tag, attrs, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const svg = s('svg', {viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'chart-svg-title chart-svg-desc', class: 'chart-svg'});
  svg.append(s('title', {id: 'chart-svg-title'}, 'J per output token against batch, with the low..high band'));
  svg.append(s('desc', {id: 'chart-svg-desc'}, pts.map((p) => 'batch ' + p.x + ': ' + fmt(p.y) + ' J (' + fmt(p.lo) + ' to ' + fmt(p.hi) + ')').join('; ')));
  /* y grid: 1, 2, 5 per decade */
  for (let d = Math.floor(y0); d <= Math.ceil(y1); d++) {
    for (const m of [1, 2, 5]) {
      const v = m * Math.pow(10, d);
      const lv = Math.log10(v);
      if (lv < y0 - 1e-9 || lv > y1 + 1e-9) continue;
      const y = Y(v);
      svg.append(s('line', {x1: L, x2: W - R, y1: y, y2: y, class: 'grid'}));
      svg.append(s('text', {x: L - 8, y: y + 4, 'text-anchor': 'end'}, fmt(v)));
    }
  }
  for (const p of pts) {
    const x = X(p.x);
    svg.append(s('line', {x1: x, x2: x, y1: H - B, y2: H - B + 5, class: 'axis'}));
    svg.append(s('text', {x, y: H - B + 19, 'text-anchor': 'middle'}, String(p.x)));
  }
  svg.append(s('line', {x1: L, x2: W - R, y1: H - B, y2: H - B, class: 'axis'}));
  svg.append(s('line', {x1: L, x2: L, y1: T, y2: H - B, class: 'axis'}));
  svg.append(s('text', {x: (L + W - R) / 2, y: H - 6, 'text-anchor': 'middle'}, 'batch (concurrent requests)'));
  svg.append(s('text', {x: 14, y: (T + H - B) / 2, 'text-anchor': 'middle', transform: `rotate(-90 14 ${(T + H - B) / 2})`}, 'J per output token'));
  const band = pts.map((p) => `${X(p.x)},${Y(p.hi)}`).concat(pts.slice().reverse().map((p) => `${X(p.x)},${Y(p.lo)}`));
  svg.append(s('path', {d: 'M' + band.join('L') + 'Z', class: 'band'}));
  svg.append(s('path', {d: 'M' + pts.map((p) => `${X(p.x)},${Y(p.y)}`).join('L'), class: 'line'}));
  for (const p of pts) svg.append(s('circle', {cx: X(p.x), cy: Y(p.y), r: 3.2, class: 'pt'}));
  if (current && current.y > 0 && current.x >= Math.pow(2, x0) && current.x <= Math.pow(2, x1)) {
    const cx = X(current.x), cy = Y(current.y);
    svg.append(s('circle', {cx, cy, r: 6, class: 'cur'}));
    svg.append(s('text', {x: cx + 9, y: cy - 9, class: 'legend'}, 'batch ' + current.x + ': ' + fmt(current.y) + ' J'));
  }
  fig.append(svg);
  let note = 'Band: low..high of each estimate. Batch on a log2 axis, J on a log axis.';
  if (nofit.length) note += ' Does not fit in memory: batch ' + nofit.join(', ') + '.';
  fig.append(el('figcaption', {class: 'chart-note'}, note));
}

function renderCompare(r, current) {
  const body = $('compare-rows');
  body.replaceChildren();
  if (!r.ok) {
    body.append(el('tr', {}, el('td', {colspan: '7', class: 'nofit'}, r.error)));
    return;
  }
  for (const row of r.json.rows) {
    const tr = el('tr', row.value === current ? {class: 'current'} : {});
    const g = gpus.find((x) => x.id === row.value);
    const name = g ? g.name + (g.variant ? ' ' + g.variant : '') : row.value;
    tr.append(el('th', {scope: 'row'}, name));
    if (row.exit === 0) {
      const e = row.estimate;
      const t = e.energy_per_output_token_j;
      tr.append(el('td', {class: 'num'}, fmt(t.expected)), el('td', {class: 'num'}, fmt(t.low) + ' – ' + fmt(t.high)),
        el('td', {class: 'num'}, fmt(e.energy_per_request_wh)), el('td', {class: 'num'}, fmt(e.time_s)),
        el('td', {class: 'num'}, fmt(e.avg_power_w)), el('td', {}, e.decode.bound));
    } else {
      tr.append(el('td', {colspan: '6', class: 'nofit', title: row.error}, 'does not fit: ' + row.error.replace(/^llmwatt estimate: (does not fit: )?/, '')));
    }
    body.append(tr);
  }
}

/* The settable power-limit range of the estimated GPU (data/gpus.csv), as the input's bounds. */
function powerLimitRange(id) {
  const g = gpus.find((x) => x.id === id);
  const input = $('power_limit');
  if (g && g.power_limit_max_w) {
    input.min = String(g.power_limit_min_w);
    input.max = String(g.power_limit_max_w);
    $('power-limit-hint').textContent = fmt(g.power_limit_min_w) + '–' + fmt(g.power_limit_max_w) + ' W on ' + g.id;
  } else {
    input.min = '1';
    input.removeAttribute('max');
    $('power-limit-hint').textContent = g ? g.id + ' publishes no power-limit range' : '';
  }
}

async function run() {
  const seq = ++runSeq;
  const s = formState();
  const state = stateQuery(s).toString();
  history.replaceState(null, '', state ? '?' + state : location.pathname);
  $('permalink').href = '?' + state;
  $('model-info').textContent = modelInfo(s.model);
  $('results').setAttribute('aria-busy', 'true');
  const est = await getJSON('/api/estimate?' + estimateQuery(s).toString());
  if (seq !== runSeq) return;
  if (!est.ok) {
    clearResults();
    showError(est.error);
    $('results').setAttribute('aria-busy', 'false');
    return;
  }
  $('error').hidden = true;
  renderEstimate(est.json, s);
  powerLimitRange(est.json.gpu);
  const gpuId = est.json.gpu;
  const cmp = [gpuId].concat(s.compare.filter((c) => c !== gpuId));
  const sweepQ = (vary, values) => {
    const q = estimateQuery(s);
    q.delete(vary);
    q.set('vary', vary);
    q.set('values', values);
    return '/api/sweep?' + q.toString();
  };
  /* GPUs are compared at their default power limit: each model has its own settable range */
  const cq = estimateQuery(s, {vary: 'gpu', values: cmp.join(',')});
  cq.delete('gpu');
  cq.delete('power_limit');
  const compareQ = '/api/sweep?' + cq.toString();
  $('compare-note').hidden = s.power_limit === '';
  const [chart, compare] = await Promise.all([getJSON(sweepQ('batch', CHART_BATCHES)), getJSON(compareQ),
    renderCost(est.json, s)]);
  if (seq !== runSeq) return;
  if (chart.ok) drawChart(chart.json.rows, {x: est.json.batch, y: est.json.energy_per_output_token_j.expected});
  else $('chart').replaceChildren(el('p', {class: 'chart-note'}, chart.error));
  renderCompare(compare, gpuId);
  $('results').setAttribute('aria-busy', 'false');
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(run, 350);
}

async function init() {
  await loadCatalogue();
  fillForm(new URLSearchParams(location.search));
  const form = $('controls');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearTimeout(timer);
    run();
  });
  form.addEventListener('input', (e) => {
    /* while a model name is being typed, wait for a known name (or Enter, or leaving the box) */
    if (e.target.id === 'model') {
      const lc = e.target.value.trim().toLowerCase();
      if (!models.some((m) => m.name.toLowerCase() === lc || (m.hf_id || '').toLowerCase() === lc)) return;
    }
    schedule();
  });
  form.addEventListener('change', schedule);
  await run();
}

document.addEventListener('DOMContentLoaded', init);
