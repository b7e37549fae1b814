// Browser softphone credentials, issued by the app per agent and never typed by the agent: a
// fresh random password for the agent's PJSIP endpoint is pushed to Asterisk as a res_pjsip
// auth object (ARI dynamic configuration) and handed to the agent's console, which registers
// with JsSIP over WSS. Each issue rotates the password, so a credential copied out of one
// browser stops working at the next sign-in. The endpoint's events are subscribed first, so
// the ACD hears the registration come and go (an unregistered agent is not offered calls).
import { randomBytes } from 'node:crypto';
import { CentralitaError } from '../errors.ts';

export interface SoftphoneCredentials {
  /** Where JsSIP opens its WebSocket (subprotocol sip). */
  wsUrl: string;
  /** The AOR the softphone registers: sip:<endpoint>@<domain>. */
  uri: string;
  authorizationUser: string;
  password: string;
  displayName: string;
  /** PJSIP/<name> (what the ACD rings). */
  endpoint: string;
  /** Seconds JsSIP asks for in REGISTER (it re-registers before expiry). */
  registerExpires: number;
}

/** What the PBX side must do for a credential: Asterisk over ARI, in domain terms. */
export interface SoftphonePbx {
  setSipAuth(id: string, username: string, password: string): Promise<void>;
  subscribeEndpoint(endpoint: string): Promise<void>;
  sipEndpointConfig(name: string): Promise<Record<string, string> | undefined>;
}

/** pjsip.conf `webrtc = yes` (or DTLS media, which only WebRTC endpoints use): a browser may register it. */
export function isWebrtcEndpoint(cfg: Record<string, string>): boolean {
  return /^(yes|true|on|1)$/i.test(cfg.webrtc ?? '') || cfg.media_encryption === 'dtls';
}

export interface SoftphoneService {
  issue(agentId: string): Promise<SoftphoneCredentials>;
}

export class SoftphoneError extends CentralitaError {}

export function createSoftphoneService(o: {
  pbx: SoftphonePbx;
  wsUrl: string;
  /** SIP domain of the AOR URIs; default the WebSocket URL's host. */
  domain?: string;
  agent(id: string): { name?: string; endpoint: string } | undefined;
  /** Every issued password is registered here so logs scrub it. */
  secret?(value: string): void;
}): SoftphoneService {
  const domain = o.domain ?? new URL(o.wsUrl).hostname;
  return {
    async issue(agentId) {
      const a = o.agent(agentId);
      if (!a) throw new SoftphoneError('SOFTPHONE_UNKNOWN_AGENT', `agent ${agentId} is not in any queue`);
      const m = /^PJSIP\/([A-Za-z0-9_.-]+)$/.exec(a.endpoint);
      if (!m) throw new SoftphoneError('SOFTPHONE_NOT_PJSIP', `agent ${agentId} rings ${a.endpoint}; a browser softphone needs a PJSIP endpoint (PJSIP/<name>)`);
      const name = m[1]!;
      // A desk phone's endpoint stays the desk phone's: only a WebRTC endpoint gets browser credentials.
      const cfg = await o.pbx.sipEndpointConfig(name);
      if (!cfg) throw new SoftphoneError('SOFTPHONE_NO_ENDPOINT', `the PBX has no PJSIP endpoint ${name}`);
      if (!isWebrtcEndpoint(cfg)) throw new SoftphoneError('SOFTPHONE_NOT_WEBRTC', `${a.endpoint} is a desk phone (no webrtc=yes): calls ring there, not in the browser`);
      const password = randomBytes(18).toString('base64url');
      o.secret?.(password);
      await o.pbx.subscribeEndpoint(a.endpoint);
      // The auth object is named like the endpoint (`auth = <name>` in the WebRTC template).
      await o.pbx.setSipAuth(name, name, password);
      return { wsUrl: o.wsUrl, uri: `sip:${name}@${domain}`, authorizationUser: name, password, displayName: a.name ?? agentId, endpoint: a.endpoint, registerExpires: 300 };
    },
  };
}
