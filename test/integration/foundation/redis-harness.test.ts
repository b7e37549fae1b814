import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';

describe('test harness', () => {
  it('provides a real redis-server on a loopback port', async () => {
    const url = inject('redisUrl');
    expect(url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    const r = new Redis(url);
    try {
      const info = await r.info('server');
      expect(info).toMatch(/redis_version:\d/);
      await r.set('harness:probe', '1', 'EX', 5);
      expect(await r.get('harness:probe')).toBe('1');
    } finally {
      r.disconnect();
    }
  });
});
