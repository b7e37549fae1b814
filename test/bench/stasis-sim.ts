// The simulated PBX in its own process for the stasis benchmark and the 10,000-call leak
// test, so its memory and CPU are not counted as the app's. Driven over the fork IPC
// channel: {id, op, ...args} → {id, result | error}. Started by forkSim() below.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';

interface Req { id: number; op: string; [k: string]: unknown }

/** Nanoseconds a thread waited on the run queue, from /proc/<pid>/schedstat (0 when unavailable). */
export function runqueueWaitMs(pid: number | 'self' = 'self'): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return 0;
  }
}

export interface SimChild {
  url: string;
  ariUrl: string;
  call<T = unknown>(op: string, args?: Record<string, unknown>): Promise<T>;
  cpuMs(): Promise<number>;
  close(): Promise<void>;
  child: ChildProcess;
}

/** Forks this file as the simulator process. */
export async function forkSim(opts: { soundLengths?: Record<string, number>; dids?: Record<string, string>; timings?: boolean } = {}): Promise<SimChild> {
  const child = fork(fileURLToPath(import.meta.url), ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, SIM_OPTS: JSON.stringify(opts) } });
  let seq = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const ready = new Promise<{ url: string; ariUrl: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`simulator process exited (${code})`)));
    child.on('message', (m: { type?: string; id?: number; result?: unknown; error?: string; url?: string; ariUrl?: string }) => {
      if (m.type === 'ready') return resolve({ url: m.url!, ariUrl: m.ariUrl! });
      const p = m.id !== undefined ? pending.get(m.id) : undefined;
      if (!p) return;
      pending.delete(m.id!);
      if (m.error) p.reject(new Error(m.error));
      else p.resolve(m.result);
    });
  });
  const { url, ariUrl } = await ready;
  const call = <T>(op: string, args: Record<string, unknown> = {}) => new Promise<T>((resolve, reject) => {
    const id = ++seq;
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    child.send({ id, op, ...args });
  });
  return {
    url, ariUrl, child, call,
    cpuMs: () => call<number>('cpu'),
    async close() {
      child.removeAllListeners('exit');
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

async function runChild() {
  const { startSimulator } = await import('../../src/sim/index.ts');
  const o = JSON.parse(process.env.SIM_OPTS ?? '{}') as { soundLengths?: Record<string, number>; dids?: Record<string, string>; timings?: boolean };
  // `timings`: the simulator stamps, in this process, each event it sends and each command it
  // receives per channel (GET /_sim/timings), so latency is measured where the caller feels it.
  const simOpts: Parameters<typeof startSimulator>[0] = { host: '127.0.0.1', port: 0, user: 'centralita', password: 'bench-secret', soundLengths: o.soundLengths ?? {}, dids: o.dids ?? {} };
  if (o.timings) Object.assign(simOpts, { timings: true });
  const sim = await startSimulator(simOpts);
  const c = sim.control;
  const wait = async (cond: () => boolean, timeoutMs: number) => {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > end) throw new Error('timeout in simulator process');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const ops: Record<string, (r: Req) => unknown> = {
    calls: (r) => {
      const ids: string[] = [];
      for (let i = 0; i < (r.n as number); i++) ids.push(c.placeCall({ from: String(r.from ?? '3001112233'), to: String(r.to) }));
      return ids;
    },
    waitPrompt: async (r) => {
      const ids = r.ids as string[];
      await wait(() => ids.every((id) => c.transcript(id).some((e) => e.kind === 'prompt')), (r.timeoutMs as number) ?? 30_000);
      return true;
    },
    hangup: (r) => {
      let gone = 0;
      for (const id of r.ids as string[]) { try { c.hangup(id); } catch { gone++; } }
      return gone;
    },
    waitGone: async (r) => {
      const ids = r.ids as string[];
      await wait(() => ids.every((id) => c.channel(id)?.alive === false), (r.timeoutMs as number) ?? 30_000);
      return true;
    },
    /** Every call presses one digit per second, spread evenly over the second, for durationMs. */
    dtmfLoad: async (r) => {
      const ids = r.ids as string[];
      const durationMs = r.durationMs as number;
      const start = Date.now();
      let sent = 0;
      let gone = 0;
      let tick = 0;
      const slots = 50; // 20 ms slots: each call has a fixed slot in the second
      while (Date.now() - start < durationMs) {
        const slot = tick % slots;
        for (let i = slot; i < ids.length; i += slots) {
          // A call the app gave up on (command timeouts on an overloaded PBX) may be gone.
          try { c.sendDtmf(ids[i]!, String((tick + i) % 10), { durationMs: 0 }); sent++; } catch { gone++; }
        }
        tick++;
        const next = start + tick * (1000 / slots);
        await new Promise((res) => setTimeout(res, Math.max(0, next - Date.now())));
      }
      return { sent, gone };
    },
    cpu: () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; },
    /** Time this process's main thread spent runnable but waiting for a CPU (ms, Linux schedstat). */
    runqueueMs: () => runqueueWaitMs(),
    eventsSent: () => c.eventsSent(),
  };
  process.on('message', (m: Req) => {
    Promise.resolve()
      .then(() => { const f = ops[m.op]; if (!f) throw new Error(`unknown op ${m.op}`); return f(m); })
      .then((result) => process.send?.({ id: m.id, result }), (err: unknown) => process.send?.({ id: m.id, error: err instanceof Error ? err.message : String(err) }));
  });
  process.on('SIGTERM', () => { void sim.close().finally(() => process.exit(0)); });
  process.on('disconnect', () => { void sim.close().finally(() => process.exit(0)); });
  process.send?.({ type: 'ready', url: sim.url, ariUrl: sim.ariUrl });
}

if (process.argv.includes('--child')) await runChild();
