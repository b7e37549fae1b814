// The AMI scenarios on the real Asterisk lab: desk phones and the carrier are sipp processes
// (./sipp.ts), the config of ./install.ts is installed for the run and restored after, and a
// restart is Asterisk's own `core restart now`.
import { exec } from 'node:child_process';
import { resolve } from 'node:path';
import type { AmiDriver, Extensions } from '../driver.ts';
import type { LabAmiSettings } from '../settings.ts';
import { waitFor } from '../../../helpers/wait.ts';
import { CARRIER_PORT, CARRIER_UAC_PORT, installAmi, PHONE_PORT } from './install.ts';
import { runSipp, uacScenario, uasScenario, type Sipp } from './sipp.ts';

const SECRET = 'ct-ami-lab-secret';

export function createLabAmiDriver(s: LabAmiSettings): AmiDriver {
  const ext: Extensions = { caller: '3101', callee: '3102', agent: '3103', queueDid: '6015550400', stasisDid: '6015550100' };
  const base = s.sippBasePort;
  let uninstall: (() => Promise<void>) | undefined;
  let running: Sipp[] = [];
  const cli = (command: string) => new Promise<string>((res, rej) => {
    exec(`${s.cli} '${command.replace(/'/g, "'\\''")}'`, { timeout: 30_000 }, (err, stdout, stderr) => (err ? rej(new Error(`${command}: ${stderr || err.message}`)) : res(stdout)));
  });
  const ariUp = async () => {
    try { return (await fetch(`${s.ariUrl}/ari/asterisk/ping`, { headers: { authorization: `Basic ${Buffer.from(`${s.ariUser}:${s.ariPassword}`).toString('base64')}` } })).status === 200; } catch { return false; }
  };
  const uas = (extension: string, answerAfterMs: number, hangupAfterMs: number) =>
    running.push(runSipp({ scenario: uasScenario({ answerAfterMs, hangupAfterMs }), port: PHONE_PORT(base, extension), name: `p${extension}`, pbx: s.sip }));
  const carrierUas = (answerAfterMs: number, hangupAfterMs: number) =>
    running.push(runSipp({ scenario: uasScenario({ answerAfterMs, hangupAfterMs }), port: CARRIER_PORT(base), name: 'carrier', pbx: s.sip }));
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  return {
    name: 'lab', ext, slow: 2,
    env: () => ({ ARI_URL: s.ariUrl, ARI_USER: s.ariUser, ARI_PASSWORD: s.ariPassword, AMI_HOST: s.ami.host, AMI_PORT: String(s.ami.port), AMI_USER: 'centralita', AMI_SECRET: SECRET }),
    async start() {
      await waitFor(ariUp, 30_000, 'real Asterisk ARI');
      uninstall ??= await installAmi({ etcDir: s.etcDir, repoDir: resolve('.'), secret: SECRET, sippBasePort: base, cli });
    },
    async close() {
      for (const p of running) await p.stop();
      running = [];
      if (await ariUp()) await uninstall?.();
      uninstall = undefined;
    },
    async deskCall(o) {
      uas(ext.callee, o.answerAfterMs, 60_000);
      await pause(300);
      running.push(runSipp({ scenario: uacScenario({ fromUser: ext.caller, hangupAfterMs: o.talkMs }), port: PHONE_PORT(base, ext.caller), name: `p${ext.caller}`, pbx: s.sip, service: ext.callee }));
    },
    async queueCall(o) {
      uas(ext.agent, o.answerAfterMs, o.talkMs);
      // The other member rings and never answers in time: cancelled when the agent answers.
      uas('3104', 120_000, 1000);
      await pause(300);
      running.push(runSipp({ scenario: uacScenario({ fromUser: 'amitrunk', pai: o.from, displayName: 'Cliente', hangupAfterMs: 60_000 }), port: CARRIER_UAC_PORT(base), name: 'carrier-in', pbx: s.sip, service: ext.queueDid }));
    },
    async outboundCall(o) {
      carrierUas(800, 60_000);
      await pause(300);
      running.push(runSipp({ scenario: uacScenario({ fromUser: ext.caller, hangupAfterMs: o.talkMs }), port: PHONE_PORT(base, ext.caller), name: `p${ext.caller}`, pbx: s.sip, service: o.number }));
    },
    async stasisCall(o) {
      running.push(runSipp({ scenario: uacScenario({ fromUser: 'amitrunk', pai: o.from, hangupAfterMs: o.talkMs }), port: CARRIER_UAC_PORT(base), name: 'carrier-in', pbx: s.sip, service: ext.stasisDid }));
    },
    async armClickToCall(o) {
      uas(ext.caller, 500, o.talkMs);
      carrierUas(700, 60_000);
      await pause(300);
    },
    async restart() {
      await cli('core restart now').catch(() => '');
      await waitFor(async () => ((await ariUp()) ? undefined : true), 20_000, 'Asterisk going down').catch(() => undefined);
      await waitFor(ariUp, 60_000, 'Asterisk back');
    },
    async settle() {
      await Promise.race([Promise.all(running.map((p) => p.done)), pause(30_000)]);
      for (const p of running) await p.stop();
      running = [];
    },
  };
}
