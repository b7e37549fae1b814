// Authentication and identity management over the storage ports: sign-in with argon2 password
// hashes, API tokens (hashed at rest, scoped to roles, revocable, shown once), the first-start
// admin and the local CLI token. Time is injected.
import { CentralitaError } from '../errors.ts';
import type { Identity, Role } from './roles.ts';
import { hashPassword, MIN_PASSWORD_LENGTH, newApiToken, parseApiToken, randomPassword, secretMatches, verifyPassword } from './credentials.ts';
import type { TokenRecord, TokenStore, UserRecord, UserStore } from './ports.ts';

export const LOCAL_CLI_TOKEN_NAME = 'local-cli';
export const FIRST_ADMIN = 'admin';

export type PublicUser = Omit<UserRecord, 'passwordHash'>;
export type PublicToken = Omit<TokenRecord, 'secretHash'>;

export interface AuthServiceDeps {
  users: UserStore;
  tokens: TokenStore;
  now?: () => Date;
}

export interface NewUserInput {
  username: string;
  /** Omitted → a random one is generated and returned once. */
  password?: string;
  roles: Role[];
  displayName?: string;
  agentId?: string;
  queues?: string[];
}

export interface NewTokenInput {
  name: string;
  roles: Role[];
  createdBy: string;
  agentId?: string;
  queues?: string[];
  expiresAt?: Date;
}

export type AuthService = ReturnType<typeof createAuthService>;

export function createAuthService(d: AuthServiceDeps) {
  const now = d.now ?? (() => new Date());
  // lastUsedAt is informational: write it at most once a minute per token.
  const touched = new Map<string, number>();

  const checkPassword = (password: string) => {
    if (password.length < MIN_PASSWORD_LENGTH) throw new CentralitaError('PASSWORD_TOO_SHORT', `a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  };
  const checkRoles = (roles: Role[], agentId?: string) => {
    if (roles.length === 0) throw new CentralitaError('ROLES_REQUIRED', 'give at least one role');
    if (roles.includes('agent') && !agentId) throw new CentralitaError('AGENT_ID_REQUIRED', 'the agent role needs the ACD agent id (agentId) this identity acts as');
  };

  return {
    identityOfUser(u: UserRecord): Identity {
      return { kind: 'user', id: u.id, name: u.username, roles: u.roles, ...(u.agentId ? { agentId: u.agentId } : {}), ...(u.queues ? { queues: u.queues } : {}) };
    },

    /** The user when the password matches an enabled account; the same time is spent either way. */
    async signIn(username: string, password: string): Promise<UserRecord | undefined> {
      const u = await d.users.byUsername(username);
      const ok = await verifyPassword(u?.passwordHash, password);
      return ok && u && !u.disabled ? u : undefined;
    },

    async userById(id: string): Promise<UserRecord | undefined> {
      const u = await d.users.byId(id);
      return u && !u.disabled ? u : undefined;
    },

    async authenticateToken(raw: string): Promise<Identity | undefined> {
      const p = parseApiToken(raw);
      if (!p) return undefined;
      const t = await d.tokens.byId(p.id);
      if (!t || !secretMatches(p.secret, t.secretHash) || t.revokedAt) return undefined;
      const at = now();
      if (t.expiresAt && Date.parse(t.expiresAt) <= at.getTime()) return undefined;
      if ((touched.get(t.id) ?? 0) + 60_000 <= at.getTime()) {
        touched.set(t.id, at.getTime());
        await d.tokens.touch(t.id, at);
      }
      return { kind: 'token', id: t.id, name: t.name, roles: t.roles, ...(t.agentId ? { agentId: t.agentId } : {}), ...(t.queues ? { queues: t.queues } : {}) };
    },

    async createUser(input: NewUserInput): Promise<{ user: PublicUser; password?: string }> {
      if (!/^[a-z0-9][a-z0-9._@-]{0,63}$/i.test(input.username)) throw new CentralitaError('USERNAME_INVALID', 'a username is 1-64 letters, digits, and . _ @ -');
      checkRoles(input.roles, input.agentId);
      const generated = input.password === undefined ? randomPassword() : undefined;
      const password = input.password ?? generated!;
      checkPassword(password);
      const user = await d.users.create({
        username: input.username, roles: input.roles, passwordHash: await hashPassword(password),
        ...(input.displayName ? { displayName: input.displayName } : {}), ...(input.agentId ? { agentId: input.agentId } : {}), ...(input.queues ? { queues: input.queues } : {}),
      }, now());
      return { user: publicUser(user), ...(generated ? { password: generated } : {}) };
    },

    async updateUser(id: string, patch: { roles?: Role[]; displayName?: string; agentId?: string; queues?: string[]; disabled?: boolean; password?: string }): Promise<PublicUser | undefined> {
      const cur = await d.users.byId(id);
      if (!cur) return undefined;
      if (patch.roles) checkRoles(patch.roles, patch.agentId ?? cur.agentId);
      if (patch.password !== undefined) checkPassword(patch.password);
      const { password, ...rest } = patch;
      const next = await d.users.update(id, { ...rest, ...(password !== undefined ? { passwordHash: await hashPassword(password) } : {}) }, now());
      return next && publicUser(next);
    },

    async listUsers(): Promise<PublicUser[]> {
      return (await d.users.list()).map(publicUser);
    },

    async issueToken(input: NewTokenInput): Promise<{ token: PublicToken; raw: string }> {
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(input.name)) throw new CentralitaError('TOKEN_NAME_INVALID', 'a token name is 1-64 letters, digits, and . _ -');
      checkRoles(input.roles, input.agentId);
      const t = newApiToken();
      const rec: TokenRecord = {
        id: t.id, name: input.name, roles: input.roles, secretHash: t.secretHash, createdBy: input.createdBy, createdAt: now().toISOString(),
        ...(input.agentId ? { agentId: input.agentId } : {}), ...(input.queues ? { queues: input.queues } : {}), ...(input.expiresAt ? { expiresAt: input.expiresAt.toISOString() } : {}),
      };
      await d.tokens.create(rec);
      return { token: publicToken(rec), raw: t.raw };
    },

    async listTokens(): Promise<PublicToken[]> {
      return (await d.tokens.list()).map(publicToken);
    },

    revokeToken(id: string): Promise<boolean> {
      return d.tokens.revoke(id, now());
    },

    async tokenById(id: string): Promise<PublicToken | undefined> {
      const t = await d.tokens.byId(id);
      return t && publicToken(t);
    },

    /**
     * First start: with no user at all, creates `admin` with a random password, returned once
     * to be printed (it is stored only as an argon2 hash).
     */
    async ensureFirstAdmin(): Promise<{ username: string; password: string } | undefined> {
      if ((await d.users.count()) > 0) return undefined;
      const r = await this.createUser({ username: FIRST_ADMIN, roles: ['admin'], displayName: 'Administrator' });
      return { username: FIRST_ADMIN, password: r.password! };
    },

    /**
     * The token the CLI on this machine reads from DATA_DIR: re-issued at every start (the
     * previous one is revoked), admin role because whoever can read DATA_DIR owns the data anyway.
     */
    async issueLocalCliToken(): Promise<string> {
      await d.tokens.revokeByName(LOCAL_CLI_TOKEN_NAME, now());
      return (await this.issueToken({ name: LOCAL_CLI_TOKEN_NAME, roles: ['admin', 'service'], createdBy: 'system:start-up' })).raw;
    },
  };
}

export function publicUser(u: UserRecord): PublicUser {
  const { passwordHash: _h, ...rest } = u;
  return rest;
}

export function publicToken(t: TokenRecord): PublicToken {
  const { secretHash: _h, ...rest } = t;
  return rest;
}
