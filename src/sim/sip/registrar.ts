// res_pjsip_registrar's part for softphones: REGISTER with digest auth (RFC 2617/3261 §22,
// realm "asterisk", checked by the `sip` package's digest helpers against the endpoint's auth
// object), contacts with their expiry, and a contact that goes when its WebSocket closes
// (Asterisk removes contacts of a reliable transport when the transport shuts down).
import digest, { type ServerContext } from 'sip/digest.js';
import type { SipMessage } from 'sip';
import type { SipCore } from '../sip-core.ts';
import { REASON, response, uriUser } from './wire.ts';

export const REALM = 'asterisk';
const MIN_EXPIRES = 60;
const MAX_EXPIRES = 7200;
const DEFAULT_EXPIRES = 3600;
/** pjsip `nonce_lifetime` (s): an older nonce is answered with a fresh challenge. */
const NONCE_LIFETIME_MS = 32_000;

export interface Registration { resource: string; contact: string; expiresSec: number }

export interface Registrar {
  handle(rq: SipMessage, conn: { id: string }): { reply: SipMessage; registered?: Registration; unregistered?: string };
  /** The connection closed: its contacts go. */
  dropConnection(connId: string): string[];
  /** resource -> connection id of the live registration. */
  connectionOf(resource: string): string | undefined;
  contactOf(resource: string): string | undefined;
  resources(): string[];
  counters: { challenges: number; rejected: number; registered: number; unregistered: number };
}

export function createRegistrar(core: SipCore, now: () => number): Registrar {
  const nonces = new Map<string, { ctx: ServerContext; at: number }>();
  const byResource = new Map<string, { conn: string; contact: string }>();
  const counters = { challenges: 0, rejected: 0, registered: 0, unregistered: 0 };

  const challenge = (rq: SipMessage, stale = false) => {
    counters.challenges++;
    // The package makes the nonce itself (it overwrites ctx.nonce), so it is stored after.
    const ctx: ServerContext = { realm: REALM, qop: 'auth' };
    const rs = response(rq, 401, REASON[401]!);
    digest.challenge(ctx, rs);
    for (const [n, v] of nonces) if (now() - v.at > NONCE_LIFETIME_MS * 4) nonces.delete(n);
    nonces.set(ctx.nonce!, { ctx, at: now() });
    if (stale) (rs.headers['www-authenticate'] as Record<string, unknown>[])[0]!.stale = 'true';
    // The `sip` package's challenge names no algorithm; say MD5 as Asterisk does.
    (rs.headers['www-authenticate'] as Record<string, unknown>[])[0]!.algorithm = 'MD5';
    return rs;
  };

  return {
    counters,
    connectionOf: (r) => (core.registered(r) ? byResource.get(r)?.conn : undefined),
    contactOf: (r) => byResource.get(r)?.contact,
    resources: () => [...byResource.keys()],
    handle(rq, conn) {
      const resource = uriUser(rq.headers.to?.uri);
      const ep = resource ? core.endpoint(resource) : undefined;
      // res_pjsip challenges an unknown endpoint too (its artificial endpoint), so names cannot be probed.
      if (!resource || !ep) { counters.rejected++; return { reply: challenge(rq) }; }
      const auth = core.auth(resource);
      const given = (rq.headers.authorization as Record<string, string>[] | undefined)?.find((a) => a.scheme?.toLowerCase() === 'digest');
      if (!given || !auth) return { reply: challenge(rq) };
      const nonce = given.nonce?.replace(/^"|"$/g, '');
      const known = nonce ? nonces.get(nonce) : undefined;
      if (!known || now() - known.at > NONCE_LIFETIME_MS) return { reply: challenge(rq, Boolean(known)) };
      const user = given.username?.replace(/^"|"$/g, '');
      // The package caches HA1 on the nonce's context: drop it so a rotated password counts at once.
      known.ctx.ha1 = undefined;
      if (user !== auth.username || !digest.authenticateRequest(known.ctx, rq, { user: auth.username, password: auth.password })) {
        counters.rejected++;
        // Asterisk answers a wrong password with a new challenge (and logs "Failed to authenticate").
        return { reply: challenge(rq) };
      }
      const contacts = rq.headers.contact;
      const headerExpires = rq.headers.expires !== undefined ? Number(rq.headers.expires) : undefined;
      if (contacts === undefined) {
        const cur = byResource.get(resource);
        return { reply: response(rq, 200, REASON[200]!, cur ? { headers: { contact: [{ uri: cur.contact, params: { expires: String(DEFAULT_EXPIRES) } }] } } : undefined) };
      }
      const list = contacts === '*' ? [] : contacts;
      const wanted = contacts === '*' ? 0 : Number(list[0]?.params.expires ?? headerExpires ?? DEFAULT_EXPIRES);
      if (wanted === 0) {
        const had = byResource.delete(resource);
        if (had) { core.unregister(resource); counters.unregistered++; }
        return { reply: response(rq, 200, REASON[200]!), unregistered: had ? resource : undefined };
      }
      if (!Number.isFinite(wanted) || wanted < MIN_EXPIRES) {
        return { reply: response(rq, 423, REASON[423]!, { headers: { 'min-expires': String(MIN_EXPIRES) } }) };
      }
      const expires = Math.min(wanted, MAX_EXPIRES);
      const contact = list[0]!.uri;
      byResource.set(resource, { conn: conn.id, contact });
      core.register(resource, contact, expires);
      counters.registered++;
      return {
        reply: response(rq, 200, REASON[200]!, { headers: { contact: [{ uri: contact, params: { expires: String(expires) } }], expires: String(expires), date: new Date(now()).toUTCString() } }),
        registered: { resource, contact, expiresSec: expires },
      };
    },
    dropConnection(connId) {
      const gone: string[] = [];
      for (const [r, v] of byResource) if (v.conn === connId) { byResource.delete(r); core.unregister(r); counters.unregistered++; gone.push(r); }
      return gone;
    },
  };
}
