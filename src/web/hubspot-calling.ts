// The HubSpot calling extension's page (/hubspot/calling): the console's calling view built as
// its own entry (web/hubspot.html), which HubSpot loads in an iframe on its own pages. It is the
// only page that may be framed, and only by HubSpot's origins (CSP frame-ancestors;
// X-Frame-Options is dropped since it cannot name another origin). The page carries no data and
// signs in by itself inside the frame, so it is public like the assets; every API call it makes
// goes through the same routes and roles as the console.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, RouteShorthandOptions } from 'fastify';

export const HUBSPOT_CALLING_PATH = '/hubspot/calling';
/** The iframe size to register in HubSpot's calling settings (the page is laid out for it). */
export const HUBSPOT_CALLING_SIZE = { width: 400, height: 600 } as const;

export function registerHubspotCallingPage(app: FastifyInstance, d: { distDir: string; csp: string; options: RouteShorthandOptions }): void {
  const file = join(d.distDir, 'hubspot.html');
  app.get(HUBSPOT_CALLING_PATH, d.options, async (_req, reply) => {
    if (!existsSync(file)) return reply.code(503).type('text/plain; charset=utf-8').send('The web app is not built: run `npm run build:web`.');
    reply.raw.removeHeader('x-frame-options'); // set by helmet on the raw response
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('content-security-policy', d.csp).send(readFileSync(file, 'utf8'));
  });
}
