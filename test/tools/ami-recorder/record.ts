// Records what a real Asterisk's manager says during the AMI scenarios (desk-phone call, app_queue
// call, outbound call, a call through Stasis, the queue and call-control actions), as JSON lines
// `{t, who, msg}` in test/fixtures/ami-traces/, for the simulator's conformance test. Lab only:
//   node test/tools/ami-recorder/record.ts   (lab running with test/asterisk/ami/lab config)
import { mkdirSync, writeFileSync } from 'node:fs';
import WebSocket from 'ws';
import { createAmiClient, type AmiClient } from '../../../src/telephony/ami/client.ts';
import type { AmiMessage } from '../../../src/telephony/ami/protocol.ts';
import { createLogger } from '../../../src/logger.ts';
import { runSipp, uacScenario, uasScenario } from '../../asterisk/ami/lab/sipp.ts';

const log = createLogger({ level: 'warn' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PBX = '127.0.0.1:5060';
const out = 'test/fixtures/ami-traces';
mkdirSync(out, { recursive: true });

async function client(user: string, secret: string, sink: (m: AmiMessage) => void): Promise<AmiClient> {
  const c = createAmiClient({ host: '127.0.0.1', port: 5038, username: user, secret, logger: log, pingIntervalMs: 0 });
  c.onEvent(sink);
  await c.start(5000);
  return c;
}

async function scenario(name: string, run: (ctl: AmiClient, note: (what: string, m: unknown) => void) => Promise<void>) {
  const lines: string[] = [];
  const t0 = Date.now();
  const rec = (who: string) => (m: AmiMessage) => lines.push(JSON.stringify({ t: Date.now() - t0, who, msg: m }));
  const all = await client('lab', 'lab', rec('all'));
  const app = await client('centralita', 'ct-ami-secret', rec('centralita'));
  const note = (what: string, m: unknown) => lines.push(JSON.stringify({ t: Date.now() - t0, who: 'action', what, msg: m }));
  try {
    await run(app, note);
  } finally {
    await sleep(1500);
    await all.close();
    await app.close();
    writeFileSync(`${out}/${name}.jsonl`, lines.join('\n') + '\n');
    process.stdout.write(`${name}: ${lines.length} messages\n`);
  }
}

const only = process.argv.slice(2);
const want = (n: string) => only.length === 0 || only.includes(n);

if (want('desk-to-desk')) await scenario('desk-to-desk', async () => {
  const uas = runSipp({ scenario: uasScenario({ answerAfterMs: 1000, hangupAfterMs: 30_000 }), port: 5142, name: 'p3102', pbx: PBX });
  await sleep(300);
  const uac = runSipp({ scenario: uacScenario({ fromUser: '3101', hangupAfterMs: 3000 }), port: 5141, name: 'p3101', pbx: PBX, service: '3102' });
  await uac.done;
  await uas.stop();
});

if (want('queue-answered')) await scenario('queue-answered', async () => {
  const agent = runSipp({ scenario: uasScenario({ answerAfterMs: 1500, hangupAfterMs: 4000 }), port: 5143, name: 'p3103', pbx: PBX });
  // 3104 rings and never answers within the queue timeout: it is cancelled when 3103 answers.
  const other = runSipp({ scenario: uasScenario({ answerAfterMs: 60_000, hangupAfterMs: 1000 }), port: 5144, name: 'p3104', pbx: PBX });
  await sleep(300);
  const caller = runSipp({ scenario: uacScenario({ fromUser: 'amitrunk', pai: '3001234567', displayName: 'Cliente', hangupAfterMs: 20_000 }), port: 5146, name: 'carrier-in', pbx: PBX, service: '6015550400' });
  await agent.done;
  await caller.stop();
  await other.stop();
});

if (want('queue-abandoned')) await scenario('queue-abandoned', async () => {
  const a = runSipp({ scenario: uasScenario({ answerAfterMs: 60_000, hangupAfterMs: 1000 }), port: 5143, name: 'p3103', pbx: PBX });
  const b = runSipp({ scenario: uasScenario({ answerAfterMs: 60_000, hangupAfterMs: 1000 }), port: 5144, name: 'p3104', pbx: PBX });
  await sleep(300);
  const caller = runSipp({ scenario: uacScenario({ fromUser: 'amitrunk', pai: '3001234568', hangupAfterMs: 4000 }), port: 5146, name: 'carrier-in', pbx: PBX, service: '6015550400' });
  await caller.done;
  await sleep(500);
  await a.stop();
  await b.stop();
});

if (want('outbound')) await scenario('outbound', async () => {
  const carrier = runSipp({ scenario: uasScenario({ answerAfterMs: 800, hangupAfterMs: 30_000 }), port: 5145, name: 'carrier', pbx: PBX });
  await sleep(300);
  const phone = runSipp({ scenario: uacScenario({ fromUser: '3101', hangupAfterMs: 3000 }), port: 5141, name: 'p3101', pbx: PBX, service: '3005550123' });
  await phone.done;
  await carrier.stop();
});

if (want('stasis')) await scenario('stasis', async () => {
  // A stand-in for the app: answers the call in Stasis, waits, hangs up.
  const ws = new WebSocket('ws://127.0.0.1:8088/ari/events?app=centralita&api_key=lab:lab');
  await new Promise((r) => ws.on('open', r));
  ws.on('message', (d: WebSocket.RawData) => {
    const e = JSON.parse(d.toString()) as { type: string; channel?: { id: string } };
    if (e.type === 'StasisStart' && e.channel) {
      const id = e.channel.id;
      void fetch(`http://127.0.0.1:8088/ari/channels/${id}/answer?api_key=lab:lab`, { method: 'POST' });
      setTimeout(() => void fetch(`http://127.0.0.1:8088/ari/channels/${id}?api_key=lab:lab`, { method: 'DELETE' }), 2000);
    }
  });
  const caller = runSipp({ scenario: uacScenario({ fromUser: 'amitrunk', pai: '3001234569', hangupAfterMs: 20_000 }), port: 5146, name: 'carrier-in', pbx: PBX, service: '6015550100' });
  await caller.done;
  ws.close();
});

if (want('actions')) await scenario('actions', async (ctl, note) => {
  const tryA = async (what: string, f: () => Promise<unknown>) => { try { note(what, await f()); } catch (e) { note(what, { error: (e as Error).message, code: (e as { code?: string }).code }); } };
  await tryA('QueueStatus', () => ctl.list('QueueStatus', { Queue: '400' }));
  await tryA('QueueSummary', () => ctl.list('QueueSummary', { Queue: '400' }));
  await tryA('QueuePause', () => ctl.action('QueuePause', { Interface: 'PJSIP/3103', Paused: 'true', Queue: '400', Reason: 'lunch' }));
  await tryA('QueueStatus paused', () => ctl.list('QueueStatus', { Queue: '400', Member: 'PJSIP/3103' }));
  await tryA('QueuePause unpause', () => ctl.action('QueuePause', { Interface: 'PJSIP/3103', Paused: 'false', Queue: '400' }));
  await tryA('QueuePause unknown', () => ctl.action('QueuePause', { Interface: 'PJSIP/9999', Paused: 'true' }));
  await tryA('QueueAdd', () => ctl.action('QueueAdd', { Queue: '400', Interface: 'PJSIP/3102', MemberName: 'Agent 3102', Penalty: 1, Paused: 'false' }));
  await tryA('QueueAdd again', () => ctl.action('QueueAdd', { Queue: '400', Interface: 'PJSIP/3102' }));
  await tryA('QueueRemove', () => ctl.action('QueueRemove', { Queue: '400', Interface: 'PJSIP/3102' }));
  await tryA('QueueRemove static', () => ctl.action('QueueRemove', { Queue: '400', Interface: 'PJSIP/3103' }));
  await tryA('QueueRemove unknown queue', () => ctl.action('QueueRemove', { Queue: 'nope', Interface: 'PJSIP/3103' }));
  await tryA('Status empty', () => ctl.list('Status', {}));
  await tryA('CoreShowChannels', () => ctl.list('CoreShowChannels', {}));
  await tryA('Hangup unknown', () => ctl.action('Hangup', { Channel: 'PJSIP/3101-000000ff' }));
  await tryA('Unknown action', () => ctl.action('NoSuchAction', {}));
  // Click-to-call: the agent's phone rings, answers, then the customer is dialled.
  const phone = runSipp({ scenario: uasScenario({ answerAfterMs: 700, hangupAfterMs: 30_000 }), port: 5141, name: 'p3101', pbx: PBX });
  const carrier = runSipp({ scenario: uasScenario({ answerAfterMs: 700, hangupAfterMs: 30_000 }), port: 5145, name: 'carrier', pbx: PBX });
  await sleep(300);
  await tryA('Originate', () => ctl.action('Originate', { Channel: 'PJSIP/3101', Context: 'from-internal', Exten: '3005550199', Priority: 1, CallerID: '"Click to call" <3005550199>', Timeout: 20000, Async: 'true', ChannelId: 'c2c-rec-1', Variable: ['CENTRALITA_C2C=1'] }));
  await sleep(2500);
  await tryA('Status during', () => ctl.list('Status', {}));
  await tryA('MixMonitor', () => ctl.action('MixMonitor', { Channel: 'c2c-rec-1', File: 'c2c-rec-1.wav', Options: 'b' }));
  await sleep(1000);
  await tryA('StopMixMonitor', () => ctl.action('StopMixMonitor', { Channel: 'c2c-rec-1' }));
  await tryA('Hangup', () => ctl.action('Hangup', { Channel: 'c2c-rec-1', Cause: 16 }));
  await sleep(1000);
  await phone.stop();
  await carrier.stop();
  const limited = createAmiClient({ host: '127.0.0.1', port: 5038, username: 'ctlimited', secret: 'ct-limited', logger: log, pingIntervalMs: 0 });
  await limited.start(5000);
  await tryA('MixMonitor without system', () => limited.action('MixMonitor', { Channel: 'PJSIP/3101-00000000', File: 'x.wav' }));
  await limited.close();
  const bad = createAmiClient({ host: '127.0.0.1', port: 5038, username: 'centralita', secret: 'wrong', logger: log, pingIntervalMs: 0 });
  bad.onConnection((e) => note('bad login connection', e));
  await bad.start(2500);
  await bad.close();
});
if (want('restart')) await scenario('restart', async (_ctl, note) => {
  // A call is up when Asterisk restarts (`core restart now`): what reaches AMI before the socket goes.
  const uas = runSipp({ scenario: uasScenario({ answerAfterMs: 500, hangupAfterMs: 30_000 }), port: 5142, name: 'p3102', pbx: PBX });
  await sleep(300);
  const uac = runSipp({ scenario: uacScenario({ fromUser: '3101', hangupAfterMs: 30_000 }), port: 5141, name: 'p3101', pbx: PBX, service: '3102' });
  await sleep(2500);
  const { execSync } = await import('node:child_process');
  note('core restart now', execSync("sh ../shared/asterisk-lab/lab.sh cli 'core restart now'").toString());
  await sleep(8000);
  await uac.stop();
  await uas.stop();
});
process.exit(0);
