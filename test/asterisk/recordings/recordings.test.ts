// On a real Asterisk 22 (the lab): a channel in our Stasis app is recorded through the ARI
// adapter, and the finished recording is fetched with `storedRecordingFile` (ARI
// GET /recordings/stored/{name}/file) — the call the recording archiver makes — as a WAV
// with audio in it, then stored in the local recording store and read back by range.
// Needs TEST_ASTERISK_ARI_URL (e.g. http://127.0.0.1:8088) and the lab's `lab-in` context.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAriTelephony } from '../../../src/telephony/ari/adapter.ts';
import type { TelephonyEvent } from '../../../src/telephony/port.ts';
import { wavDurationSec } from '../../../src/recordings/archiver.ts';
import { localBlobStore } from '../../../src/recordings/local-store.ts';
import { waitFor } from '../../helpers/wait.ts';

const ARI = process.env.TEST_ASTERISK_ARI_URL?.replace(/\/+$/, '').replace(/\/ari$/, '');
const USER = process.env.TEST_ASTERISK_ARI_USER ?? 'lab';
const PASSWORD = process.env.TEST_ASTERISK_ARI_PASSWORD ?? 'lab';
if (!ARI) console.log('SKIPPED test/asterisk/recordings: TEST_ASTERISK_ARI_URL is not set (no Asterisk lab configured)');

describe.skipIf(!ARI)('recordings on a real Asterisk (lab)', () => {
  it('records a channel and fetches the stored file over ARI', async () => {
    const app = `centralita-rec-${process.pid}`;
    const tel = await createAriTelephony({ url: ARI!, user: USER, password: PASSWORD, app, requestTimeoutMs: 5_000, logger: pino({ level: 'warn' }), waitForConnectionMs: 5_000 });
    const events: TelephonyEvent[] = [];
    tel.onEvent((e) => events.push(e));
    try {
      // Local/600@lab-in answers and plays hello-world on its ;2 side (then hangs up); the ;1
      // side comes to our app, so what we record is that prompt.
      const { channelId } = await tel.originate({ endpoint: 'Local/600@lab-in', appArgs: 'rec' });
      await waitFor(() => events.find((e) => e.type === 'call.started' && e.channel.id === channelId), 10_000, 'StasisStart');
      await tel.answer(channelId);
      const name = `centralita-lab-${Date.now()}`;
      await tel.record(channelId, { name, format: 'wav', maxDurationSec: 3, ifExists: 'overwrite' });
      const finished = await waitFor(() => events.find((e) => e.type === 'recording.finished' && e.name === name), 15_000, 'recording finished');
      expect(finished).toBeTruthy();
      const file = await tel.storedRecordingFile!(name);
      expect(file?.contentType).toMatch(/wav/);
      const seconds = wavDurationSec(file!.data)!;
      // hello-world is ~1.5 s; the far end hangs up after it (the 3 s cap is not reached).
      expect(seconds).toBeGreaterThan(0.5);
      expect(seconds).toBeLessThan(3.5);
      expect(await tel.storedRecordingFile!(`${name}-missing`)).toBeUndefined();
      const store = localBlobStore(mkdtempSync(join(tmpdir(), 'centralita-lab-rec-')));
      await store.put(`${name}.wav`, file!.data, file!.contentType);
      const part = await store.get(`${name}.wav`, { start: 0, end: 11 });
      const chunks: Buffer[] = [];
      for await (const c of part!.body) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString('ascii', 0, 4)).toBe('RIFF');
      await fetch(`${ARI}/ari/recordings/stored/${name}`, { method: 'DELETE', headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` } });
      await tel.hangup(channelId).catch(() => {});
    } finally {
      await tel.close();
    }
  });
});
