// The fake HubSpot in its own process (as the real one is), driven over IPC. Used by the
// benchmark so the fake's CPU does not share an event loop with the worker being measured.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startFakeHubspot, type FakeHubspot, type FakeHubspotOptions, type FakeRequestLog } from './hubspot-server.ts';

export interface FakeAudit { markers: Record<string, number>; requests: FakeRequestLog[]; associatedCalls: number; calls: number }
type Msg = { type: 'start'; opts: Omit<FakeHubspotOptions, 'clock'>; contacts: { props: Record<string, string>; createdAt?: number; lastActivityAt?: number }[] } | { type: 'audit' } | { type: 'close' };

export interface FakeHubspotProcess { url: string; audit(): Promise<FakeAudit>; close(): Promise<void> }

export async function startFakeHubspotProcess(opts: Omit<FakeHubspotOptions, 'clock'>, contacts: { props: Record<string, string>; createdAt?: number; lastActivityAt?: number }[]): Promise<FakeHubspotProcess> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () => new Promise<{ type: string; [k: string]: unknown }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { type: string }));
    child.once('exit', (code) => reject(new Error(`fake HubSpot process exited (${code})`)));
  });
  const ready = next();
  child.send({ type: 'start', opts, contacts } satisfies Msg);
  const { url } = (await ready) as unknown as { url: string };
  return {
    url,
    async audit() { const r = next(); child.send({ type: 'audit' } satisfies Msg); return (await r) as unknown as FakeAudit; },
    async close() {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.send({ type: 'close' } satisfies Msg);
      await exited;
    },
  };
}

if (process.argv.includes('--child') && process.send) {
  let fake: FakeHubspot | undefined;
  process.on('message', (m: Msg) => {
    void (async () => {
      if (m.type === 'start') {
        fake = await startFakeHubspot(m.opts);
        for (const c of m.contacts) fake.addContact(c.props, { ...(c.createdAt ? { createdAt: c.createdAt } : {}), ...(c.lastActivityAt ? { lastActivityAt: c.lastActivityAt } : {}) });
        process.send!({ type: 'ready', url: fake.url });
      } else if (m.type === 'audit' && fake) {
        process.send!({ type: 'audit', markers: Object.fromEntries([...fake.callsByMarker()].map(([k, v]) => [k, v.length])), requests: fake.requests, associatedCalls: new Set(fake.associations.map((a) => a.fromCall)).size, calls: fake.calls.size });
      } else if (m.type === 'close') {
        await fake?.close();
        process.exit(0);
      }
    })();
  });
  process.on('disconnect', () => process.exit(0));
}
