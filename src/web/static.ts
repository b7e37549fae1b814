// Serves the built web app (web/dist): hashed assets under /assets/ (cacheable for a year,
// Brotli/gzip copies made at build time) and index.html for every page of the app, so a
// reload or a bookmarked /reports opens the right view. Without a build the pages answer 503
// with the command that builds it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, RouteShorthandOptions } from 'fastify';
import fastifyStatic from '@fastify/static';

/**
 * The pages' Content-Security-Policy: the built app has no inline script or style at all, so
 * scripts, styles and everything else come from this origin only (`'self'`, no nonce needed for
 * the module chunks Vite loads); no plugins, no framing (`frameAncestors`: only the HubSpot
 * calling extension's page names who may frame it), forms and requests to this origin.
 */
export function webCsp(o: { https: boolean; connect?: readonly string[]; frameAncestors?: readonly string[] }): string {
  return [
    // `connect`: the softphone's SIP WebSocket (the PBX's origin, not this one).
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'", ["connect-src 'self'", ...(o.connect ?? [])].join(' '), "media-src 'self'",
    "object-src 'none'", "base-uri 'self'", "form-action 'self'", `frame-ancestors ${o.frameAncestors?.length ? o.frameAncestors.join(' ') : "'none'"}`, ...(o.https ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

export interface WebAppDeps {
  distDir: string;
  /** The pages' CSP (replaces the API's nonce-based default for them). */
  csp: string;
  /** Page paths of the single-page app (each answers index.html). */
  pages: readonly string[];
  /** Route options (access declarations) for a page and for the assets. */
  pageOptions?: (path: string) => RouteShorthandOptions;
  assetOptions?: RouteShorthandOptions;
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>centralita</title></head>
<body><h1>The web app is not built</h1><p>Run <code>npm run build:web</code> (or <code>npm ci</code> then <code>npm run build:web</code>) and reload.</p></body></html>`;

export async function registerWebApp(app: FastifyInstance, d: WebAppDeps): Promise<{ built: boolean }> {
  const index = join(d.distDir, 'index.html');
  const built = existsSync(index);
  // serve: false — the plugin only adds reply.sendFile; the routes below declare their access.
  await app.register(fastifyStatic, { root: d.distDir, serve: false, preCompressed: true, decorateReply: true });
  // Read per request (400 bytes): a rebuild while the app runs is picked up at the next load.
  const page = () => readFileSync(index, 'utf8');

  for (const path of d.pages) {
    app.get(path, d.pageOptions?.(path) ?? {}, async (_req, reply) => {
      if (!built) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
      // Never cached: a new build's asset names must be picked up at the next load.
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('content-security-policy', d.csp).send(page());
    });
  }
  app.get('/assets/*', d.assetOptions ?? {}, async (req, reply) => {
    const rest = (req.params as { '*': string })['*'];
    if (!built || !/^[\w.-]+$/.test(rest)) return reply.code(404).send({ error: 'NOT_FOUND', message: 'no such asset' });
    // Names carry a content hash: a file never changes under its name.
    return reply.sendFile(join('assets', rest), { immutable: true, maxAge: 365 * 24 * 3600_000 });
  });
  return { built };
}
