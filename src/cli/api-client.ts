// How the CLI reaches the running app: --url / CENTRALITA_URL, else the app on this machine,
// which writes its API address and a fresh token to DATA_DIR/running.json at every start.
// Every failure is one line that says what to do, never a stack trace.
import { join } from 'node:path';
import { loadConfig, ConfigError, type Config } from '../config.ts';
import { readRuntimeInfo, RUNTIME_FILE } from '../infra/local-state.ts';

export class CliError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export interface ApiTarget {
  url: string;
  token?: string;
  /** Where the URL came from, for the hint in errors. */
  source: 'flag' | 'env' | 'running.json';
}

export function cliConfig(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.code, err.message.replace(/^centralita: /, ''));
    throw err;
  }
}

export async function resolveApi(opts: { url?: string } = {}, env: Record<string, string | undefined> = process.env): Promise<ApiTarget> {
  const cfg = cliConfig(env);
  const local = await readRuntimeInfo(cfg.dataDir).catch(() => undefined);
  const explicit = opts.url ?? cfg.cli.url;
  if (explicit) {
    const url = explicit.replace(/\/+$/, '');
    // The local token also works for --url pointing at the local app.
    const token = cfg.cli.token ?? (local && local.api.url.replace(/\/+$/, '') === url ? local.api.token : undefined);
    return { url, ...(token ? { token } : {}), source: opts.url ? 'flag' : 'env' };
  }
  if (!local) {
    throw new CliError('APP_NOT_RUNNING', `centralita is not running on this machine (no ${join(cfg.dataDir, RUNTIME_FILE)}). Start it with \`npm start\` (same DATA_DIR), or point the CLI at another instance with --url <api> and CENTRALITA_TOKEN`);
  }
  return { url: local.api.url.replace(/\/+$/, ''), token: cfg.cli.token ?? local.api.token, source: 'running.json' };
}

/** REDIS_URL from the app running on this machine, when the environment names none. */
export async function adoptLocalRedis(env: Record<string, string | undefined>): Promise<void> {
  if (env.REDIS_URL) return;
  let dataDir: string;
  try { dataDir = cliConfig(env).dataDir; } catch { return; }
  const local = await readRuntimeInfo(dataDir).catch(() => undefined);
  if (local?.redis.url) env.REDIS_URL = local.redis.url;
}

export interface ApiIo { fetch: typeof fetch }

/** One JSON request; errors become CliError with a fix. */
export async function apiRequest<T = unknown>(target: ApiTarget, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, io: ApiIo = { fetch }): Promise<T> {
  const writes = method !== 'GET';
  let res: Response;
  try {
    res = await io.fetch(new URL(path, `${target.url}/`), {
      method,
      headers: { ...(target.token ? { authorization: `Bearer ${target.token}` } : {}), ...(writes ? { 'content-type': 'application/json' } : {}) },
      ...(writes ? { body: JSON.stringify(body ?? {}) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    const c = (err as { cause?: { code?: string; message?: string } }).cause;
    const cause = c?.code ?? c?.message ?? (err as Error).message;
    const hint = target.source === 'running.json'
      ? `is it running? ${RUNTIME_FILE} may be left from a crash: start it again with \`npm start\``
      : 'is it running? Use --url to point at it';
    throw new CliError('APP_UNREACHABLE', `cannot reach centralita at ${target.url} (${cause}); ${hint}`);
  }
  const json = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
  if (res.status === 401) {
    throw new CliError('UNAUTHENTICATED', target.token
      ? `${target.url} refused the API token (${json.error ?? 401}). The app on this machine writes a fresh one to DATA_DIR/${RUNTIME_FILE} at each start; for another instance set CENTRALITA_TOKEN to one from \`centralita tokens create\``
      : `${target.url} needs an API token: set CENTRALITA_TOKEN (create one with \`centralita tokens create\` on the app's machine)`);
  }
  if (!res.ok) throw new CliError(json.error ?? `HTTP_${res.status}`, `${json.error ?? res.status}: ${json.message ?? res.statusText}`);
  return json as T;
}

/** Runs a CLI action: a CliError (or any error) is printed as one line and sets exit code 1. */
export function runCli(fn: () => Promise<void>, err: (line: string) => void = (l) => console.error(l)): Promise<void> {
  return fn().catch((e: unknown) => {
    err(`error: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
