// The ops commands as ops run them: a real `node src/cli.ts` process each.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { describe, expect, inject, it, vi } from 'vitest';
import { registerHoursCommands } from '../../../src/cli/hours.ts';
import { registerFlowsCommands } from '../../../src/cli/flows.ts';

const run = promisify(execFile);
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['src/cli.ts', ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Runs a sub-command in this process (no Node start-up per call), capturing its output. */
async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err.push(a.join(' ')); });
  const saved = { exitCode: process.exitCode, redis: process.env.REDIS_URL };
  process.exitCode = 0;
  process.env.REDIS_URL = inject('redisUrl');
  try {
    const program = new Command().exitOverride();
    registerHoursCommands(program);
    registerFlowsCommands(program);
    await program.parseAsync(['node', 'centralita', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    process.exitCode = saved.exitCode;
    if (saved.redis === undefined) delete process.env.REDIS_URL;
    else process.env.REDIS_URL = saved.redis;
  }
}

describe('centralita flows / hours', () => {
  // The flows folder is FLOWS_DIR (default ./flows): ops may add flows, so only the shipped
  // ones are asserted, never the whole list or its order.
  it('flows check passes on the shipped flows', async () => {
    const r = await cli(['flows', 'check']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^flows check: OK — /m);
    expect(r.stdout).toMatch(/[—,] main@[0-9a-f]{16}[,;]/);
    expect(r.stdout).toMatch(/[—,] campaign@[0-9a-f]{16}[,;]/);
  });

  it('flows check exits 1 with file:line:col messages on a broken folder', async () => {
    const r = await cli(['flows', 'check', '--dir', 'test/fixtures/flows/unknown-schedule', '--sounds', 'test/fixtures/flows/sounds']);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toEqual([
      "test/fixtures/flows/unknown-schedule/demo.flow.ts:10:31: error FLOW_SCHEDULE_UNKNOWN: node 'hello' uses schedule 'ofice', which is not in flows/schedules.ts (known: office)",
      'flows check: 1 error',
    ]);
  });

  it('flows graph prints Mermaid for a flow and fails for an unknown one', async () => {
    const r = await inProcess(['flows', 'graph', 'campaign']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('flowchart TD');
    expect(r.stdout).toContain('paymentMessage -->|"press 9"| optOut');
    expect(r.stdout).toContain('pickMessage -->|"payment"| paymentMessage');
    expect(r.stdout).toContain('__start(("start")) --> pickMessage');
    expect(r.stdout).not.toContain('__answer'); // campaign legs are answered already
    const bad = await inProcess(['flows', 'graph', 'nope']);
    expect(bad.code).toBe(1);
    const known = /flow 'nope' is not loadable \(known: (.*)\)/.exec(bad.stderr)?.[1]?.split(', ');
    expect(known).toEqual(expect.arrayContaining(['main', 'campaign']));
  });

  it('hours at answers open/closed, why and the next change', async () => {
    const r = await inProcess(['hours', 'at', 'office', '2026-07-13T10:00:00-05:00']);
    expect(r.stdout.trim()).toBe('office at 2026-07-13T10:00:00.000-05:00: CLOSED (holiday: La virgen de Chiquinquirá); next change: opens at 2026-07-14T08:00:00.000-05:00');
  });

  it('hours at refuses an unknown schedule and a time it would have to guess', async () => {
    for (const name of ['ofice', 'toString']) {
      const r = await inProcess(['hours', 'at', name, '2026-07-13T10:00:00-05:00']);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^error: unknown schedule '${name}' \\(known: .*\\boffice\\b.*\\)$`));
    }
    // A bare date used to be read as midnight UTC and printed CLOSED for the evening before.
    const day = await inProcess(['hours', 'at', 'office', '2026-03-02']);
    expect(day.code).toBe(1);
    expect(day.stdout).toBe('');
    expect(day.stderr).toBe('error: "2026-03-02" has no time of day: give e.g. 2026-03-02T10:00 (read in America/Bogota) or an ISO instant with an offset');
    // Without an offset, the time is wall time at the schedule, whatever this machine's zone is.
    const local = await inProcess(['hours', 'at', 'office', '2026-03-02T10:00']);
    expect(local.stdout.trim()).toBe('office at 2026-03-02T10:00:00.000-05:00: OPEN (weekly hours mon 08:00-18:00); next change: closes at 2026-03-02T18:00:00.000-05:00');
  });

  it('hours override goes through the app\'s API under the caller\'s identity; hours at --with-overrides applies it', async () => {
    // The app's API with its security layer, on the test Redis; the CLI gets --url and a token.
    const { secureTestServer } = await import('../../helpers/secure-http.ts');
    const { registerHoursRoutes } = await import('../../../src/hours/http.ts');
    const { createOverrideStore } = await import('../../../src/hours/override-store.ts');
    const { createHoursService } = await import('../../../src/hours/service.ts');
    const { schedules } = await import('../../../flows/schedules.ts');
    const { Redis } = await import('ioredis');
    const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
    const srv = await secureTestServer();
    const overrides = createOverrideStore({ redis, prefix: `test:hours-cli:${process.pid}:` });
    registerHoursRoutes(srv.app, { hours: createHoursService({ schedules, overrides }), overrides });
    const url = await srv.app.listen({ host: '127.0.0.1', port: 0 });
    const token = (await srv.as('supervisor', { name: 'ana', queues: ['*'] })).authorization!.replace('Bearer ', '');
    const saved = process.env.CENTRALITA_TOKEN;
    process.env.CENTRALITA_TOKEN = token;
    const p = ['--url', url];
    try {
      const set = await inProcess(['hours', 'override', 'office', 'closed', '--for', '2h', '--reason', 'power cut', ...p]);
      expect(set.code).toBe(0);
      expect(set.stdout).toMatch(/^office: forced closed until .+ by token:ana \(power cut\)/);
      const at = await inProcess(['hours', 'at', 'office', new Date().toISOString(), '--with-overrides', '--json', ...p]);
      expect(JSON.parse(at.stdout)).toMatchObject({ open: false, reason: 'override', detail: 'power cut (set by token:ana)' });
      const list = await inProcess(['hours', 'overrides', ...p]);
      expect(list.stdout).toContain('office: closed until');
      expect(list.stdout).toMatch(/set office closed by token:ana — power cut/);
      const clear = await inProcess(['hours', 'clear', 'office', ...p]);
      expect(clear.stdout.trim()).toBe('office: override cleared');
      // `--by` is gone: a name typed on the command line never reaches the audit log.
      await expect(inProcess(['hours', 'override', 'office', 'open', '--for', '1h', '--reason', 'x', '--by', 'boss', ...p])).rejects.toThrow(/unknown option '--by'/);
      const bad = await inProcess(['hours', 'override', 'office', 'maybe', '--for', '1h', '--reason', 'x', ...p]);
      expect(bad.code).toBe(1);
      expect(bad.stderr.trim()).toBe("error: state must be open or closed, not 'maybe'");
      expect(srv.audit.entries.map((e) => [e.action, e.actor])).toEqual([['hours.override.set', 'token:ana'], ['hours.override.clear', 'token:ana']]);
    } finally {
      if (saved === undefined) delete process.env.CENTRALITA_TOKEN; else process.env.CENTRALITA_TOKEN = saved;
      await srv.app.close();
      redis.disconnect();
    }
  });
});
