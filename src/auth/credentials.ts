// Password hashing (argon2id, OWASP parameters) and API token format. No hand-written crypto:
// argon2 for passwords; tokens are 256-bit random secrets, so a SHA-256 digest at rest is enough
// (nothing to brute-force) and lookup stays one indexed read by the token id.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import argon2 from 'argon2';

// OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1 (cheap enough for a 2-core box).
const ARGON = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 12;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON);
}

let dummy: Promise<string> | undefined;
/** Verifies; for an unknown user pass `undefined` to spend the same time (no user enumeration by timing). */
export async function verifyPassword(hash: string | undefined, password: string): Promise<boolean> {
  if (hash === undefined) {
    dummy ??= hashPassword(randomBytes(16).toString('hex'));
    await argon2.verify(await dummy, password).catch(() => false);
    return false;
  }
  try { return await argon2.verify(hash, password); } catch { return false; }
}

/** A random password for the first admin: 24 URL-safe characters (144 bits). */
export function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

const TOKEN_RE = /^ctk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** `ctk_<16 hex id>_<43 base64url secret>`: the prefix makes leaked tokens easy to scan for. */
export function newApiToken(): { id: string; raw: string; secretHash: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, raw: `ctk_${id}_${secret}`, secretHash: sha256(secret) };
}

export function parseApiToken(raw: string): { id: string; secret: string } | undefined {
  const m = TOKEN_RE.exec(raw.trim());
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

export function secretMatches(secret: string, secretHash: string): boolean {
  const a = Buffer.from(sha256(secret), 'hex');
  const b = Buffer.from(secretHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** Matches our tokens anywhere in a string (log scrubbing). */
export const API_TOKEN_PATTERN = /ctk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/g;
