// Bad input everywhere gets a reason (issue 14): any SQS message body or Lambda event is
// either a list of well-formed object references or an S3EventError with a stable code and
// a message, never another exception (which the consumer would treat as transient and retry).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseS3Event, S3EventError } from '../../../src/integrations/s3/s3.ts';

const anyValue = fc.oneof(fc.jsonValue(), fc.constant(null), fc.constant(undefined), fc.string(), fc.integer(), fc.array(fc.anything(), { maxLength: 3 }));
/** Records that look like S3's, with any field replaced by anything. */
const record = fc.record({
  eventName: fc.oneof(fc.constantFrom('ObjectCreated:Put', 'ObjectRemoved:Delete', ''), anyValue),
  s3: fc.oneof(
    fc.record({
      bucket: fc.oneof(fc.record({ name: fc.oneof(fc.constantFrom('acme-campaigns', ''), anyValue) }), anyValue),
      object: fc.oneof(fc.record({ key: fc.oneof(fc.constantFrom('campaigns/a+b/l%C3%B1.csv', '%E0%A4%A', 'x'), fc.string(), anyValue), eTag: anyValue, size: anyValue }, { requiredKeys: [] }), anyValue),
    }, { requiredKeys: [] }),
    anyValue,
  ),
}, { requiredKeys: [] });
const event = fc.oneof(
  fc.record({ Records: fc.oneof(fc.array(fc.oneof(record, anyValue), { maxLength: 4 }), anyValue) }, { requiredKeys: [] }),
  fc.record({ Type: fc.constant('Notification'), Message: fc.oneof(fc.string(), anyValue) }),
  fc.record({ Event: fc.constantFrom('s3:TestEvent', 'other') }),
  anyValue,
);
const body = fc.oneof(event, event.map((e) => JSON.stringify(e) ?? 'undefined'), event.map((e) => JSON.stringify({ Type: 'Notification', Message: JSON.stringify(e) ?? '' })), fc.string());

describe('S3 event parsing under fuzzing', () => {
  it('returns well-formed references or throws S3EventError with a reason; nothing else', () => {
    fc.assert(fc.property(body, (b) => {
      let refs;
      try {
        refs = parseS3Event(b);
      } catch (err) {
        expect(err).toBeInstanceOf(S3EventError);
        expect((err as S3EventError).code).toMatch(/^S3_EVENT_/);
        expect((err as Error).message.length).toBeGreaterThan(0);
        return;
      }
      expect(Array.isArray(refs)).toBe(true);
      for (const r of refs) {
        expect(typeof r.bucket === 'string' && r.bucket.length > 0).toBe(true);
        expect(typeof r.key).toBe('string');
        expect(typeof r.eventName).toBe('string');
        if (r.eTag !== undefined) expect(typeof r.eTag).toBe('string');
        if (r.size !== undefined) expect(Number.isFinite(r.size)).toBe(true);
      }
    }), { numRuns: 3000 });
  });
});
