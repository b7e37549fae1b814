// What users do on the PBX beyond Stasis: click-to-call from a desk phone (the agent's phone
// rings first, then FreePBX dials the customer through its outbound routes), hang up a call
// (supervisor), start/stop a recording (MixMonitor), pause/unpause and log agents in/out of
// FreePBX queues. Every number the PBX is asked to dial passes the toll-fraud allow-list
// first; errors carry stable codes.
import { randomUUID } from 'node:crypto';
import { CentralitaError } from '../errors.ts';
import { nationalDigits, normalizeE164 } from '../domain/phone.ts';
import type { PbxManager } from '../telephony/pbx-port.ts';
import type { PbxCallLog } from './call-log.ts';
import { checkOriginate, type DialPolicy } from '../domain/dial-policy.ts';

export class PbxOperationError extends CentralitaError {}

export interface ClickToCallPolicy {
  /** Where the answered desk phone continues (FreePBX: from-internal, which has the outbound routes). */
  context: string;
  /** E.164 prefixes the app may make FreePBX dial (`+57`, `+1`); anything else is refused. */
  allowedPrefixes: readonly string[];
  defaultCountry: string;
  /** Desk phones: `PJSIP/{n}` with n an extension number. */
  endpointTemplate: string;
  ringTimeoutSec: number;
}

const EXTENSION = /^[0-9]{2,8}$/;
const INTERFACE = /^(PJSIP|SIP|Local|IAX2)\/[A-Za-z0-9@._-]{1,64}$/;

export interface PbxOperations {
  clickToCall(r: { extension: string; number: string; agentId?: string }): Promise<{ channelId: string; dialled: string }>;
  hangup(channel: string): Promise<void>;
  startRecording(channel: string): Promise<{ file: string }>;
  stopRecording(channel: string): Promise<void>;
  pause(iface: string, paused: boolean, o?: { queue?: string; reason?: string }): Promise<void>;
  login(queue: string, iface: string, o?: { memberName?: string; penalty?: number }): Promise<void>;
  logout(queue: string, iface: string): Promise<void>;
}

/** The number FreePBX is asked to dial: national digits for the home country, E.164 otherwise. */
export function dialFor(number: string, p: ClickToCallPolicy): { e164: string; dial: string } {
  const r = normalizeE164(number, p.defaultCountry);
  if (!r.ok) throw new PbxOperationError('PBX_NUMBER_INVALID', `${JSON.stringify(number)} is not a valid phone number`);
  if (!p.allowedPrefixes.some((pre) => r.e164.startsWith(pre))) throw new PbxOperationError('PBX_NUMBER_NOT_ALLOWED', `${r.e164} is outside the numbers the app may dial (PBX_DIAL_ALLOWED_PREFIXES)`);
  const national = nationalDigits(r.e164);
  return { e164: r.e164, dial: r.country === p.defaultCountry && national ? national : r.e164 };
}

export function createPbxOperations(o: { pbx: PbxManager; policy: ClickToCallPolicy; dial?: DialPolicy; calls?: PbxCallLog; now?: () => number }): PbxOperations {
  const now = o.now ?? Date.now;
  const channelArg = (c: string) => {
    if (!/^[A-Za-z0-9/@._;:-]{1,128}$/.test(c)) throw new PbxOperationError('PBX_CHANNEL_INVALID', 'a channel name or unique id');
    return c;
  };
  const ifaceArg = (i: string) => {
    if (!INTERFACE.test(i)) throw new PbxOperationError('PBX_INTERFACE_INVALID', 'a queue member interface such as PJSIP/1001');
    return i;
  };
  return {
    async clickToCall(r) {
      if (!EXTENSION.test(r.extension)) throw new PbxOperationError('PBX_EXTENSION_INVALID', 'the desk phone extension: 2 to 8 digits');
      const { e164, dial } = dialFor(r.number, o.policy);
      const endpoint = o.policy.endpointTemplate.replace('{n}', r.extension);
      // The desk phone must be one of the PBX's own endpoints in the app-wide allow-list (DIAL_INTERNAL_ENDPOINTS).
      if (o.dial) {
        const c = checkOriginate(o.dial, endpoint);
        if (!c.ok || c.kind !== 'internal') throw new PbxOperationError('PBX_ENDPOINT_NOT_ALLOWED', `${endpoint} is not an internal endpoint the app may ring (DIAL_INTERNAL_ENDPOINTS)`);
      }
      const channelId = `c2c-${randomUUID()}`;
      await o.pbx.originate({
        endpoint, context: o.policy.context, exten: dial, callerId: `"${e164}" <${e164}>`,
        channelId, timeoutSec: o.policy.ringTimeoutSec, variables: { CENTRALITA_C2C: r.agentId ?? r.extension },
      });
      return { channelId, dialled: dial };
    },
    hangup: (c) => o.pbx.hangup(channelArg(c)),
    async startRecording(c) {
      const file = `centralita-${channelArg(c).replace(/[^A-Za-z0-9._-]/g, '_')}-${now()}.wav`;
      await o.pbx.startRecording(c, file);
      o.calls?.noteRecordingForChannel(c, file, new Date(now()).toISOString());
      return { file };
    },
    stopRecording: (c) => o.pbx.stopRecording(channelArg(c)),
    pause: (i, paused, p) => o.pbx.queuePause(ifaceArg(i), paused, p),
    login: (q, i, p) => o.pbx.queueAdd(q, ifaceArg(i), p),
    logout: (q, i) => o.pbx.queueRemove(q, ifaceArg(i)),
  };
}
