// `centralita users …`, `tokens …`, `audit`: identity management through the running app's API
// (admin role; on the app's own machine the local token in DATA_DIR/running.json has it).
// Generated passwords and token secrets are printed once.
import type { Command } from 'commander';
import { apiRequest, resolveApi, runCli } from './api-client.ts';

interface UserView { id: string; username: string; displayName?: string; roles: string[]; agentId?: string; queues?: string[]; disabled: boolean }
interface TokenView { id: string; name: string; roles: string[]; createdBy: string; createdAt: string; expiresAt?: string; revokedAt?: string; lastUsedAt?: string }
interface AuditView { id: string; at: string; actor: string; action: string; target?: string; detail?: { outcome?: string; status?: number } }

const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((x) => x.trim()).filter(Boolean)];

export function registerAdminCommands(program: Command): void {
  const url = (cmd: Command) => (cmd.optsWithGlobals() as { url?: string }).url;
  const api = (cmd: Command) => resolveApi(url(cmd) ? { url: url(cmd)! } : {});
  const byName = async (cmd: Command, username: string) => {
    const { users } = await apiRequest<{ users: UserView[] }>(await api(cmd), 'GET', '/api/users');
    const u = users.find((x) => x.username === username);
    if (!u) throw new Error(`no user ${username} (known: ${users.map((x) => x.username).join(', ')})`);
    return u;
  };

  const users = program.command('users').description('people who sign in to the web UI (admin)').option('--url <url>', 'API of the running app (default: the one on this machine)');
  users.command('list').description('users, roles, agent ids and queues').action((_o, cmd: Command) => runCli(async () => {
    const { users: list } = await apiRequest<{ users: UserView[] }>(await api(cmd), 'GET', '/api/users');
    for (const u of list) console.log(`${u.username}\t${u.roles.join(',')}${u.agentId ? `\tagent ${u.agentId}` : ''}${u.queues?.length ? `\tqueues ${u.queues.join(',')}` : ''}${u.disabled ? '\tDISABLED' : ''}`);
  }));
  users.command('add <username>').description('create a user; prints a generated password once')
    .requiredOption('--role <role>', 'admin, supervisor, agent, campaign-operator or service (repeat or comma-separate)', collect)
    .option('--agent <agentId>', 'the ACD agent id (required for the agent role)')
    .option('--queues <ids>', 'queues a supervisor supervises (comma-separated, * = all)', collect)
    .option('--display-name <name>', 'shown in the UI')
    .action((username: string, o: { role: string[]; agent?: string; queues?: string[]; displayName?: string }, cmd: Command) => runCli(async () => {
      const r = await apiRequest<{ user: UserView; password?: string }>(await api(cmd), 'POST', '/api/users', { username, roles: o.role, ...(o.agent ? { agentId: o.agent } : {}), ...(o.queues ? { queues: o.queues } : {}), ...(o.displayName ? { displayName: o.displayName } : {}) });
      console.log(`created ${r.user.username} (${r.user.roles.join(', ')})${r.password ? `; password: ${r.password}  (shown only now)` : ''}`);
    }));
  users.command('reset-password <username>').description('give a user a new random password (printed once); ends their sessions').action((username: string, _o, cmd: Command) => runCli(async () => {
    const { randomBytes } = await import('node:crypto');
    const password = randomBytes(18).toString('base64url');
    const u = await byName(cmd, username);
    await apiRequest(await api(cmd), 'PATCH', `/api/users/${encodeURIComponent(u.id)}`, { password });
    console.log(`${username}: new password ${password}  (shown only now)`);
  }));
  users.command('disable <username>').description('disable a user and end their sessions (kept for the audit log)').action((username: string, _o, cmd: Command) => runCli(async () => {
    const u = await byName(cmd, username);
    await apiRequest(await api(cmd), 'DELETE', `/api/users/${encodeURIComponent(u.id)}`);
    console.log(`${username}: disabled`);
  }));

  const tokens = program.command('tokens').description('API tokens for machines and automation (admin)').option('--url <url>', 'API of the running app (default: the one on this machine)');
  tokens.command('list').description('tokens (never their secrets)').action((_o, cmd: Command) => runCli(async () => {
    const { tokens: list } = await apiRequest<{ tokens: TokenView[] }>(await api(cmd), 'GET', '/api/tokens');
    for (const t of list) console.log(`${t.id}\t${t.name}\t${t.roles.join(',')}\tby ${t.createdBy} ${t.createdAt}${t.expiresAt ? `\texpires ${t.expiresAt}` : ''}${t.revokedAt ? `\tREVOKED ${t.revokedAt}` : ''}${t.lastUsedAt ? `\tlast used ${t.lastUsedAt}` : ''}`);
  }));
  tokens.command('create <name>').description('create a token; prints its secret once (use it as CENTRALITA_TOKEN or Authorization: Bearer)')
    .requiredOption('--role <role>', 'roles it acts with (repeat or comma-separate)', collect)
    .option('--agent <agentId>', 'the ACD agent id (agent role)')
    .option('--queues <ids>', 'queues (supervisor role)', collect)
    .option('--expires-days <n>', 'days until it expires')
    .action((name: string, o: { role: string[]; agent?: string; queues?: string[]; expiresDays?: string }, cmd: Command) => runCli(async () => {
      const r = await apiRequest<{ token: TokenView; secret: string }>(await api(cmd), 'POST', '/api/tokens', { name, roles: o.role, ...(o.agent ? { agentId: o.agent } : {}), ...(o.queues ? { queues: o.queues } : {}), ...(o.expiresDays ? { expiresInDays: Number(o.expiresDays) } : {}) });
      console.log(`token ${r.token.id} (${r.token.name}, ${r.token.roles.join(', ')}): ${r.secret}\n(shown only now; only its hash is stored)`);
    }));
  tokens.command('revoke <id>').description('revoke a token at once').action((id: string, _o, cmd: Command) => runCli(async () => {
    await apiRequest(await api(cmd), 'DELETE', `/api/tokens/${encodeURIComponent(id)}`);
    console.log(`token ${id}: revoked`);
  }));

  program.command('audit').description('the audit log, newest first (admin)')
    .option('--actor <actor>', 'e.g. user:ana, token:local-cli')
    .option('--action <action>', 'e.g. agent.pause, campaign.cancel, hours.override.set')
    .option('--target <target>', 'e.g. campaign:marzo')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'one JSON object per line')
    .option('--url <url>', 'API of the running app (default: the one on this machine)')
    .action((o: { actor?: string; action?: string; target?: string; limit: string; json?: boolean }, cmd: Command) => runCli(async () => {
      const q = new URLSearchParams({ limit: o.limit, ...(o.actor ? { actor: o.actor } : {}), ...(o.action ? { action: o.action } : {}), ...(o.target ? { target: o.target } : {}) });
      const { entries } = await apiRequest<{ entries: AuditView[] }>(await api(cmd), 'GET', `/api/audit?${q}`);
      for (const e of entries) console.log(o.json ? JSON.stringify(e) : `${e.at}  ${e.actor}  ${e.action}${e.target ? ` ${e.target}` : ''}  ${e.detail?.outcome ?? ''}${e.detail?.status ? ` (${e.detail.status})` : ''}`);
    }));
}
