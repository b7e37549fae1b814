// A queue conversation recorded by the simulated PBX (real ARI), archived into the
// recording store and catalogue, logged to (fake) HubSpot with its stable link, fetched
// through that link with and without Range, refused after revocation, and played in
// Chromium through the authorised endpoint.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { publicRoute } from '../../../src/http/access.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import { localBlobStore } from '../../../src/recordings/local-store.ts';
import { recordingLinks } from '../../../src/recordings/links.ts';
import { startRecordingArchiver } from '../../../src/recordings/archiver.ts';
import { registerRecordingRoutes, parseRange } from '../../../src/recordings/http.ts';
import { createTestDatabase } from '../../helpers/db.ts';
import { secureTestServer, type SecureTestServer } from '../../helpers/secure-http.ts';
import { sampleRecord } from '../../helpers/records.ts';
import { startSimAcd, waitFor, type SimAcd } from '../acd/sim-harness.ts';
import { harness as hubspotHarness, type Harness as HubspotHarness } from '../../integration/hubspot/harness.ts';

const PUBLIC = 'https://centralita.example.test';

describe('recordings: archive, stable HubSpot link, Range, browser playback', () => {
  let h: SimAcd;
  let store: Store;
  let server: SecureTestServer;
  let url: string;
  let hs: HubspotHarness;
  let redis: Redis;
  let archiver: ReturnType<typeof startRecordingArchiver>;
  const links = recordingLinks('a-test-secret-that-is-long-enough-000', PUBLIC);

  beforeAll(async () => {
    h = await startSimAcd(
      { rec: { strategy: 'linear', members: [{ id: 'ana', endpoint: 'PJSIP/4001' }], ringTimeoutSec: 10, retrySec: 1, wrapUpSec: 0, record: true } },
      { speed: 20, phones: { 4001: { behavior: 'answer', afterMs: 1000, hangupAfterMs: 20_000 } } },
    );
    store = await openStore({ url: await createTestDatabase('recordings'), defaultCountry: 'CO' });
    redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    const blobs = localBlobStore(mkdtempSync(join(tmpdir(), 'centralita-recs-')));
    archiver = startRecordingArchiver({ connection: redis, telephony: h.tel, blobs, catalog: store.recordings, logger: { info() {}, warn() {}, error() {} }, bullPrefix: `rec-${randomUUID().slice(0, 8)}` });
    server = await secureTestServer();
    registerRecordingRoutes(server.app, { catalog: store.recordings, stores: { local: blobs }, links, now: () => Date.parse('2026-03-02T12:00:00Z') });
    server.app.get('/player', { config: publicRoute('test page holding an <audio> element') }, async (req, reply) => reply.type('text/html').send(`<!doctype html><audio id="a" preload="auto" src="${(req.query as { src: string }).src}"></audio>`));
    url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    hs = await hubspotHarness(inject('redisUrl'));
  }, 60_000);
  afterAll(async () => {
    await archiver?.close();
    await hs?.close();
    await server?.app.close();
    await store?.close();
    redis?.disconnect();
    await h?.stop();
  });

  it('archives the recording, links it in HubSpot, serves it with Range and plays it in Chromium', async () => {
    const ch = h.call('rec');
    await waitFor(() => h.outcomes.get(ch), 15_000, 'call answered and ended');
    const fields = h.acd.recordFields(`call-${ch}`)!;
    const name = fields.recording!.name;
    const record = sampleRecord(1, { id: `cr-${ch}`, queue: fields.queue, agent: fields.agent, recording: fields.recording });
    await store.history.saveRecords([record]);
    await archiver.enqueue(record);
    await archiver.enqueue(record); // a re-published record archives once
    const entry = await waitFor(() => store.recordings.get(name), 20_000, 'recording archived');
    expect(entry).toMatchObject({ name, recordId: record.id, storage: 'local', contentType: 'audio/wav', linkVersion: 1 });
    expect(entry.durationSec).toBeGreaterThan(18);
    const pbx = Buffer.from(await (await fetch(`${h.sim.url}/ari/recordings/stored/${name}/file`, { headers: { authorization: `Basic ${Buffer.from('centralita:sim-secret').toString('base64')}` } })).arrayBuffer());
    expect(entry.bytes).toBe(pbx.length);

    // HubSpot gets the stable HTTPS link on the call engagement.
    const w = hs.startWorker({ recordingUrl: async (r) => links.url(r.recording!.name, (await store.recordings.get(r.recording!.name))?.linkVersion ?? 1) });
    await hs.add(record);
    await hs.waitFor((c) => c.completed === 1);
    const call = [...hs.fake.calls.values()].find((c) => c.properties.centralita_record_id === record.id)!;
    const stable = call.properties.hs_call_recording_url!;
    if (process.env.DUMP_HUBSPOT) console.log(JSON.stringify(call.properties, null, 1));
    expect(stable).toBe(`${PUBLIC}/recordings/${name}?token=${links.token(name, 1)}`);
    await w.close();

    // Fetching that URL (same path and token, on this test server) returns the audio.
    const local = stable.replace(PUBLIC, url);
    const full = await fetch(local);
    expect(full.status).toBe(200);
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await full.arrayBuffer()).equals(pbx)).toBe(true);
    const part = await fetch(local, { headers: { range: 'bytes=44-1043' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 44-1043/${pbx.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(pbx.subarray(44, 1044))).toBe(true);
    const tail = await fetch(local, { headers: { range: 'bytes=-10' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(pbx.subarray(pbx.length - 10))).toBe(true);
    expect((await fetch(local, { headers: { range: `bytes=${pbx.length}-` } })).status).toBe(416);
    expect((await fetch(`${url}/recordings/${name}?token=${'x'.repeat(32)}`)).status).toBe(403);
    expect((await fetch(`${url}/recordings/${name}`)).status).toBe(403);
    expect((await fetch(`${url}/recordings/no-such?token=${links.token('no-such', 1)}`)).status).toBe(403);

    // The app's own endpoint needs a role that may listen (supervisor); the link needs nothing else.
    const supervisor = await server.as('supervisor', { queues: ['*'] });
    expect((await fetch(`${url}/api/recordings/${name}/audio`)).status).toBe(401);
    expect((await fetch(`${url}/api/recordings/${name}/audio`, { headers: await server.as('campaign-operator') })).status).toBe(403);
    const own = await fetch(`${url}/api/recordings/${name}/audio`, { headers: { ...supervisor, range: 'bytes=0-99' } });
    expect([own.status, Buffer.from(await own.arrayBuffer()).equals(pbx.subarray(0, 100))]).toEqual([206, true]);

    // Played in Chromium through the authorised endpoint (a supervisor's credentials on every
    // request the page makes); the browser seeks with Range.
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--autoplay-policy=no-user-gesture-required'] });
    try {
      const page = await browser.newPage({ extraHTTPHeaders: { authorization: supervisor.authorization! } });
      const ranges: string[] = [];
      page.on('request', (r) => { const v = r.headers().range; if (v && r.url().includes('/recordings/')) ranges.push(v); });
      await page.goto(`${url}/player?src=${encodeURIComponent(`/api/recordings/${name}/audio`)}`);
      // Runs in the page (a string, so this file needs no DOM types).
      const played = (await page.evaluate(`(async () => {
        const a = document.getElementById('a');
        await a.play();
        await new Promise((r) => setTimeout(r, 1200));
        a.currentTime = 10; // seek: served by a Range request
        await new Promise((r) => a.addEventListener('seeked', r, { once: true }));
        await new Promise((r) => setTimeout(r, 500));
        return { duration: a.duration, currentTime: a.currentTime, error: a.error ? a.error.code : null, paused: a.paused };
      })()`)) as { duration: number; currentTime: number; error: number | null; paused: boolean };
      expect(played.error).toBeNull();
      expect(played.duration).toBeGreaterThan(18);
      expect(played.currentTime).toBeGreaterThan(10);
      expect(ranges.length).toBeGreaterThan(0);
    } finally {
      await browser.close();
    }

    // Revoking: the link HubSpot holds stops working; the new one works.
    expect((await fetch(`${url}/api/recordings/${name}/revoke-links`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    const rev = (await (await fetch(`${url}/api/recordings/${name}/revoke-links`, { method: 'POST', headers: supervisor, body: '{}' })).json()) as { link: string; linkVersion: number };
    expect(rev.linkVersion).toBe(2);
    // Audited: who revoked which recording's links, version before and after.
    expect(server.audit.entries.filter((e) => e.action === 'recording.revoke-links')).toEqual([
      expect.objectContaining({ target: `recording:${name}`, before: { linkVersion: 1 }, after: { linkVersion: 2 }, actor: expect.stringMatching(/^token:/) }),
    ]);
    expect((await fetch(local)).status).toBe(403);
    expect((await fetch(rev.link.replace(PUBLIC, url))).status).toBe(200);
    expect(((await (await fetch(`${url}/api/recordings/${name}`, { headers: supervisor })).json()) as { link: string }).link).toBe(rev.link);
  }, 90_000);

  it('parses Range headers as RFC 9110 says', () => {
    expect(parseRange(undefined, 100)).toBeUndefined();
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-20', 100)).toEqual({ start: 80, end: 99 });
    expect(parseRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,5-6', 100)).toBeUndefined();
    expect(parseRange('items=0-1', 100)).toBeUndefined();
  });
});
