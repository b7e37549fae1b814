// Playing recordings over HTTP, with Range (browsers and HubSpot's player seek with it):
//   GET  /recordings/:name?token=…           the stable link HubSpot keeps (signed, revocable)
//   GET  /api/recordings/:name               catalogue entry + its current stable link
//   GET  /api/recordings/:name/audio         playback for signed-in users of the app
//   POST /api/recordings/:name/revoke-links  every link handed out so far stops working
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { publicRoute, requires, ROLES_FOR } from '../http/access.ts';
import type { RecordingLinks } from './links.ts';
import type { BlobStore, ByteRange, RecordingCatalog, RecordingEntry } from './ports.ts';

export interface RecordingRoutesDeps {
  catalog: RecordingCatalog;
  /** Stores by kind (`s3`, `local`): a recording is read from where it was written. */
  stores: Record<string, BlobStore>;
  links: RecordingLinks;
  now: () => number;
}

/** One `bytes=` range against `size` (multi-range requests get the whole file, which RFC 9110 allows). */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

const nameParams = z.object({ name: z.string().min(1).max(200).regex(/^[A-Za-z0-9._-]+$/, 'a recording name') });

export function registerRecordingRoutes(app: FastifyInstance, deps: RecordingRoutesDeps): void {
  async function serve(req: FastifyRequest, reply: FastifyReply, e: RecordingEntry) {
    if (e.deletedAt) return reply.code(410).send({ error: 'RECORDING_DELETED', message: `recording ${e.name} was deleted by the retention policy` });
    const store = deps.stores[e.storage];
    if (!store) return reply.code(503).send({ error: 'RECORDING_STORE_UNAVAILABLE', message: `recordings in ${e.storage} cannot be read by this process` });
    const range = parseRange(req.headers.range, e.bytes);
    if (range === 'unsatisfiable') return reply.code(416).header('content-range', `bytes */${e.bytes}`).send();
    const got = await store.get(e.key, range);
    if (!got) return reply.code(404).send({ error: 'RECORDING_MISSING', message: `recording ${e.name} is catalogued but its audio is missing` });
    reply.header('accept-ranges', 'bytes').header('content-type', e.contentType).header('cache-control', 'private, no-store');
    if (range) {
      reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${e.bytes}`).header('content-length', String(range.end - range.start + 1));
    } else {
      reply.header('content-length', String(e.bytes));
    }
    return reply.send(got.body);
  }

  const load = async (req: FastifyRequest, reply: FastifyReply): Promise<RecordingEntry | undefined> => {
    const p = nameParams.safeParse(req.params);
    if (!p.success) { await reply.code(400).send({ error: 'BAD_REQUEST', message: p.error.issues.map((i) => i.message).join('; ') }); return undefined; }
    const e = await deps.catalog.get(p.data.name);
    if (!e) { await reply.code(404).send({ error: 'RECORDING_NOT_FOUND', message: `no recording ${p.data.name} (not archived yet, or never made)` }); return undefined; }
    return e;
  };

  // The stable link: the token is the authorisation, checked on every fetch (and revocable).
  app.get('/recordings/:name', { config: publicRoute('stable recording link for HubSpot: authorised by its signed per-recording token, checked on every fetch and revocable') }, async (req, reply) => {
    const token = z.object({ token: z.string().min(1).max(64) }).safeParse(req.query ?? {});
    const p = nameParams.safeParse(req.params);
    // Same answer for a wrong token and an unknown recording: links cannot be probed.
    const denied = () => reply.code(403).send({ error: 'RECORDING_LINK_INVALID', message: 'this recording link is not valid (wrong, revoked or for a deleted recording)' });
    if (!token.success || !p.success) return denied();
    const e = await deps.catalog.get(p.data.name);
    if (!e || !deps.links.verify(e.name, e.linkVersion, token.data.token)) return denied();
    return serve(req, reply, e);
  });

  app.get('/api/recordings/:name', { config: requires(ROLES_FOR.recordings) }, async (req, reply) => {
    const e = await load(req, reply);
    if (!e) return reply;
    return { ...e, link: deps.links.url(e.name, e.linkVersion) ?? null };
  });

  app.get('/api/recordings/:name/audio', { config: requires(ROLES_FOR.recordings) }, async (req, reply) => {
    const e = await load(req, reply);
    if (!e) return reply;
    return serve(req, reply, e);
  });

  const recordingName = (req: FastifyRequest) => String((req.params as { name?: unknown }).name ?? '');
  const linkState = async (req: FastifyRequest) => {
    const e = await deps.catalog.get(recordingName(req)).catch(() => undefined);
    return e ? { linkVersion: e.linkVersion } : null;
  };
  app.post('/api/recordings/:name/revoke-links', {
    config: requires(ROLES_FOR.recordings, { audit: { action: 'recording.revoke-links', target: (req) => `recording:${recordingName(req)}`, snapshot: linkState } }),
  }, async (req, reply) => {
    const p = nameParams.safeParse(req.params);
    if (!p.success) return reply.code(400).send({ error: 'BAD_REQUEST', message: p.error.issues.map((i) => i.message).join('; ') });
    const e = await deps.catalog.revokeLinks(p.data.name, new Date(deps.now()).toISOString());
    if (!e) return reply.code(404).send({ error: 'RECORDING_NOT_FOUND', message: `no recording ${p.data.name}` });
    return { name: e.name, linkVersion: e.linkVersion, link: deps.links.url(e.name, e.linkVersion) ?? null };
  });
}
