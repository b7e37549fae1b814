// Runtime overrides (force open / force closed) in Redis: one key per schedule that
// expires by itself, plus a capped audit list of who set or cleared what and why.
import type { Redis } from 'ioredis';
import type { HoursOverride } from '../domain/hours.ts';
import { CentralitaError } from '../errors.ts';
import type { OverrideSource } from './service.ts';

export class OverrideInputError extends CentralitaError {}

export interface OverrideAuditEntry {
  action: 'set' | 'clear';
  scheduleId: string;
  by: string;
  at: string;
  reason?: string;
  state?: 'open' | 'closed';
  expiresAt?: string;
}

export interface OverrideStore extends OverrideSource {
  set(o: { scheduleId: string; state: 'open' | 'closed'; reason: string; setBy: string; now: Date; expiresAt: Date }): Promise<HoursOverride>;
  clear(scheduleId: string, by: string, now: Date, reason?: string): Promise<boolean>;
  list(): Promise<HoursOverride[]>;
  audit(limit?: number): Promise<OverrideAuditEntry[]>;
}

const AUDIT_MAX = 1000;

export function createOverrideStore(o: {
  redis: Redis;
  prefix?: string;
  /** Called for every change, e.g. to log it. */
  onChange?: (entry: OverrideAuditEntry) => void;
}): OverrideStore {
  const prefix = o.prefix ?? 'centralita:';
  const key = (id: string) => `${prefix}hours:override:${id}`;
  const indexKey = `${prefix}hours:overrides`;
  const auditKey = `${prefix}hours:audit`;

  const parse = (raw: string | null): HoursOverride | undefined => {
    if (!raw) return undefined;
    try {
      return JSON.parse(raw) as HoursOverride;
    } catch {
      return undefined;
    }
  };

  async function writeAudit(entry: OverrideAuditEntry) {
    await o.redis.multi().lpush(auditKey, JSON.stringify(entry)).ltrim(auditKey, 0, AUDIT_MAX - 1).exec();
    o.onChange?.(entry);
  }

  return {
    async set({ scheduleId, state, reason, setBy, now, expiresAt }) {
      if (!reason.trim()) throw new OverrideInputError('OVERRIDE_REASON_REQUIRED', 'an override needs a reason');
      if (!setBy.trim()) throw new OverrideInputError('OVERRIDE_WHO_REQUIRED', 'an override needs the name of who sets it');
      const ttl = expiresAt.getTime() - now.getTime();
      if (!(ttl > 0)) throw new OverrideInputError('OVERRIDE_EXPIRY_INVALID', `expiry ${expiresAt.toISOString()} is not after ${now.toISOString()}`);
      const ov: HoursOverride = { scheduleId, state, reason, setBy, setAt: now.toISOString(), expiresAt: expiresAt.toISOString() };
      // PX makes Redis drop the key at expiry even if nobody clears it.
      await o.redis.multi().set(key(scheduleId), JSON.stringify(ov), 'PX', ttl).sadd(indexKey, scheduleId).exec();
      await writeAudit({ action: 'set', scheduleId, by: setBy, at: ov.setAt, reason, state, expiresAt: ov.expiresAt });
      return ov;
    },
    async clear(scheduleId, by, now, reason) {
      const n = await o.redis.del(key(scheduleId));
      await o.redis.srem(indexKey, scheduleId);
      if (n > 0) await writeAudit({ action: 'clear', scheduleId, by, at: now.toISOString(), ...(reason ? { reason } : {}) });
      return n > 0;
    },
    async active(scheduleId) {
      const ov = parse(await o.redis.get(key(scheduleId)));
      return ov ? [ov] : [];
    },
    async list() {
      const ids = await o.redis.smembers(indexKey);
      const out: HoursOverride[] = [];
      for (const id of ids.sort()) {
        const ov = parse(await o.redis.get(key(id)));
        if (ov) out.push(ov);
        else await o.redis.srem(indexKey, id); // expired: tidy the index
      }
      return out;
    },
    async audit(limit = 50) {
      const raw = await o.redis.lrange(auditKey, 0, limit - 1);
      return raw.map((r) => JSON.parse(r) as OverrideAuditEntry);
    },
  };
}
