import { describe, expect, it } from 'vitest';
import { decodeS3EventKey } from '../../functions/text/s3-event-key.js';

describe('decodeS3EventKey', () => {
  it.each([
    ['inbox/pax8/usage.csv', 'inbox/pax8/usage.csv'],
    ['inbox/My+Usage+March.csv', 'inbox/My Usage March.csv'],
    ['payments/a%2Bb.csv', 'payments/a+b.csv'],
    ['inbox/caf%C3%A9%20%2B+x.csv', 'inbox/café + x.csv'],
  ])('reads %s as %s', (eventKey, key) => {
    expect(decodeS3EventKey(eventKey)).toBe(key);
  });
});
