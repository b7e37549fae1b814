// The softphone's PBX side on a real Asterisk (the lab): the app reads the endpoint's sorcery
// config over ARI (webrtc=yes vs a desk phone), pushes the credentials it issues as a res_pjsip
// auth object (sorcery `auth=memory`, dialplan/sorcery_centralita.conf), a SIP-over-WebSocket
// phone registers with them on /ws, the endpoint goes online with the events the ACD listens
// to, a rotated password is refused, and closing the WebSocket removes the contact at once.
// Both the ari-client and the lean HTTP transports (media, DTLS-SRTP with Chromium: media.test.ts).
// Needs the lab with test/asterisk/softphone/lab-setup.sh applied and
// TEST_ASTERISK_ARI_URL set (e.g. http://127.0.0.1:8088); skipped with one line otherwise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAriTelephony, type AriTelephony } from '../../../src/telephony/ari/adapter.ts';
import { createLogger } from '../../../src/logger.ts';
import { createSoftphoneService, isWebrtcEndpoint } from '../../../src/softphone/service.ts';
import type { TelephonyEvent } from '../../../src/telephony/port.ts';
import { SipPhone } from '../../helpers/sip-phone.ts';
import { waitFor } from '../../helpers/wait.ts';

const ARI = process.env.TEST_ASTERISK_ARI_URL?.replace(/\/+$/, '').replace(/\/ari$/, '');
const ADMIN = { user: process.env.TEST_ASTERISK_ARI_USER ?? 'lab', password: process.env.TEST_ASTERISK_ARI_PASSWORD ?? 'lab' };

async function readiness(): Promise<string | undefined> {
  if (!ARI) return 'TEST_ASTERISK_ARI_URL is not set';
  try {
    const r = await fetch(`${ARI}/ari/endpoints/PJSIP/agent-lab`, { headers: { authorization: `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64')}` } });
    if (r.status !== 200) return 'PJSIP/agent-lab is missing: apply test/asterisk/softphone/lab-setup.sh to the lab';
  } catch (err) { return `no Asterisk at ${ARI} (${(err as Error).message})`; }
  return undefined;
}
const skip = await readiness();
if (skip) console.log(`SKIPPED test/asterisk/softphone (softphone registration on a real Asterisk): ${skip}`);

describe.skipIf(Boolean(skip)).each(['ari-client', 'http'] as const)('softphone credentials and registration on Asterisk (%s)', (rest) => {
  let tel: AriTelephony;
  const events: TelephonyEvent[] = [];
  const phones: SipPhone[] = [];
  beforeAll(async () => {
    tel = await createAriTelephony({ url: ARI!, user: ADMIN.user, password: ADMIN.password, app: `centralita-softphone-${rest}`, requestTimeoutMs: 5000, rest, logger: createLogger({ level: 'silent' }), waitForConnectionMs: 5000 });
    tel.onEvent((e) => events.push(e));
  });
  afterAll(async () => {
    for (const p of phones) await p.close();
    await tel?.close();
  });

  it('issues credentials for the WebRTC endpoint only, registers over /ws, rotates, and drops the contact with the socket', async () => {
    expect(isWebrtcEndpoint((await tel.sipEndpointConfig('agent-lab'))!)).toBe(true);
    expect(isWebrtcEndpoint((await tel.sipEndpointConfig('1001'))!)).toBe(false);
    expect(await tel.sipEndpointConfig('nobody-here')).toBeUndefined();

    const service = createSoftphoneService({ pbx: tel, wsUrl: `${ARI!.replace(/^http/, 'ws')}/ws`, agent: (id) => (id === 'lab' ? { name: 'Lab Agent', endpoint: 'PJSIP/agent-lab' } : id === 'desk' ? { endpoint: 'PJSIP/1001' } : undefined) });
    await expect(service.issue('desk')).rejects.toMatchObject({ code: 'SOFTPHONE_NOT_WEBRTC' });
    const first = await service.issue('lab');
    expect(first).toMatchObject({ uri: 'sip:agent-lab@127.0.0.1', authorizationUser: 'agent-lab', endpoint: 'PJSIP/agent-lab' });

    const phone = new SipPhone(first.wsUrl, first.authorizationUser, first.password);
    phones.push(phone);
    await phone.connect();
    const ok = await phone.register(first.registerExpires);
    expect(ok.status).toBe(200);
    // res_pjsip moves the endpoint state through stasis after the 200: not always by the time it is read.
    await waitFor(async () => (await tel.endpointState('PJSIP', 'agent-lab')) === 'online', 5000, 'PJSIP/agent-lab online');
    await waitFor(() => events.some((e) => e.type === 'endpoint.state' && e.resource === 'agent-lab' && e.state === 'online'), 5000, 'online event');

    // A new issue rotates the password: the old one is refused (a fresh challenge).
    const second = await service.issue('lab');
    expect(second.password).not.toBe(first.password);
    expect((await phone.register(first.registerExpires, first.password)).status).toBe(401);

    // The browser goes away: the WebSocket transport shuts down and the contact goes with it.
    await phone.close();
    await waitFor(async () => (await tel.endpointState('PJSIP', 'agent-lab')) === 'offline', 10_000, 'offline after the socket closed');
    await waitFor(() => events.some((e) => e.type === 'endpoint.state' && e.resource === 'agent-lab' && e.state === 'offline'), 5000, 'offline event');

    // The rotated credentials register a new socket.
    const again = new SipPhone(second.wsUrl, second.authorizationUser, second.password);
    phones.push(again);
    await again.connect();
    expect((await again.register(second.registerExpires)).status).toBe(200);
    await waitFor(async () => (await tel.endpointState('PJSIP', 'agent-lab')) === 'online', 5000, 'online again');
  });
});
