// `centralita start` (or `worker`) as a real child process, as ops run it: parses the banner,
// keeps every output line, reads the CLI token from DATA_DIR/running.json, and can be sent
// SIGTERM or SIGKILL. Used by the fault tests (Redis outage, shutdown, chaos).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const cli = new URL('../../src/cli.ts', import.meta.url).pathname;

export interface AppProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  sim?: { url: string; user: string; password: string };
  token: string;
  /** stdout lines, in order (the banner included). */
  stdout: string[];
  stderr: string[];
  /** Lines printed after the banner that are not one JSON object each. */
  nonJsonLines(): string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Resolves with the first parsed JSON log line matching `pred`. */
  waitForLog(pred: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  logs(): Record<string, unknown>[];
  kill(signal: NodeJS.Signals): void;
  /** Authorized fetch against the app's API. */
  api(path: string, init?: RequestInit & { timeoutMs?: number }): Promise<Response>;
  sipCall(from: string, to: string): Promise<string>;
  simHangup(channelId: string): Promise<void>;
  /** Any /_sim or /ari call on the embedded simulator (JSON in and out). */
  sim$(method: string, path: string, body?: unknown): Promise<unknown>;
}

function lines(stream: NodeJS.ReadableStream, into: string[], onLine: (l: string) => void): void {
  let buf = '';
  stream.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      into.push(l);
      onLine(l);
    }
  });
}

export async function spawnApp(env: Record<string, string | undefined>, o: { command?: 'start' | 'worker'; startTimeoutMs?: number; args?: string[] } = {}): Promise<AppProcess> {
  const child = spawn(process.execPath, [cli, o.command ?? 'start', ...(o.args ?? [])], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const parsed: Record<string, unknown>[] = [];
  let bannerEnd = -1;
  const waiters = new Set<() => void>();
  const onLine = (l: string) => {
    if (l.trim() === 'Ctrl-C to stop') bannerEnd = stdout.length;
    if (l.startsWith('{')) { try { parsed.push(JSON.parse(l) as Record<string, unknown>); } catch {} }
    for (const w of [...waiters]) w();
  };
  lines(child.stdout!, stdout, onLine);
  lines(child.stderr!, stderr, onLine);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((r) => child.once('exit', (code, signal) => r({ code, signal, at: Date.now() })));
  const banner = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no banner within ${o.startTimeoutMs ?? 60_000} ms:\n${[...stdout, ...stderr].join('\n')}`)), o.startTimeoutMs ?? 60_000);
    const check = () => {
      if (bannerEnd >= 0) { clearTimeout(t); waiters.delete(check); resolve(stdout.join('\n')); }
    };
    waiters.add(check);
    void exited.then((e) => { clearTimeout(t); reject(new Error(`exited (${e.code ?? e.signal}) before its banner:\n${[...stdout, ...stderr].join('\n')}`)); });
  });
  const url = /API and dashboard: (https?:\/\/[^\s/]+)\//.exec(banner)![1]!;
  const simM = /simulated PBX \(ARI\): (\S+)\/ari {2}user (\S+) {2}password (\S+)/.exec(banner);
  const sim = simM ? { url: simM[1]!, user: simM[2]!, password: simM[3]! } : undefined;
  let token = '';
  if (env.DATA_DIR && (o.command ?? 'start') === 'start') token = (JSON.parse(readFileSync(join(env.DATA_DIR, 'running.json'), 'utf8')) as { api: { token: string } }).api.token;
  const simAuth: Record<string, string> = sim ? { authorization: `Basic ${Buffer.from(`${sim.user}:${sim.password}`).toString('base64')}`, 'content-type': 'application/json' } : {};
  return {
    child, pid: child.pid!, url, sim, token, stdout, stderr, exited,
    nonJsonLines: () => [...stdout.slice(bannerEnd + 1), ...stderr].filter((l) => {
      if (l.trim() === '') return false;
      try { const v = JSON.parse(l) as unknown; return typeof v !== 'object' || v === null; } catch { return true; }
    }),
    logs: () => [...parsed],
    waitForLog(pred, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => { waiters.delete(check); reject(new Error('log line not seen in time')); }, timeoutMs);
        const check = () => {
          const hit = parsed.find(pred);
          if (hit) { clearTimeout(t); waiters.delete(check); resolve(hit); }
        };
        waiters.add(check);
        check();
      });
    },
    kill: (signal) => { try { child.kill(signal); } catch {} },
    async api(path, init = {}) {
      const ac = new AbortController();
      const t = setTimeout(() => ac.abort(), init.timeoutMs ?? 10_000);
      try {
        return await fetch(`${url}${path}`, { ...init, signal: ac.signal, headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string> | undefined) } });
      } finally { clearTimeout(t); }
    },
    async sipCall(from, to) {
      const r = await fetch(`${sim!.url}/_sim/calls`, { method: 'POST', headers: simAuth, body: JSON.stringify({ from, to }) });
      if (r.status !== 201) throw new Error(`sim call refused: ${r.status} ${await r.text()}`);
      return ((await r.json()) as { channelId: string }).channelId;
    },
    async sim$(method, path, body) {
      const r = await fetch(`${sim!.url}${path}`, { method, headers: simAuth, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      const text = await r.text();
      if (r.status >= 400) throw new Error(`sim ${method} ${path}: ${r.status} ${text}`);
      return text ? (JSON.parse(text) as unknown) : undefined;
    },
    async simHangup(channelId) {
      await fetch(`${sim!.url}/_sim/channels/${encodeURIComponent(channelId)}/hangup`, { method: 'POST', headers: simAuth, body: '{}' });
    },
  };
}
