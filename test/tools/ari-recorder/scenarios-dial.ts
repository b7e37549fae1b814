// Recorder scenarios about dialling PJSIP phones: every reject reason, timeouts, a phone that
// never answers at SIP level, through each way the app dials (originate, create + dial, a
// Local pair whose dialplan runs Dial(), and Dial()'s own DIALSTATUS).
import { idOf, type Recorder } from './recorder.ts';

export interface Scenario {
  name: string;
  description: string;
  /** Extra simulator settings merged into the lab mirror. */
  sim?: Record<string, unknown>;
  run(r: Recorder): Promise<void>;
}

// SIP and RTP ports of the sipp phones (sipp binds RTP at -mp and the next ports).
const PHONE_PORT: Record<string, [number, number]> = { '1001': [5090, 6100], '1002': [5092, 6200] };

/** A sipp phone for PJSIP/<resource>, plus the same behaviour for the simulator. */
export async function phone(r: Recorder, resource: string, kind: 'answer' | 'ring' | 'reject' | 'hold', o: { code?: number; reason?: string; ringMs?: number; holdAfterMs?: number; holdMs?: number } = {}) {
  const [port, mediaPort] = PHONE_PORT[resource]!;
  const ringMs = o.ringMs ?? 1000;
  const args = ['-p', String(port), '-mp', String(mediaPort)];
  if (kind === 'reject') {
    r.world('endpoint', { tech: 'PJSIP', resource, behavior: { behavior: 'reject', sipStatus: o.code, afterMs: ringMs } });
    return r.sipp('uas_reject.xml', args, { code: o.code!, reason: o.reason!, ringms: ringMs });
  }
  if (kind === 'ring') {
    r.world('endpoint', { tech: 'PJSIP', resource, behavior: { behavior: 'noanswer' } });
    return r.sipp('uas_ring.xml', args);
  }
  if (kind === 'hold') {
    r.world('endpoint', { tech: 'PJSIP', resource, behavior: { behavior: 'answer', afterMs: ringMs, holdAfterMs: o.holdAfterMs, holdMs: o.holdMs } });
    return r.sipp('uas_answer_hold.xml', args, { ringms: ringMs, holdafter: o.holdAfterMs!, holdms: o.holdMs! });
  }
  r.world('endpoint', { tech: 'PJSIP', resource, behavior: { behavior: 'answer', afterMs: ringMs } });
  return r.sipp('uas_answer.xml', args, { ringms: ringMs });
}

const destroyed = (r: Recorder, id: string, ms = 20_000) => r.waitType('ChannelDestroyed', id, ms).catch(() => r.note(`no ChannelDestroyed for ${id}`));
const settle = (r: Recorder) => r.sleep(300);

/** The four ways the app dials a phone, one after the other, with `answerOf` setting up the phone each time. */
async function fourWays(r: Recorder, tag: string, timeout: number, setup: () => Promise<{ exited: Promise<number> }>): Promise<void> {
  await r.ws('rec-app');
  // 1. POST /channels to the phone.
  let p = await setup();
  await r.sleep(400);
  await r.rest('POST', '/channels', { endpoint: 'PJSIP/1001', app: 'rec-app', appArgs: 'direct', channelId: `${tag}-o`, timeout });
  await destroyed(r, `${tag}-o`);
  await p.exited;
  await settle(r);
  // 2. /channels/create, then /dial: the created channel stays in Stasis when the dial fails.
  p = await setup();
  await r.sleep(400);
  await r.rest('POST', '/channels/create', { endpoint: 'PJSIP/1001', app: 'rec-app', appArgs: 'created', channelId: `${tag}-c` });
  await r.waitType('StasisStart', `${tag}-c`);
  await r.rest('POST', `/channels/${tag}-c/dial`, { timeout });
  await p.exited;
  await r.sleep(800);
  await r.rest('GET', `/channels/${tag}-c`);
  await r.rest('DELETE', `/channels/${tag}-c`);
  await destroyed(r, `${tag}-c`, 5000);
  await settle(r);
  // 3. A Local pair whose ;2 runs Dial(PJSIP/1001,30) then Hangup(): which half carries the cause.
  p = await setup();
  await r.sleep(400);
  await r.rest('POST', '/channels', { endpoint: 'Local/1001@lab-in', app: 'rec-app', appArgs: 'local', channelId: `${tag}-l`, otherChannelId: `${tag}-l2`, timeout });
  await destroyed(r, `${tag}-l`);
  await p.exited;
  await settle(r);
  // 4. Dial() in the dialplan: DIALSTATUS and HANGUPCAUSE arrive as Stasis args of the ;2 half.
  p = await setup();
  await r.sleep(400);
  await r.rest('POST', '/channels', { endpoint: 'Local/dial1001@rec', app: 'rec-app', appArgs: 'via-dial', channelId: `${tag}-d`, otherChannelId: `${tag}-d2`, timeout: 20 });
  const st = await r.waitFor((e) => e.type === 'StasisStart' && idOf(e) === `${tag}-d2`, 20_000, 'after-dial').catch(() => undefined);
  if (st) await r.rest('DELETE', `/channels/${tag}-d2`);
  await destroyed(r, `${tag}-d`);
  await p.exited;
  await settle(r);
  await r.rest('GET', '/channels');
}

const REJECTS: [number, string][] = [[486, 'Busy Here'], [603, 'Decline'], [404, 'Not Found'], [503, 'Service Unavailable'], [480, 'Temporarily Unavailable']];

export const DIAL_SCENARIOS: Scenario[] = [
  ...REJECTS.map(([code, reason]): Scenario => ({
    name: `pjsip-reject-${code}`,
    description: `A PJSIP phone rings 1 s then answers ${code} ${reason}: originate, create + dial, a Local pair running Dial(), and Dial()'s DIALSTATUS/HANGUPCAUSE.`,
    run: (r) => fourWays(r, `r${code}`, 10, () => phone(r, '1001', 'reject', { code, reason, ringMs: 1000 })),
  })),
  {
    name: 'pjsip-ring-timeout',
    description: 'A PJSIP phone rings and never answers: originate/dial timeout 3 s, a Local pair with timeout 3 s, Dial(...,8).',
    run: (r) => fourWays(r, 'rt', 3, () => phone(r, '1001', 'ring')),
  },
  {
    name: 'pjsip-no-sip-response',
    description: 'PJSIP/1000 has a contact where nothing listens (no SIP response at all): originate timeout 3 s, create + dial timeout 3 s, then originate timeout 45 s (SIP transaction timeout).',
    run: async (r) => {
      r.world('endpoint', { tech: 'PJSIP', resource: '1000', behavior: { behavior: 'silent' } });
      await r.ws('rec-app');
      await r.rest('POST', '/channels', { endpoint: 'PJSIP/1000', app: 'rec-app', channelId: 'ns-o', timeout: 3 });
      await destroyed(r, 'ns-o');
      await settle(r);
      await r.rest('POST', '/channels/create', { endpoint: 'PJSIP/1000', app: 'rec-app', channelId: 'ns-c' });
      await r.waitType('StasisStart', 'ns-c');
      await r.rest('POST', '/channels/ns-c/dial', { timeout: 3 });
      await r.sleep(4000);
      await r.rest('GET', '/channels/ns-c');
      await r.rest('DELETE', '/channels/ns-c');
      await destroyed(r, 'ns-c', 5000);
      await r.rest('POST', '/channels', { endpoint: 'PJSIP/1000', app: 'rec-app', channelId: 'ns-long', timeout: 45 });
      await destroyed(r, 'ns-long', 50_000);
      await settle(r);
      await r.rest('GET', '/channels');
    },
  },
];
