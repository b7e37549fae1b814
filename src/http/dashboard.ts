// Supervisor dashboard: one static page (no build step) that polls the JSON API and
// follows the event bus over Server-Sent Events. Served by the app on `/`.
import type { FastifyInstance } from 'fastify';
import type { BusEvents, EventBus } from '../domain/event-bus.ts';
import { requires, ROLES_FOR } from './access.ts';
import { maskPii, seesPii } from './pii.ts';

export interface DashboardDeps {
  bus: EventBus;
  /** Live calls for /api/calls. */
  liveCalls: () => unknown[];
  /** Topics streamed to the page. */
  topics?: (keyof BusEvents)[];
  /** Cap on buffered events per SSE client; a slow client is cut off rather than grow memory. */
  maxBuffered?: number;
  /** Live-stream clients at once (all identities) and per identity; more get 503 SSE_LIMIT. */
  maxStreams?: number;
  maxStreamsPerIdentity?: number;
}

const DEFAULT_TOPICS: (keyof BusEvents)[] = ['call.started', 'call.record', 'queue.event', 'agent.state', 'campaign.progress', 'telephony.connection'];

export function registerDashboard(app: FastifyInstance, deps: DashboardDeps): void {
  const topics = deps.topics ?? DEFAULT_TOPICS;
  const maxBuffered = deps.maxBuffered ?? 1000;
  const maxStreams = deps.maxStreams ?? 50;
  const maxPerIdentity = deps.maxStreamsPerIdentity ?? 5;
  const streams = new Map<string, number>();
  let open = 0;
  app.get('/', { config: requires(ROLES_FOR.live, { page: true }) }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(page(reply.cspNonce)));
  // Numbers are masked for roles that may not see them.
  app.get('/api/calls', { config: requires(ROLES_FOR.live) }, async (req) => {
    const calls = deps.liveCalls();
    return { at: new Date().toISOString(), calls: seesPii(req.identity) ? calls : maskPii(calls) };
  });
  app.get('/api/events', { config: requires(ROLES_FOR.live) }, (req, reply) => {
    const who = `${req.identity?.kind}:${req.identity?.id}`;
    if (open >= maxStreams || (streams.get(who) ?? 0) >= maxPerIdentity)
      return reply.code(503).header('retry-after', '30').send({ error: 'SSE_LIMIT', message: `too many live streams (at most ${maxStreams}, ${maxPerIdentity} per identity)` });
    open += 1;
    streams.set(who, (streams.get(who) ?? 0) + 1);
    const mask = !seesPii(req.identity);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(': connected\n\n');
    let pending = 0;
    const offs = topics.map((topic) =>
      deps.bus.on(topic, (payload) => {
        if (pending > maxBuffered) return close();
        const ok = res.write(`event: ${topic}\ndata: ${JSON.stringify(mask ? maskPii(payload) : payload)}\n\n`);
        if (!ok) { pending += 1; res.once('drain', () => { pending = 0; }); }
      }),
    );
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    let closed = false;
    const close = () => {
      if (!closed) {
        closed = true;
        open -= 1;
        const n = (streams.get(who) ?? 1) - 1;
        if (n > 0) streams.set(who, n); else streams.delete(who);
      }
      clearInterval(ping);
      for (const off of offs) off();
      if (!res.writableEnded) res.end();
    };
    req.raw.on('close', close);
  });
}

const page = (nonce: { script: string; style: string }) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>centralita — supervisor</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style nonce="${nonce.style}">
 body{font-family:system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
 header{background:#1d2330;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:baseline}
 header h1{font-size:1.1rem;margin:0} #conn,#me{font-size:.85rem;opacity:.8} #signout{font:inherit;font-size:.8rem;background:#fff2;color:#fff;border:1px solid #fff6;border-radius:4px;cursor:pointer}
 main{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:1rem;padding:1rem}
 section{background:#fff;border-radius:6px;padding:.6rem .9rem;box-shadow:0 1px 2px #0002;overflow-x:auto}
 h2{font-size:.95rem;margin:.2rem 0 .5rem} table{width:100%;border-collapse:collapse;font-size:.85rem}
 td,th{text-align:left;padding:.2rem .3rem;border-bottom:1px solid #eee} .kpi{display:flex;gap:1.2rem}
 .kpi div{font-size:.8rem} .kpi b{display:block;font-size:1.4rem} #log{font:12px ui-monospace,monospace;max-height:320px;overflow:auto;white-space:pre-wrap}
 .empty{color:#888;font-size:.85rem} .wide{grid-column:1/-1} #me{margin-left:auto}
</style></head>
<body>
<header><h1>centralita</h1><span id="conn">connecting…</span><span id="me"></span><button id="signout" type="button">Sign out</button></header>
<main>
 <section><h2>Today</h2><div class="kpi">
  <div><b id="k-calls">0</b>calls ended</div><div><b id="k-answered">0</b>answered</div>
  <div><b id="k-abandoned">0</b>abandoned</div><div><b id="k-live">0</b>live now</div></div></section>
 <section><h2>Queues</h2><table id="queues"><thead><tr><th>queue</th><th>waiting</th><th>longest (s)</th><th>offered</th><th>answered</th><th>abandoned</th><th>SL %</th></tr></thead><tbody></tbody></table></section>
 <section><h2>Agents</h2><table id="agents"><thead><tr><th>agent</th><th>state</th><th>queues</th></tr></thead><tbody></tbody></table></section>
 <section><h2>Active calls</h2><table id="calls"><thead><tr><th>call</th><th>from</th><th>flow</th><th>node</th></tr></thead><tbody></tbody></table></section>
 <section class="wide"><h2>Live events</h2><div id="log"></div></section>
</main>
<script nonce="${nonce.script}">
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
const rows = (id, items, cols) => { const tb = $(id).querySelector('tbody');
  tb.innerHTML = items.length ? items.map((it) => '<tr>' + cols.map((c) => '<td>' + esc(c(it)) + '</td>').join('') + '</tr>').join('') : '<tr><td class="empty" colspan="' + cols.length + '">none</td></tr>'; };
const counts = { calls: 0, answered: 0, abandoned: 0 };
async function poll() {
  try {
    const [q, a, c, t] = await Promise.all(['/api/queues', '/api/agents', '/api/calls', '/api/reports/today'].map((u) => fetch(u).then((r) => { if (r.status === 401) location.assign('/login'); return r.ok ? r.json() : null; }).catch(() => null)));
    // Today's counters come from the system of record (they survive reloads and restarts);
    // records pushed over the stream only count up between two polls.
    if (t && t.calls) { counts.calls = t.calls.total; counts.answered = t.calls.byDisposition.answered ?? 0; counts.abandoned = t.calls.byDisposition.abandoned ?? 0; showCounts(); }
    rows('queues', q?.queues ?? [], [(x) => x.name ?? x.queueId, (x) => x.waitingNow, (x) => Math.round(x.longestWaitSec ?? 0), (x) => x.offered, (x) => x.answered, (x) => x.abandoned, (x) => x.serviceLevelPct == null ? '–' : Math.round(x.serviceLevelPct)]);
    rows('agents', a?.agents ?? [], [(x) => x.name ?? x.id, (x) => x.state + (x.pauseReason ? ' (' + x.pauseReason + ')' : ''), (x) => (x.queues ?? []).join(', ')]);
    const calls = c?.calls ?? []; $('k-live').textContent = calls.length;
    rows('calls', calls, [(x) => x.callId, (x) => x.from, (x) => x.flowId, (x) => x.node ?? '']);
  } finally { setTimeout(poll, 2000); }
}
function log(topic, data) { const el = $('log'); const line = new Date().toLocaleTimeString() + '  ' + topic + '  ' + JSON.stringify(data) + '\\n';
  el.textContent = (line + el.textContent).slice(0, 20000); }
const es = new EventSource('/api/events');
es.onopen = () => { $('conn').textContent = 'live'; };
es.onerror = () => { $('conn').textContent = 'reconnecting…'; };
for (const t of ['call.started', 'queue.event', 'agent.state', 'campaign.progress', 'telephony.connection']) es.addEventListener(t, (e) => log(t, JSON.parse(e.data)));
function showCounts() { $('k-calls').textContent = counts.calls; $('k-answered').textContent = counts.answered; $('k-abandoned').textContent = counts.abandoned; }
es.addEventListener('call.record', (e) => { const r = JSON.parse(e.data); counts.calls++; if (r.disposition === 'answered') counts.answered++; if (r.disposition === 'abandoned') counts.abandoned++;
  showCounts(); log('call.record', { id: r.id, from: r.from, disposition: r.disposition, path: (r.path ?? []).map((p) => p.node + (p.digits ? ':' + p.digits : '')).join(' > ') }); });
fetch('/api/session').then((r) => r.ok ? r.json() : null).then((me) => { if (me) $('me').textContent = me.name + ' (' + me.roles.join(', ') + ')'; });
$('signout').addEventListener('click', async () => {
  es.close();
  await fetch('/api/session', { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: '{}' });
  location.assign('/login');
});
poll();
</script></body></html>`;
