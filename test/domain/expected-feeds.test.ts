import { describe, expect, it } from 'vitest';
import { feedDueDate, missingFeeds } from '../../functions/domain/expected-feeds.js';

describe('missingFeeds', () => {
  const expected = [{ vendor: 'pax8', dayOfMonth: 5 }, { vendor: 'microsoft', dayOfMonth: 12 }, { vendor: 'ninjaone' }];

  it('lists the expected vendors with no file for the period, sorted', () => {
    expect(
      missingFeeds({
        expected,
        period: '2026-01',
        filesSeen: [
          { vendor: 'pax8', period: '2026-01' },
          { vendor: 'ninjaone', period: '2025-12' },
          { vendor: 'aws', period: '2026-01' },
        ],
      }),
    ).toEqual([
      { vendor: 'microsoft', period: '2026-01' },
      { vendor: 'ninjaone', period: '2026-01' },
    ]);
  });

  it('is empty when every feed arrived, or when none are expected', () => {
    const seen = ['pax8', 'microsoft', 'ninjaone'].map((vendor) => ({ vendor, period: '2026-01' }));
    expect(missingFeeds({ expected, period: '2026-01', filesSeen: seen })).toEqual([]);
    expect(missingFeeds({ expected: [], period: '2026-01', filesSeen: [] })).toEqual([]);
  });

  it('matches vendors case-insensitively and reports a vendor listed twice once', () => {
    expect(
      missingFeeds({ expected: [{ vendor: 'Pax8' }, { vendor: 'pax8' }], period: '2026-01', filesSeen: [] }),
    ).toEqual([{ vendor: 'pax8', period: '2026-01' }]);
    expect(
      missingFeeds({
        expected: [{ vendor: 'pax8' }],
        period: '2026-01',
        filesSeen: [{ vendor: 'PAX8', period: '2026-01' }],
      }),
    ).toEqual([]);
  });

  it('with today, leaves out feeds not yet due (dayOfMonth of the next month)', () => {
    const input = { expected, period: '2026-01', filesSeen: [] };
    expect(missingFeeds({ ...input, today: '2026-02-01' })).toEqual([{ vendor: 'ninjaone', period: '2026-01' }]);
    expect(missingFeeds({ ...input, today: '2026-02-05' }).map((f) => f.vendor)).toEqual(['ninjaone', 'pax8']);
    expect(missingFeeds({ ...input, today: '2026-02-12' }).map((f) => f.vendor)).toEqual([
      'microsoft',
      'ninjaone',
      'pax8',
    ]);
  });

  it('clamps the due day to the month', () => {
    expect(feedDueDate('2026-01', 31)).toBe('2026-02-28');
    expect(feedDueDate('2027-12', 31)).toBe('2028-01-31');
    expect(feedDueDate('2026-01')).toBe('2026-02-01');
  });
});
