// The PBX the AMI scenarios run on, behind one small interface: `sim` (the simulated PBX with
// its AMI port, in this process) or `lab` (the real Asterisk lab: sipp desk phones, an
// app_queue queue and a carrier, installed by ./lab/install.ts). The app under test connects
// to either the same way: ARI_URL + AMI_HOST. A scenario never knows which one it runs on.
import { startSimulator, type Simulator } from '../../../src/sim/index.ts';
import { AMI_EVENTFILTERS, AMI_READ, AMI_WRITE } from '../../../src/telephony/ami/filters.ts';
import type { LabAmiSettings } from './settings.ts';
import { createLabAmiDriver } from './lab/driver.ts';

export interface Extensions {
  /** Desk phones: the caller of desk-to-desk and outbound calls, its callee, the queue's answering agent. */
  caller: string; callee: string; agent: string;
  /** DIDs: FreePBX queue 400, and one handed to Stasis(centralita). */
  queueDid: string; stasisDid: string;
}

export interface AmiDriver {
  readonly name: 'sim' | 'lab';
  readonly ext: Extensions;
  /** Scales the scenarios' waits (real SIP phones and a real PBX take real time). */
  readonly slow: number;
  /** What the app connects to. */
  env(): Record<string, string>;
  start(): Promise<void>;
  close(): Promise<void>;
  /** A desk phone calls another; the callee answers after `answerAfterMs`; the caller hangs up after `talkMs`. */
  deskCall(o: { answerAfterMs: number; talkMs: number }): Promise<void>;
  /** A customer calls the queue DID; the agent answers after `answerAfterMs` and hangs up after `talkMs`. */
  queueCall(o: { from: string; answerAfterMs: number; talkMs: number }): Promise<void>;
  /** The caller's desk phone dials `number` out through the trunk; the far end answers; the phone hangs up after `talkMs`. */
  outboundCall(o: { number: string; talkMs: number }): Promise<void>;
  /** A customer calls the Stasis DID and hangs up after `talkMs`. */
  stasisCall(o: { from: string; talkMs: number }): Promise<void>;
  /** Desk phone behaviour for click-to-call: the caller's phone answers, the far end answers. */
  armClickToCall(o: { talkMs: number }): Promise<void>;
  /** The PBX restarts while calls are up (their end is reported, or lost, as the PBX does). */
  restart(): Promise<void>;
  /** Waits for the phones of the last scenario to finish. */
  settle(): Promise<void>;
}

const AMI_USER = 'centralita';
const AMI_SECRET = 'ct-ami-test-secret';

export function createSimAmiDriver(): AmiDriver {
  let sim: Simulator | undefined;
  let ports: { ari: number; ami: number } | undefined;
  const ext: Extensions = { caller: '1001', callee: '1002', agent: '1006', queueDid: '6015550400', stasisDid: '6015550100' };
  const boot = async () => {
    sim = await startSimulator({
      user: 'ct-ari', password: 'ct-ari-secret', soundsDir: 'sounds', app: 'centralita', port: ports?.ari ?? 0,
      ami: { port: ports?.ami ?? 0, users: [{ username: AMI_USER, secret: AMI_SECRET, read: [...AMI_READ], write: [...AMI_WRITE], eventfilter: [...AMI_EVENTFILTERS], permit: ['127.0.0.1/32'] }] },
    });
    ports = { ari: Number(new URL(sim.url).port), ami: sim.ami!.port };
    // Phones nobody talks to in a scenario never answer (the queue rings them all).
    for (const e of ['1007', '1008']) sim.control.setEndpointBehavior('PJSIP', e, { behavior: 'noanswer' });
  };
  const s = () => sim!;
  return {
    name: 'sim', ext, slow: 1,
    env: () => ({ ARI_URL: s().url, ARI_USER: 'ct-ari', ARI_PASSWORD: 'ct-ari-secret', AMI_HOST: '127.0.0.1', AMI_PORT: String(ports!.ami), AMI_USER, AMI_SECRET }),
    start: boot,
    async close() { await sim?.close(); sim = undefined; },
    async deskCall(o) {
      s().control.setEndpointBehavior('PJSIP', ext.callee, { behavior: 'answer', afterMs: o.answerAfterMs });
      s().control.placeCall({ from: ext.caller, to: ext.callee, endpoint: `PJSIP/${ext.caller}`, context: 'from-internal', script: { hangupAfterMs: o.talkMs } });
    },
    async queueCall(o) {
      s().control.setEndpointBehavior('PJSIP', ext.agent, { behavior: 'answer', afterMs: o.answerAfterMs, hangupAfterMs: o.talkMs });
      s().control.placeCall({ from: o.from, to: ext.queueDid });
    },
    async outboundCall(o) {
      s().control.setNumberBehavior(o.number, { behavior: 'answer', afterMs: 800 });
      s().control.placeCall({ from: ext.caller, to: o.number, endpoint: `PJSIP/${ext.caller}`, context: 'from-internal', script: { hangupAfterMs: o.talkMs } });
    },
    async stasisCall(o) {
      s().control.placeCall({ from: o.from, to: ext.stasisDid, script: { hangupAfterMs: o.talkMs } });
    },
    async armClickToCall(o) {
      s().control.setEndpointBehavior('PJSIP', ext.caller, { behavior: 'answer', afterMs: 500, hangupAfterMs: o.talkMs });
    },
    async restart() {
      // A crash, not a clean stop: the AMI sessions go first, so nothing of the calls' end is reported.
      s().ami!.server.dropSessions();
      await s().close();
      sim = undefined;
      await boot();
    },
    async settle() {},
  };
}

export async function driverFor(target: 'sim' | 'lab', lab?: LabAmiSettings): Promise<AmiDriver> {
  return target === 'lab' ? createLabAmiDriver(lab!) : createSimAmiDriver();
}
