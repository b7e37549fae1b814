// The narrow view of the channel core that the SIP-over-WebSocket layer (src/sim/sip) works
// through, like ami-core.ts for AMI: endpoints and their registrations, the auth objects,
// ringing a registered softphone, calls a softphone places, and what a far end does
// (hang up, press digits, hold). The SIP layer never edits channel state itself.
import type { Chan, Ctx, EndpointConfig, SipFarEnd } from './model.ts';
import type { ChannelObserver } from './observer.ts';
import { registerContact, unregisterContact } from './endpoints.ts';
import { farEndDtmf, farEndHangup, farEndHold, worldOps } from './world.ts';
import { hangup } from './lifecycle.ts';

export interface SipCore {
  addObserver(o: ChannelObserver): () => void;
  endpoint(resource: string): EndpointConfig | undefined;
  /** The auth object an endpoint's REGISTER is checked against (pushed over ARI or configured). */
  auth(id: string): { username: string; password: string } | undefined;
  setAuth(id: string, a: { username: string; password: string }): void;
  register(resource: string, uri: string, expiresSec: number): void;
  unregister(resource: string): void;
  /** The endpoint has a live contact (it may have expired in the core). */
  registered(resource: string): boolean;
  /** Which far ends the SIP layer rings itself (a registered softphone). */
  setFarEndDriver(f: (c: Chan) => SipFarEnd | undefined): void;
  /** A softphone's INVITE: a channel on PJSIP/<resource> enters the endpoint's context at `to`. */
  placeCall(resource: string, to: string, callerName: string | undefined): Chan;
  channel(id: string): Chan | undefined;
  farEndHangup(c: Chan): void;
  farEndDtmf(c: Chan, digit: string, durationMs: number): void;
  farEndHold(c: Chan, on: boolean): void;
  /** The PBX side gives up on a channel (e.g. the softphone's transport went away). */
  hangup(c: Chan, cause: number): void;
}

export function sipCore(x: Ctx): SipCore {
  const world = worldOps(x);
  return {
    addObserver(o) {
      x.observers.push(o);
      return () => { x.observers = x.observers.filter((y) => y !== o); };
    },
    endpoint: (resource) => x.endpoints.get(`PJSIP/${resource}`),
    auth: (id) => x.sipAuths.get(id),
    setAuth: (id, a) => void x.sipAuths.set(id, a),
    register: (resource, uri, expiresSec) => registerContact(x, `PJSIP/${resource}`, uri, expiresSec),
    unregister: (resource) => unregisterContact(x, `PJSIP/${resource}`),
    registered: (resource) => x.contacts.has(`PJSIP/${resource}`),
    setFarEndDriver(f) { x.sipFarEnd = f; },
    placeCall(resource, to, callerName) {
      const e = x.endpoints.get(`PJSIP/${resource}`);
      const id = world.placeCall({ from: resource, to, endpoint: `PJSIP/${resource}`, context: e?.context ?? 'default', callerName: callerName ?? resource });
      return x.channels.get(id)!;
    },
    channel: (id) => x.channels.get(id),
    farEndHangup: (c) => farEndHangup(x, c),
    farEndDtmf: (c, d, ms) => farEndDtmf(x, c, d, ms),
    farEndHold: (c, on) => farEndHold(x, c, on),
    hangup(c, cause) {
      if (!c.alive || c.dying) return;
      hangup(x, c, { cause }, cause);
    },
  };
}
