/// <reference lib="dom" />
// The softphone flow on a real Asterisk (the lab): the agent console in Chromium (headless, fake
// microphone playing a 1 kHz tone) signs in, JsSIP registers PJSIP/agent-lab over WSS
// (Asterisk's HTTP server with TLS, lab-setup.sh), a sipp caller (PCMU, a 440 Hz tone streamed
// with sipp's rtp_stream) dials the scenarios' straight-to-queue DID, centralita's ACD offers the
// call to the browser, the agent answers, and the media is DTLS-SRTP over ICE both ways: the
// caller's tone is measured in the browser (RTP statistics' audio level), the agent's tone in
// Asterisk's recording of the conversation's bridge (a Goertzel filter at 1 kHz, beside the
// caller's 440 Hz). Needs the lab with test/asterisk/softphone/lab-setup.sh applied,
// TEST_ASTERISK_ARI_URL set and sipp; skipped with one line otherwise.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect } from 'node:net';
import alawmulaw from 'alawmulaw';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { labSettings } from '../settings.ts';
import { createLabDriver } from '../lab/driver.ts';
import type { PbxDriver } from '../driver.ts';
import { startApp, type AppUnderTest } from '../app.ts';
import { launchChromium, PASSWORD } from '../../browser/web-harness.ts';
import { createTestDatabase } from '../../helpers/db.ts';
import { waitFor } from '../../helpers/wait.ts';
import { toneSamples, toneWav } from '../../helpers/tone.ts';

const lab = labSettings();
const WSS = process.env.TEST_ASTERISK_WSS ?? 'wss://127.0.0.1:8089/ws';
const dir = mkdtempSync(join(tmpdir(), 'centralita-lab-softphone-'));

async function readiness(): Promise<string | undefined> {
  if (!lab) return 'TEST_ASTERISK_ARI_URL is not set';
  if (spawnSync('sipp', ['-v']).error) return 'sipp is not installed';
  try {
    const r = await fetch(`${lab.ariUrl}/ari/endpoints/PJSIP/agent-lab`, { headers: { authorization: `Basic ${Buffer.from(`${lab.ariUser}:${lab.ariPassword}`).toString('base64')}` } });
    if (r.status !== 200) return 'PJSIP/agent-lab is missing: apply test/asterisk/softphone/lab-setup.sh to the lab';
  } catch (err) { return `no Asterisk at ${lab.ariUrl} (${(err as Error).message})`; }
  const u = new URL(WSS);
  const tlsUp = await new Promise<boolean>((res) => {
    const s = connect({ host: u.hostname, port: Number(u.port || 443) }, () => { s.destroy(); res(true); });
    s.on('error', () => res(false));
  });
  return tlsUp ? undefined : `no TLS listener at ${u.host} (lab-setup.sh adds it to http.conf)`;
}
const skip = await readiness();
if (skip) console.log(`SKIPPED test/asterisk/softphone/media (Chromium softphone media on a real Asterisk): ${skip}`);

/** 16-bit PCM samples of a WAV file (the first `data` chunk). */
function wavSamples(b: Buffer): Int16Array {
  let i = 12;
  while (i + 8 <= b.length) {
    const id = b.toString('ascii', i, i + 4);
    const len = b.readUInt32LE(i + 4);
    if (id === 'data') return new Int16Array(b.buffer.slice(b.byteOffset + i + 8, b.byteOffset + i + 8 + (len & ~1)));
    i += 8 + len + (len & 1);
  }
  throw new Error('no data chunk');
}

/** dBFS of the `freq` component of `x` (Goertzel over the whole signal; a full-scale sine is 0 dBFS). */
export function toneDbfs(x: Int16Array, freq: number, rate = 8000): number {
  const k = 2 * Math.cos((2 * Math.PI * freq) / rate);
  let s1 = 0; let s2 = 0;
  for (const v of x) { const s = v / 32768 + k * s1 - s2; s2 = s1; s1 = s; }
  const power = s1 * s1 + s2 * s2 - k * s1 * s2;
  const amp = (2 * Math.sqrt(Math.max(power, 0))) / x.length;
  return 20 * Math.log10(Math.max(amp, 1e-9));
}

/** Raw µ-law of a tone, what sipp's rtp_stream sends as PCMU (payload 0), 160 bytes per 20 ms. */
function toneUlaw(path: string, freq: number, seconds: number): void {
  writeFileSync(path, alawmulaw.mulaw.encode(toneSamples(freq, seconds)));
}

/** The caller: INVITE as ct-caller (context ct-in → centralita-did) to the DID, PCMU, streams the tone until Asterisk hangs up. */
function callerScenario(tone: string, did: string): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="caller streaming a tone">
  <send retrans="500"><![CDATA[
INVITE sip:${did}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Cliente Lab" <sip:ct-caller@[local_ip]:[local_port]>;tag=[pid]ctc[call_number]
To: <sip:${did}@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:ct-caller@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [rtpstream_audio_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=sendrecv
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
ACK sip:${did}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Cliente Lab" <sip:ct-caller@[local_ip]:[local_port]>;tag=[pid]ctc[call_number]
To: <sip:${did}@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:ct-caller@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0
]]></send>
  <nop><action><exec rtp_stream="${tone},-1,0"/></action></nop>
  <recv request="BYE" timeout="120000"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>
  <pause milliseconds="300"/>
</scenario>
`;
}

describe.skipIf(Boolean(skip))('softphone in Chromium on a real Asterisk: WSS, DTLS-SRTP, an ACD call from sipp', () => {
  let driver: PbxDriver;
  let t: AppUnderTest;
  let browser: Browser;
  const sipFrames: string[] = [];

  beforeAll(async () => {
    driver = await createLabDriver(lab!);
    await driver.start();
    t = await startApp(driver, {
      redisUrl: inject('redisUrl'), db: 13, databaseUrl: await createTestDatabase('lab_softphone'),
      flowsDir: resolve(import.meta.dirname, 'flows'),
      env: { SOFTPHONE_WS_URL: WSS },
    });
    await t.app.auth.createUser({ username: 'labagent', password: PASSWORD, roles: ['agent'], agentId: 'lab', displayName: 'Lab Agent' });
    const mic = join(dir, 'mic-1k.wav');
    toneWav(mic, 1000, 2);
    browser = await launchChromium([
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${mic}`,
      '--autoplay-policy=no-user-gesture-required',
      // ICE with Asterisk on 127.0.0.1: loopback host candidates, real addresses (no mDNS names).
      '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns',
      // The lab's WSS certificate is self-signed (lab-setup.sh); production has a real one.
      '--ignore-certificate-errors',
    ]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await t?.stop();
    await driver?.close();
  }, 60_000);

  it('registers over WSS, answers the ACD offer, and the audio flows both ways (DTLS-SRTP)', async () => {
    const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 768 } });
    await ctx.grantPermissions(['microphone'], { origin: t.app.httpUrl });
    const page: Page = await ctx.newPage();
    page.on('websocket', (ws) => { if (ws.url().startsWith(WSS)) ws.on('framereceived', (f) => { if (typeof f.payload === 'string') sipFrames.push(f.payload); }); });
    await page.goto(`${t.app.httpUrl}/login`);
    await page.locator('input[name="username"]').fill('labagent');
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.locator('form button[type="submit"]').click();
    await page.waitForURL((u) => u.pathname === '/agent');
    await page.waitForSelector('[data-testid="softphone"][data-reg="registered"]', { timeout: 30_000 });
    await waitFor(async () => ((await fetch(`${lab!.ariUrl}/ari/endpoints/PJSIP/agent-lab`, { headers: { authorization: `Basic ${Buffer.from(`${lab!.ariUser}:${lab!.ariPassword}`).toString('base64')}` } }).then((r) => r.json())) as { state: string }).state === 'online', 10_000, 'PJSIP/agent-lab online');
    // startApp logs every agent in to the queues (as the other scenarios need); the console shows it.
    await page.waitForSelector('.statebar[data-state="available"]', { timeout: 20_000 });

    const tone = join(dir, 'caller-440.ulaw');
    toneUlaw(tone, 440, 4);
    const scenario = join(dir, 'caller.xml');
    writeFileSync(scenario, callerScenario(tone, '6015550300'));
    const sipp = spawn('sipp', ['-sf', scenario, `${lab!.sip.host}:${lab!.sip.port}`, '-i', '127.0.0.1', '-p', String(lab!.sippBasePort + 20), '-m', '1', '-nostdin', '-trace_err', '-error_file', join(dir, 'sipp-errors.log'), '-trace_msg', '-message_file', join(dir, 'sipp-messages.log')], { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
    const sippDone = new Promise<number | null>((res) => sipp.on('exit', (code) => res(code)));
    try {
      await page.waitForSelector('[data-testid="softphone"][data-call="ringing"]', { timeout: 40_000 });
      await page.waitForSelector('[data-testid="screen-pop"][data-state="ringing"]', { timeout: 15_000 });
      await page.getByRole('button', { name: 'Answer' }).click();
      await page.waitForSelector('[data-testid="softphone"][data-call="connected"]', { timeout: 20_000 });

      // The caller's tone in the browser: DTLS-SRTP decrypted, decoded, level from the RTP statistics.
      const rxLevel = async () => Number(await page.locator('[data-testid="rx-level"]').getAttribute('data-level'));
      await waitFor(async () => (await rxLevel()) > 0.05, 20_000, 'caller audio in the browser');
      const level = await rxLevel();
      const media = await page.evaluate(() => (window as unknown as { __softphoneStats?: unknown }).__softphoneStats ?? null).catch(() => null);
      console.log(`lab softphone: browser received audio level ${level.toFixed(3)}${media ? ` ${JSON.stringify(media)}` : ''}`);
      expect(level).toBeGreaterThan(0.05);
      await new Promise((r) => setTimeout(r, 4000)); // some seconds of conversation in the recording
      await page.getByRole('button', { name: 'Hang up' }).click();
      await page.waitForSelector('[data-testid="softphone"][data-call="idle"]', { timeout: 15_000 });
      expect(await Promise.race([sippDone, new Promise((r) => setTimeout(() => r('timeout'), 20_000))])).toBe(0);
    } finally {
      sipp.kill();
    }

    // What Asterisk sent the browser: DTLS-SRTP over ICE with its fingerprint, and who called.
    const invite = sipFrames.find((f) => f.startsWith('INVITE '))!;
    expect(invite).toBeDefined();
    console.log(`lab softphone: INVITE to the browser:\n${invite}`);
    // The agent's phone shows the caller: the ACD originates with the caller as originator, so
    // Asterisk copies the caller's id into the leg's connected line, which res_pjsip puts in From.
    expect(invite).toMatch(/^From: "Cliente Lab" <sip:ct-caller@/m);
    expect(invite).toMatch(/a=fingerprint:sha-256 /i);
    expect(invite).toMatch(/m=audio \d+ UDP\/TLS\/RTP\/SAVPF/);
    expect(invite).toMatch(/a=candidate:/);
    // ulaw offered first (dialplan/pjsip_centralita_webrtc.conf `allow = ulaw,opus`): the lab has
    // no codec_opus, and an Opus agent leg could not be bridged to the G.711 caller.
    expect(invite).toMatch(/m=audio \d+ UDP\/TLS\/RTP\/SAVPF 0 /);

    // The agent's tone at Asterisk: the bridge recording holds 1 kHz (agent) beside 440 Hz (caller).
    const rec = await waitFor(() => t.records.find((r) => r.recording?.name), 20_000, 'the call record with its recording');
    const auth = { authorization: `Basic ${Buffer.from(`${lab!.ariUser}:${lab!.ariPassword}`).toString('base64')}` };
    const wav = await waitFor(async () => { const r = await fetch(`${lab!.ariUrl}/ari/recordings/stored/${encodeURIComponent(rec.recording!.name)}/file`, { headers: auth }); return r.status === 200 ? Buffer.from(await r.arrayBuffer()) : undefined; }, 15_000, 'the bridge recording');
    const pcm = wavSamples(wav);
    const agent = toneDbfs(pcm, 1000);
    const caller = toneDbfs(pcm, 440);
    const off = toneDbfs(pcm, 2300);
    console.log(`lab softphone: bridge recording ${(pcm.length / 8000).toFixed(1)} s: 1 kHz (agent) ${agent.toFixed(1)} dBFS, 440 Hz (caller) ${caller.toFixed(1)} dBFS, 2.3 kHz (neither) ${off.toFixed(1)} dBFS`);
    expect(agent).toBeGreaterThan(off + 20);
    expect(caller).toBeGreaterThan(off + 20);
    expect(rec.agent).toMatchObject({ id: 'lab' });
    await ctx.close();
  });
});
