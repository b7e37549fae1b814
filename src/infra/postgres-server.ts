// A private PostgreSQL (the Debian `postgresql` package's binaries) for the embedded default
// and the test setup, like redis-server.ts does for Redis: initdb once into a directory,
// then `postgres` on a free loopback port, TCP only, password auth. PostgreSQL refuses to
// run as root, so as root (CI, containers) the cluster belongs to the `postgres` system
// user and the server is spawned with its uid/gid.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { localServerHandle, ServerMissingError, startChildServer, type LocalServerHandle } from './child-server.ts';

export interface PostgresServerHandle extends LocalServerHandle {
  /** Superuser URL to the `postgres` maintenance database. */
  adminUrl: string;
  /** URL of `database` on this server (same credentials). */
  urlFor(database: string): string;
}

export class PostgresServerMissingError extends ServerMissingError<'POSTGRES_SERVER_MISSING'> {
  constructor() {
    super('POSTGRES_SERVER_MISSING', 'PostgreSQL server binaries (initdb, postgres) were not found on PATH or in /usr/lib/postgresql/*/bin and DATABASE_URL is not set. Install them with: sudo apt-get install -y postgresql (or set DATABASE_URL=postgres://user:pass@host:5432/centralita)');
  }
}

/** Where initdb/postgres live: PATH first, then Debian's versioned folder (newest first). */
export function findPostgresBin(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) return dir;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(base, v, 'bin', 'postgres'))) return join(base, v, 'bin');
  return undefined;
}

interface RunAs { uid: number; gid: number }

/** As root: the `postgres` system user (created by the Debian package). */
function runAsUser(): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root but there is no `postgres` user to own the database cluster (install the postgresql package, or run as a normal user)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export interface PostgresServerOptions {
  /** Cluster directory; created and initialised when empty. Unset = a temp dir removed on stop. */
  dir?: string;
  /** Tests: fsync and synchronous commit off (throwaway data, much faster). */
  durable?: boolean;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string | number>;
  user?: string;
  /** Directories at or below this one are ours: as root they may get o+x so the postgres user reaches the cluster. Default: `dir`. */
  ownedRoot?: string;
}

/**
 * As root the cluster belongs to the postgres user, who must traverse every ancestor.
 * Ancestors we own (DATA_DIR) get o+x (traverse, not list); if a foreign one blocks it
 * (e.g. /root is 0700) the cluster goes to /var/lib/centralita/<hash> instead.
 */
async function clusterDir(dir: string, runAs: RunAs | undefined, ownedRoot: string): Promise<string> {
  if (!runAs) return dir;
  const abs = resolve(dir);
  const owned = resolve(ownedRoot);
  const parts = abs.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const p = `/${parts.slice(0, i).join('/')}`;
    let st;
    try { st = await stat(p); } catch { break; } // not created yet: we create it below with the right mode
    const ok = (st.mode & 0o001) || (st.gid === runAs.gid && st.mode & 0o010) || (st.uid === runAs.uid && st.mode & 0o100);
    if (ok) continue;
    if (p === owned || p.startsWith(`${owned}/`)) {
      await chmod(p, (st.mode & 0o7777) | 0o001);
      continue;
    }
    const alt = join('/var/lib/centralita', createHash('sha256').update(abs).digest('hex').slice(0, 16));
    await mkdir(alt, { recursive: true, mode: 0o711 });
    return alt;
  }
  return dir;
}

/** Starts (initialising if needed) a private PostgreSQL on a free loopback port. */
export async function startPostgresServer(opts: PostgresServerOptions = {}): Promise<PostgresServerHandle> {
  const bin = findPostgresBin();
  if (!bin) throw new PostgresServerMissingError();
  const runAs = runAsUser();
  const ownsDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'centralita-pg-')));
  await mkdir(dir, { recursive: true });
  const cdir = await clusterDir(dir, runAs, opts.ownedRoot ?? dir);
  const pgdata = join(cdir, 'data');
  const pwFile = join(dir, 'password'); // owner-only, kept beside the cluster so restarts reuse it
  const user = opts.user ?? 'centralita';
  try {
    let password: string;
    if (!existsSync(join(pgdata, 'PG_VERSION'))) {
      password = randomBytes(18).toString('base64url');
      await writeFile(pwFile, password, { mode: 0o600 });
      await mkdir(pgdata, { recursive: true, mode: 0o700 });
      const init = join(cdir, 'initdb.pw');
      await writeFile(init, password, { mode: 0o600 });
      if (runAs) { await chown(pgdata, runAs.uid, runAs.gid); await chown(init, runAs.uid, runAs.gid); }
      const r = spawnSync(join(bin, 'initdb'), ['-D', pgdata, '-U', user, '--pwfile', init, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-instructions'], {
        encoding: 'utf8', ...(runAs ?? {}), cwd: '/',
      });
      await rm(init, { force: true });
      if (r.status !== 0) throw new Error(`initdb failed (${r.status}): ${(r.stderr || r.stdout || String(r.error)).trim()}`);
    } else {
      password = (await readFile(pwFile, 'utf8')).trim();
    }
    const server = await startChildServer({
      name: 'postgres',
      command: join(bin, 'postgres'),
      args: (port) => {
        const settings: Record<string, string | number> = {
          listen_addresses: '127.0.0.1', port, unix_socket_directories: '', max_connections: 200,
          shared_buffers: '128MB', logging_collector: 'off', log_min_messages: 'warning',
          ...(opts.durable === false ? { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } : {}),
          ...opts.settings,
        };
        return ['-D', pgdata, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
      },
      spawnAs: { ...(runAs ?? {}), cwd: '/' },
      readyTimeoutMs: 15_000,
      pollMs: 50,
      stopSignal: 'SIGINT', // "fast" shutdown: roll back open transactions, checkpoint, exit
      killAfterMs: 10_000,
    });
    const { port } = server;
    const enc = encodeURIComponent;
    const urlFor = (db: string) => `postgres://${enc(user)}:${enc(password)}@127.0.0.1:${port}/${enc(db)}`;
    return {
      ...localServerHandle(server, dir, ownsDir ? (cdir !== dir ? [dir, cdir] : [dir]) : []),
      adminUrl: urlFor('postgres'),
      urlFor,
    };
  } catch (err) {
    if (ownsDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
