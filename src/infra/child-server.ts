// A server run as our private child process (the embedded Redis and PostgreSQL, the test setup):
// a free loopback port, spawn, readiness (it accepts TCP on the port), its stderr kept for the
// error when it does not come up, and a stop that signals, waits and kills if it must.
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { freePort } from './net.ts';

/** What the embedded servers' handles share (PostgreSQL, Redis): its port, process and directory, and stop. */
export interface LocalServerHandle {
  port: number;
  pid: number;
  dir: string;
  stop(): Promise<void>;
}

/** The server's binaries are not installed and no external server is configured: the message says how to fix it. */
export class ServerMissingError<C extends string = string> extends Error {
  readonly code: C;
  constructor(code: C, message: string) {
    super(message);
    this.code = code;
  }
}

export interface ChildServerOptions {
  /** Name in error messages ('postgres', 'redis-server'). */
  name: string;
  command: string;
  /** The server's arguments for the port it is given. */
  args(port: number): string[];
  /** Written to stdin, which is then closed: settings that must not be visible in `ps`. */
  stdin?: string;
  /** Spawn as another user, or from another directory. */
  spawnAs?: { uid?: number; gid?: number; cwd?: string };
  /** Turns a spawn failure (e.g. ENOENT: not installed) into the caller's error. */
  spawnError?(err: NodeJS.ErrnoException): Error;
  readyTimeoutMs: number;
  pollMs: number;
  /** How the server shuts down cleanly, and how long it gets before SIGKILL. */
  stopSignal: NodeJS.Signals;
  killAfterMs: number;
}

export interface ChildServer {
  port: number;
  pid: number;
  child: ChildProcess;
  /** Idempotent; resolves once the process has exited. */
  stop(): Promise<void>;
}

/** Starts the server on a free loopback port and resolves once it accepts connections there. */
export async function startChildServer(o: ChildServerOptions): Promise<ChildServer> {
  const port = await freePort();
  let stderr = '';
  const child = await new Promise<ChildProcess>((resolve, reject) => {
    const c = spawn(o.command, o.args(port), { stdio: [o.stdin !== undefined ? 'pipe' : 'ignore', 'ignore', 'pipe'], ...(o.spawnAs ?? {}) });
    if (o.stdin !== undefined) c.stdin?.end(o.stdin);
    c.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    c.once('error', (err: NodeJS.ErrnoException) => reject(o.spawnError ? o.spawnError(err) : err));
    c.once('spawn', () => resolve(c));
  });
  try {
    await waitForPort(o.name, port, o.readyTimeoutMs, o.pollMs, child);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr.trim()}`, { cause: err });
  }
  let stopped = false;
  return {
    port,
    pid: child.pid ?? -1,
    child,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill(o.stopSignal);
        const t = setTimeout(() => child.kill('SIGKILL'), o.killAfterMs);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

/** A handle over a started server: stop() stops it once, then removes the directories it owned. */
export function localServerHandle(server: ChildServer, dir: string, removeOnStop: string[]): LocalServerHandle {
  let stopped = false;
  return {
    port: server.port,
    pid: server.pid,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      for (const d of removeOnStop) await rm(d, { recursive: true, force: true });
    },
  };
}

async function waitForPort(name: string, port: number, timeoutMs: number, pollMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} before listening`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => { s.end(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${name} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
