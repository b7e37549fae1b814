// Issue 17's three engagements as HubSpot gets them — an inbound voicemail, a call abandoned in
// the queue (FreePBX's inbound-route recording covers the wait) and a campaign call — logged by
// the real worker to the fake HubSpot, each carrying the stable recording link, and each link
// fetched through the app's authorised endpoint. The archiver's path from the PBX is tested in
// recordings.test.ts; here the recordings are put in the store and catalogue as it leaves them.
// DUMP_HUBSPOT=1 prints the request bodies (the note quotes them).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/index.ts';
import { localBlobStore } from '../../../src/recordings/local-store.ts';
import { recordingLinks } from '../../../src/recordings/links.ts';
import { registerRecordingRoutes } from '../../../src/recordings/http.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import { recordMarker } from '../../../src/integrations/hubspot/record-marker.ts';
import { createTestDatabase } from '../../helpers/db.ts';
import { secureTestServer, type SecureTestServer } from '../../helpers/secure-http.ts';
import { harness, type Harness } from '../../integration/hubspot/harness.ts';
import { callRecord } from '../../unit/hubspot/records.ts';

const PUBLIC = 'https://centralita.example.test';
const CREATE = '/crm/v3/objects/calls/batch/create';
const links = recordingLinks('a-test-secret-that-is-long-enough-001', PUBLIC);

/** A short 8 kHz mono PCM WAV with distinct samples per recording. */
function wav(seed: number): Buffer {
  const samples = Buffer.alloc(1600);
  for (let i = 0; i < samples.length; i++) samples[i] = (i * seed) & 0xff;
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + samples.length, 4); h.write('WAVE', 8); h.write('fmt ', 12);
  h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22); h.writeUInt32LE(8000, 24); h.writeUInt32LE(16000, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34);
  h.write('data', 36); h.writeUInt32LE(samples.length, 40);
  return Buffer.concat([h, samples]);
}

let store: Store;
let server: SecureTestServer;
let url: string;
let hs: Harness;

beforeAll(async () => {
  store = await openStore({ url: await createTestDatabase('hubspot-bodies'), defaultCountry: 'CO' });
  server = await secureTestServer();
  const blobs = localBlobStore(mkdtempSync(join(tmpdir(), 'centralita-hs-bodies-')));
  registerRecordingRoutes(server.app, { catalog: store.recordings, stores: { local: blobs }, links, now: () => Date.parse('2026-11-21T12:00:00Z') });
  url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  for (const [i, name] of ['vm-101', 'rec-abandoned-102', 'rec-cmp-103'].entries()) {
    const data = wav(i + 3);
    await blobs.put(`2026/11/20/${name}.wav`, data, 'audio/wav');
    await store.recordings.add({ name, recordId: `r-${name}`, storage: 'local', key: `2026/11/20/${name}.wav`, contentType: 'audio/wav', bytes: data.length, createdAt: '2026-11-20T15:00:00.000Z', durationSec: 0.1 });
  }
  hs = await harness(inject('redisUrl'), {
    language: 'es', owners: { 'agent-7': '5150' }, queueOwners: { ventas: '7001' }, campaignOwners: { 'Cobranza-Nov': '8001' }, ownerRule: ['contact', 'queue', 'campaign'],
  }, { portal: { portalId: 424242, uiDomain: 'app.hubspot.com', timeZone: 'America/Bogota' } });
}, 60_000);

afterAll(async () => {
  await hs?.close();
  await server?.app.close();
  await store?.close();
});

it('voicemail, abandoned and campaign calls reach HubSpot as HubSpot shows them, each with a recording link that plays through the authorised endpoint', async () => {
  hs.fake.addContact({ firstname: 'Lucía', lastname: 'Mora', phone: '+57 300 123 4567', hubspot_owner_id: '9001' });
  hs.fake.addContact({ firstname: 'Jorge', lastname: 'Pérez', mobilephone: '315 7654321' });
  const voicemail = callRecord({
    id: 'cr-1732118400.101', from: '+573001234567', disposition: 'voicemail', talkSeconds: 0, waitSeconds: 42, ivrSeconds: 13, agent: undefined,
    queue: { id: 'ventas', waitSeconds: 42, outcome: 'timeout' }, voicemail: { name: 'vm-101', durationSec: 35 },
  });
  const abandoned = callRecord({
    id: 'cr-1732118400.102', from: '+573209876543', disposition: 'abandoned', talkSeconds: 0, waitSeconds: 60, ivrSeconds: 12, agent: undefined, answeredAt: undefined,
    queue: { id: 'ventas', waitSeconds: 60, outcome: 'abandoned' }, recording: { name: 'rec-abandoned-102' },
  });
  const campaign = callRecord({
    id: 'cr-cmp-Cobranza-Nov-row17_2', direction: 'outbound', from: '+576015550100', to: '+573157654321', talkSeconds: 176, waitSeconds: 8,
    campaign: { campaignId: 'Cobranza-Nov', rowId: 'row17', attempt: 2 }, queue: { id: 'cobranza', waitSeconds: 8, outcome: 'answered' },
    agent: { id: 'agent-7', name: 'Ana Gómez' }, recording: { name: 'rec-cmp-103' },
  });
  const recordingUrl = async (r: CallRecord) => {
    const name = r.recording?.name ?? r.voicemail?.name;
    return name ? links.url(name, (await store.recordings.get(name))?.linkVersion ?? 1) : undefined;
  };
  const w = hs.startWorker({ recordingUrl });
  for (const r of [voicemail, abandoned, campaign]) await hs.add(r);
  await hs.waitFor((c) => c.completed === 3);
  await w.close();

  const sent = hs.fake.requests.filter((r) => r.path === CREATE && r.status === 201);
  expect(sent.length).toBeGreaterThanOrEqual(1);
  const byMarker = hs.fake.callsByMarker();
  const props = (r: CallRecord) => {
    const ids = byMarker.get(recordMarker(r.id)) ?? [];
    expect(ids).toHaveLength(1);
    return hs.fake.calls.get(ids[0]!)!.properties;
  };
  const vm = props(voicemail);
  const ab = props(abandoned);
  const cp = props(campaign);
  if (process.env.DUMP_HUBSPOT) console.log(JSON.stringify({ voicemail: vm, abandoned: ab, campaign: cp }, null, 1));

  expect(vm).toMatchObject({ hs_call_direction: 'INBOUND', hs_call_status: 'MISSED', hs_call_has_voicemail: 'true', hs_call_duration: '35000', hubspot_owner_id: '9001' });
  expect(vm.hs_call_title).toContain('Lucía Mora');
  expect(ab).toMatchObject({ hs_call_direction: 'INBOUND', hs_call_status: 'MISSED', hs_call_has_voicemail: 'false', hubspot_owner_id: '7001' });
  expect(ab.hs_call_body).toContain('1 min');
  expect(cp).toMatchObject({ hs_call_direction: 'OUTBOUND', hs_call_status: 'COMPLETED', hs_call_duration: '176000', hubspot_owner_id: '5150' });
  expect(cp.hs_call_title).toContain('Cobranza-Nov');
  for (const [p, name, seed] of [[vm, 'vm-101', 3], [ab, 'rec-abandoned-102', 4], [cp, 'rec-cmp-103', 5]] as const) {
    const link = p.hs_call_recording_url!;
    expect(link).toBe(`${PUBLIC}/recordings/${name}?token=${links.token(name, 1)}`);
    expect(p.hs_call_body).toContain(link.replace(/&/g, '&amp;'));
    // The same path and token on this server: the token is checked on the fetch, the audio comes back.
    const res = await fetch(link.replace(PUBLIC, url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('audio/wav');
    expect(Buffer.from(await res.arrayBuffer()).equals(wav(seed))).toBe(true);
    expect((await fetch(`${url}/recordings/${name}?token=${'x'.repeat(32)}`)).status).toBe(403);
  }
});
