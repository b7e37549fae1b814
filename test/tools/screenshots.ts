/// <reference lib="dom" />
// `npm run screenshots`: the README's pictures of the wallboard, the agent console and a report,
// in Spanish and English, written to docs/screenshots/*.png. Nothing in them is drawn by hand:
// the whole app runs as the browser tests run it (embedded simulated PBX, its own Redis and
// PostgreSQL in a temp DATA_DIR, the web test flows, the fake HubSpot with one contact), the
// simulator places the calls, Debian's Chromium takes the pictures.
//
// The scene: a morning's worth of short calls first (answered, a few abandoned) so the history
// and the reports have figures; then, live: Ana on a long call, Bruno paused for lunch, three
// callers waiting in Ventas, Laura Pérez (a HubSpot contact who called before) ringing Carla
// with her screen pop, a campaign dialling, an hours override set by the supervisor.
//
//   npm run screenshots            (≈ 1–2 min; needs /usr/bin/chromium, redis-server, PostgreSQL)
//   npm run screenshots -- --out <dir>
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { buildWeb } from '../../src/tools/build-web.ts';
import { startWebHarness, until, type WebHarness } from '../browser/web-harness.ts';
import { startFakeHubspot } from '../fakes/hubspot-server.ts';
import { waitFor } from '../helpers/wait.ts';

const args = process.argv.slice(2);
const outDir = resolve(args.includes('--out') ? args[args.indexOf('--out') + 1]! : join(import.meta.dirname, '../../docs/screenshots'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => console.log(`screenshots: ${s}`);

async function simPut(h: WebHarness, path: string, body: unknown) {
  const s = h.app.sim!;
  const r = await fetch(`${s.url}/_sim${path}`, {
    method: 'PUT', body: JSON.stringify(body),
    headers: { authorization: `Basic ${Buffer.from(`${s.user}:${s.password}`).toString('base64')}`, 'content-type': 'application/json' },
  });
  if (r.status >= 300) throw new Error(`sim PUT ${path}: ${r.status} ${await r.text()}`);
}

/** Sends every pending wrap-up of the agents (a disposition and a note), as an agent would. */
function autoWrapUp(h: WebHarness, agents: string[]): () => void {
  let on = true;
  void (async () => {
    let n = 0;
    while (on) {
      for (const a of agents) {
        const c = await h.api<{ pending?: { callId: string }[] }>(`/api/console/${a}`).catch((err: unknown) => ({ status: 0, body: { error: String(err) } as never }));
        if (c.status !== 200) log(`console of ${a}: ${c.status} ${JSON.stringify(c.body)}`);
        for (const p of c.body.pending ?? []) {
          const r = await h.api(`/api/console/${a}/wrapup`, { method: 'POST', body: { callId: p.callId, disposition: n++ % 3 ? 'resolved' : 'sale', notes: 'Cliente atendido.' } }).catch((err: unknown) => ({ status: 0, body: String(err) }));
          if (r.status !== 200) log(`wrap-up of ${a}: ${r.status} ${JSON.stringify(r.body)}`);
        }
      }
      await sleep(400);
    }
  })();
  return () => { on = false; };
}

async function shot(page: Page, name: string) {
  // Let ticking figures and charts settle for a frame.
  await sleep(600);
  const file = join(outDir, `${name}.png`);
  writeFileSync(file, await page.screenshot({ fullPage: true, animations: 'disabled' }));
  log(`wrote ${file}`);
}

async function main() {
  await buildWeb({ ifStale: true, quiet: true });
  mkdirSync(outDir, { recursive: true });
  const fake = await startFakeHubspot({ portal: { portalId: 777001, timeZone: 'America/Bogota', uiDomain: 'app.hubspot.com' } });
  fake.addContact({ phone: '+57 300 765 4321', firstname: 'Laura', lastname: 'Pérez', company: 'Acme Andina', hubspot_owner_id: '9001' });
  const h = await startWebHarness({ env: { HUBSPOT_TOKEN: 'test-token', HUBSPOT_BASE_URL: fake.url }, hubspotYaml: 'owners:\n  ana: "9001"\n' });
  let stopWrapUps = () => {};
  try {
    await h.user('sofia', ['supervisor'], { queues: ['*'], displayName: 'Sofía Martínez' });
    await h.user('carla', ['agent'], { agentId: 'carla', displayName: 'Carla Ruiz' });

    // 1. Earlier calls, for the history and the reports: agents answer after 1–3 s, talk 4–7 s.
    log('placing the earlier calls');
    await h.sim.phone('PJSIP/1001', { behavior: 'answer', afterMs: 1500, hangupAfterMs: 5000 });
    await h.sim.phone('PJSIP/1002', { behavior: 'answer', afterMs: 2500, hangupAfterMs: 7000 });
    await h.sim.phone('PJSIP/1003', { behavior: 'answer', afterMs: 1000, hangupAfterMs: 4000 });
    for (const a of ['ana', 'bruno', 'carla']) await h.api(`/api/agents/${a}/login`, { method: 'POST' });
    stopWrapUps = autoWrapUp(h, ['ana', 'bruno', 'carla']);
    // `giveUpMs`: the caller hangs up if still waiting then (an abandon).
    const earlier: { from: string; digits: string; giveUpMs?: number }[] = [
      { from: '3007654321', digits: '2123456#' }, // Laura, to support with her account number
      { from: '3104445566', digits: '1' }, { from: '3159990011', digits: '1' }, { from: '3012223344', digits: '1' },
      { from: '3185556677', digits: '1', giveUpMs: 7000 }, { from: '3201112233', digits: '2' }, { from: '3008889900', digits: '1' },
      { from: '3116667788', digits: '3' }, { from: '3174443322', digits: '1', giveUpMs: 6000 }, { from: '3022221100', digits: '1' },
      { from: '3135554433', digits: '2' },
    ];
    const giveUps: Promise<void>[] = [];
    for (const c of earlier) {
      const id = await h.sim.call(c.from, { script: { digits: c.digits, digitsAfterMs: 400, digitGapMs: 150 } });
      if (c.giveUpMs) giveUps.push(sleep(c.giveUpMs).then(async () => { if (h.app.acd.liveCalls().some((x) => x.callId === id && x.phase === 'waiting')) await h.sim.hangup(id); }));
      await sleep(1200);
    }
    await Promise.all(giveUps);
    await waitFor(() => h.app.calls.liveCalls().length === 0, 90_000, 'the earlier calls to end').catch((err: unknown) => {
      console.error(JSON.stringify({ live: h.app.acd.liveCalls(), agents: ['ana', 'bruno', 'carla'].map((a) => h.app.acd.agent(a)) }, null, 1));
      throw err;
    });
    await waitFor(async () => {
      const r = (await h.api<{ totals: { offered: number }[] }>('/api/reports/queues')).body;
      return r.totals.reduce((s, q) => s + q.offered, 0) >= earlier.length;
    }, 60_000, 'the earlier calls in the history');
    await waitFor(() => ['ana', 'bruno', 'carla'].every((a) => h.app.acd.agent(a)?.state === 'available'), 30_000, 'the wrap-ups done');
    stopWrapUps();

    // 2. The live scene.
    log('setting the live scene');
    await h.sim.phone('PJSIP/1001', { behavior: 'answer', afterMs: 1500, hangupAfterMs: 600_000 });
    await h.sim.phone('PJSIP/1003', { behavior: 'noanswer' });
    await h.api('/api/console/bruno/pause', { method: 'POST', body: { reason: 'lunch' } });
    await h.sim.call('3046667788', { script: { digits: '1', digitsAfterMs: 400 } });
    await waitFor(() => h.app.acd.agent('ana')?.state === 'onCall', 20_000, 'Ana on a call');
    for (const from of ['3157778899', '3001239876', '3189990000']) { await h.sim.call(from, { script: { digits: '1', digitsAfterMs: 400 } }); await sleep(1500); }
    // A collection campaign: some numbers answer (and hang up during the menu), some are busy.
    await simPut(h, '/numbers', { pattern: '/[0-4]$/', behavior: 'busy', afterMs: 800 });
    await simPut(h, '/numbers', { pattern: '/[5-9]$/', behavior: 'answer', afterMs: 1500, hangupAfterMs: 2500 });
    const dir = join(h.dataDir, 'inbox', 'cobranza-diciembre');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'campaign.json'), JSON.stringify({
      flowId: 'line', maxCallsPerSecond: 1, maxConcurrentCalls: 2, window: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] },
      retry: { busy: { delaySec: 0, maxAttempts: 1 } },
    }));
    writeFileSync(join(dir, 'rows.csv'), `phone\n${Array.from({ length: 120 }, (_, i) => `+57300${String(2_000_000 + i * 7)}`).join('\n')}\n`);
    await waitFor(async () => ((await h.api<{ done?: number }>('/api/campaigns/cobranza-diciembre')).body.done ?? 0) >= 8, 60_000, 'the campaign under way').catch(async (err: unknown) => {
      console.error(JSON.stringify((await h.api('/api/campaigns')).body).slice(0, 2000));
      throw err;
    });

    const pages: { name: string; page: Page }[] = [];
    for (const [lang, locale] of [['es', 'es-CO'], ['en', 'en-US']] as const) {
      const wall = await (await h.context({ locale, width: 1920, height: 1080 })).newPage();
      await h.signIn(wall, 'sofia', '/wallboard');
      await wall.waitForSelector('[data-testid="conn"].live');
      const agent = await (await h.context({ locale, width: 1366, height: 768 })).newPage();
      await h.signIn(agent, 'carla', '/agent');
      await agent.waitForSelector('.statebar[data-state="available"]');
      pages.push({ name: `wallboard-${lang}`, page: wall }, { name: `agent-console-${lang}`, page: agent });
    }
    // Sofía closes the office for the stock-take (the API her wallboard's form calls, with her session).
    const set = await pages[0]!.page.evaluate(async () => (await fetch('/api/hours/office/override', {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ state: 'closed', reason: 'Inventario anual', minutes: 120 }),
    })).status);
    if (set >= 300) throw new Error(`hours override: ${set}`);
    for (const { name, page } of pages) if (name.startsWith('wallboard')) await until(page, `(document.getElementById('hours')?.textContent ?? '').includes('Inventario anual')`);
    // Laura calls again, to support: Carla's phone rings (30 s) with the screen pop.
    await h.sim.call('3007654321', { script: { digits: '2987654#', digitsAfterMs: 400, digitGapMs: 150 } });
    for (const { name, page } of pages) {
      if (name.startsWith('agent')) {
        await page.waitForSelector('[data-testid="screen-pop"][data-state="ringing"]', { timeout: 20_000 });
        await until(page, `document.querySelector('[data-testid="screen-pop"] [data-fig="who"]')?.textContent === 'Laura Pérez'`);
        await sleep(800); // her last calls from the history
      } else {
        await until(page, `document.querySelector('tr[data-agent="carla"]')?.dataset.state === 'ringing'`);
      }
    }
    for (const { name, page } of pages) await shot(page, name);

    // 3. The queue report of today, with its chart.
    for (const [lang, locale] of [['es', 'es-CO'], ['en', 'en-US']] as const) {
      const page = await (await h.context({ locale, width: 1366, height: 768 })).newPage();
      await h.signIn(page, 'sofia', '/reports?tab=queues&interval=15');
      await page.waitForSelector('[data-testid="report-table"] tr[data-queue="sales"]');
      await page.waitForSelector('[data-testid="chart"] canvas');
      await page.waitForSelector('#report-intervals tbody tr');
      await shot(page, `report-${lang}`);
    }
  } finally {
    stopWrapUps();
    await h.stop();
    await fake.close();
  }
}

main().then(() => process.exit(0), (err: unknown) => { console.error(err); process.exit(1); });
