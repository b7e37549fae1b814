// Browser sign-in: the /login page, POST /api/session (sign in), GET (who am I), DELETE (sign
// out). Sessions live server-side (SessionStore); the cookie is a signed random id, http-only,
// SameSite=Strict, Secure over HTTPS. Sign-in is rate-limited per address and audited, refused
// attempts included.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AuthService } from '../auth/service.ts';
import type { AuditLog } from '../auth/ports.ts';
import { actorLabel } from '../auth/roles.ts';
import { publicRoute, requires } from './access.ts';

const signInBody = z.object({
  username: z.string().trim().min(1).max(64), password: z.string().min(1).max(256),
  /** Signing in inside another site's page (the HubSpot calling extension): a partitioned third-party cookie. */
  embedded: z.literal(true).optional(),
}).strict();
const ANY_SIGNED_IN = ['supervisor', 'agent', 'campaign-operator', 'service'] as const;

export interface SessionRoutesDeps {
  auth: AuthService;
  audit: AuditLog;
  now?: () => Date;
  signInPerMinute?: number;
  /** The web app's page (its own sign-in view, es/en) when it is built; else the minimal page below. */
  webPage?: () => { html: string; csp: string } | undefined;
}

export function registerSessionRoutes(app: FastifyInstance, d: SessionRoutesDeps): void {
  const now = d.now ?? (() => new Date());

  app.get('/login', { config: publicRoute('the sign-in page') }, async (_req, reply) => {
    const web = d.webPage?.();
    if (web) return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('content-security-policy', web.csp).send(web.html);
    return reply.type('text/html; charset=utf-8').send(signInPage(reply.cspNonce));
  });

  app.post('/api/session', {
    config: {
      access: { public: 'signing in', signIn: true },
      audit: { action: 'session.sign-in', manual: true },
      // Per address, loopback included: guessing passwords from the box itself is throttled too.
      rateLimit: { max: d.signInPerMinute ?? 10, timeWindow: 60_000, allowList: () => false },
    },
  }, async (req, reply) => {
    const b = signInBody.safeParse(req.body ?? {});
    if (!b.success) return reply.code(400).send({ error: 'BAD_REQUEST', message: 'body must be {"username": "…", "password": "…"}' });
    const user = await d.auth.signIn(b.data.username, b.data.password);
    const entry = { at: now().toISOString(), action: 'session.sign-in' };
    const detail = { ip: req.ip, requestId: req.id };
    if (!user) {
      await d.audit.append({ ...entry, actor: 'anonymous', target: `user:${b.data.username}`, detail: { ...detail, outcome: 'denied', status: 401, roles: [] } });
      return reply.code(401).send({ error: 'SIGN_IN_FAILED', message: 'wrong username or password' });
    }
    // A new session id at sign-in: a session id planted before cannot be promoted (fixation).
    await req.session.regenerate();
    // Inside app.hubspot.com's page a SameSite=Strict cookie is never sent: this session's cookie
    // is SameSite=None and Partitioned (CHIPS: kept only under the site that frames the app).
    // Writes still need a same-origin request (the CSRF check), whatever the cookie.
    if (b.data.embedded) req.session.options({ sameSite: 'none', partitioned: true });
    req.session.userId = user.id;
    req.session.signedInAt = now().getTime();
    const who = d.auth.identityOfUser(user);
    await d.audit.append({ ...entry, actor: actorLabel(who), target: `user:${user.username}`, detail: { ...detail, outcome: 'ok', status: 200, roles: [...who.roles] } });
    return { user: { username: user.username, displayName: user.displayName, roles: user.roles } };
  });

  app.get('/api/session', { config: requires(ANY_SIGNED_IN) }, async (req) => {
    const who = req.identity!;
    return { kind: who.kind, name: who.name, roles: who.roles, agentId: who.agentId, queues: who.queues };
  });

  app.delete('/api/session', { config: requires(ANY_SIGNED_IN, { audit: { action: 'session.sign-out' } }) }, async (req, reply) => {
    if (req.session?.userId) await req.session.destroy();
    return reply.code(200).send({ signedOut: true });
  });
}

function signInPage(nonce: { script: string; style: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>centralita — sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style nonce="${nonce.style}">
 body{font-family:system-ui,sans-serif;background:#f5f6f8;color:#1d2330;display:grid;place-items:center;min-height:100vh;margin:0}
 form{background:#fff;padding:1.5rem 2rem;border-radius:8px;box-shadow:0 1px 3px #0003;display:grid;gap:.7rem;min-width:280px}
 h1{font-size:1.2rem;margin:0 0 .3rem} label{display:grid;gap:.2rem;font-size:.85rem}
 input{font:inherit;padding:.4rem;border:1px solid #bbb;border-radius:4px} button{font:inherit;padding:.5rem;border:0;border-radius:4px;background:#1d2330;color:#fff;cursor:pointer}
 #error{color:#b00020;font-size:.85rem;min-height:1.1em}
</style></head>
<body>
<form id="signin">
 <h1>centralita</h1>
 <label>Username <input id="username" name="username" autocomplete="username" required></label>
 <label>Password <input id="password" name="password" type="password" autocomplete="current-password" required></label>
 <button type="submit">Sign in</button>
 <div id="error" role="alert"></div>
</form>
<script nonce="${nonce.script}">
const next = new URLSearchParams(location.search).get('next');
// Only a path on this site: never an absolute URL (open redirect).
const target = next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
document.getElementById('signin').addEventListener('submit', async (e) => {
  e.preventDefault();
  const err = document.getElementById('error'); err.textContent = '';
  const r = await fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: document.getElementById('username').value, password: document.getElementById('password').value }) });
  if (r.ok) { location.assign(target); return; }
  const body = await r.json().catch(() => ({}));
  err.textContent = r.status === 429 ? 'Too many attempts; wait a minute.' : (body.message || 'Sign-in failed');
});
</script></body></html>`;
}
