// `centralita agents …` against a real HTTP server with the ACD routes (port 0).
import { afterEach, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { Command } from 'commander';
import { registerAcdRoutes } from '../../../src/acd/http.ts';
import { registerAgentCommands } from '../../../src/cli/agents.ts';
import { harness } from '../../e2e/acd/harness.ts';

let app: FastifyInstance | undefined;
afterEach(async () => { await app?.close(); app = undefined; process.exitCode = 0; });

async function cli(url: string, args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command().exitOverride();
  registerAgentCommands(program, { fetch, out: (l) => out.push(l), err: (l) => err.push(l) });
  await program.parseAsync(['node', 'centralita', 'agents', '--url', url, ...args]);
  return { out, err };
}

describe('agents CLI', () => {
  it('login, pause with reason, list, queues; errors are one clear line', async () => {
    const h = await harness({ ventas: { strategy: 'linear', members: [{ id: 'a1', name: 'Ana', endpoint: 'PJSIP/a1' }] } });
    app = Fastify();
    registerAcdRoutes(app, h.acd);
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    expect((await cli(url, ['login', 'a1'])).out).toEqual(['a1: available']);
    expect((await cli(url, ['pause', 'a1', '--reason', 'lunch'])).out).toEqual(['a1: paused (lunch)']);
    const list = (await cli(url, ['list'])).out;
    expect(list[0]).toMatch(/^AGENT\s+NAME\s+STATE/);
    expect(list[1]).toMatch(/^a1\s+Ana\s+paused\s+lunch/);
    const queues = (await cli(url, ['queues'])).out;
    expect(queues[1]).toMatch(/^ventas\s+linear\s+0/);
    const bad = await cli(url, ['login', 'ghost']);
    expect(bad.err).toEqual(['error: ACD_UNKNOWN_AGENT: agent ghost is not a member of any queue']);
    expect(process.exitCode).toBe(1);
    const json = await cli(url, ['--json', 'unpause', 'a1']);
    expect(JSON.parse(json.out[0]!)).toMatchObject({ id: 'a1', state: 'available' });
  });

  it('says how to fix it when the app is not running', async () => {
    const { err } = await cli('http://127.0.0.1:1', ['list']);
    expect(err[0]).toMatch(/cannot reach centralita at http:\/\/127\.0\.0\.1:1.*--url/);
  });
});
