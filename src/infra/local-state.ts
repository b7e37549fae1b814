// What the running app leaves in DATA_DIR for the CLI on the same machine, and secrets it keeps
// there between starts. Every file is owner-only (0600, folder 0700): whoever can read them is
// the account that owns the data anyway.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const RUNTIME_FILE = 'running.json';

/** Where the running app listens, and the token the local CLI uses. */
export interface RuntimeInfo {
  pid: number;
  startedAt: string;
  version: string;
  api: { url: string; token: string };
  redis: { url: string };
  sim?: { url: string; user: string; password: string };
}

async function writePrivate(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}

export async function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): Promise<string> {
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, RUNTIME_FILE);
  await writePrivate(file, JSON.stringify(info, null, 2) + '\n');
  return file;
}

export async function readRuntimeInfo(dataDir: string): Promise<RuntimeInfo | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, RUNTIME_FILE), 'utf8')) as RuntimeInfo;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Removed at a clean stop, only if it is still ours (another start may have replaced it). */
export async function removeRuntimeInfo(dataDir: string, pid = process.pid): Promise<void> {
  const info = await readRuntimeInfo(dataDir).catch(() => undefined);
  if (info && info.pid !== pid) return;
  await rm(join(dataDir, RUNTIME_FILE), { force: true });
}

/**
 * A random secret kept in DATA_DIR/secrets/<name> across restarts (session signing key,
 * simulator and embedded Redis passwords), created on first use.
 */
export async function loadOrCreateSecret(dataDir: string, name: string, bytes = 32): Promise<string> {
  const dir = join(dataDir, 'secrets');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const file = join(dir, name);
  try {
    const v = (await readFile(file, 'utf8')).trim();
    if (v.length >= 16) return v;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const v = randomBytes(bytes).toString('base64url');
  await writePrivate(file, v + '\n');
  return v;
}
