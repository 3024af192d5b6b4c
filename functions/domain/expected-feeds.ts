/**
 * Expected feeds: the vendors that must deliver usage for every period (sources.json
 * `expectedFeeds`). A vendor with no file for the period by the billing run is a
 * `missing_feed` discrepancy. Pure: the caller says which (vendor, period) pairs it has seen.
 *
 * `dayOfMonth` is the day of the month after the period by which the vendor delivers (Pax8
 * invoices on the 1st, Partner Center's around the 10th), clamped to that month's length.
 * When `today` is given, a feed not yet due on `today` is not reported; without `today`
 * every expected feed is checked.
 */
import { addMonths, daysInMonth, type IsoDate, type Period } from './dates.js';

export interface ExpectedFeedRule {
  readonly vendor: string;
  readonly dayOfMonth?: number;
}

export interface FeedKey {
  readonly vendor: string;
  readonly period: Period;
}

/** The day a feed for `period` is due: `dayOfMonth` of the next month (the 1st when absent). */
export function feedDueDate(period: Period, dayOfMonth = 1): IsoDate {
  const next = addMonths(period, 1);
  const [year, month] = next.split('-').map(Number) as [number, number];
  const day = Math.min(Math.max(1, Math.trunc(dayOfMonth)), daysInMonth(year, month));
  return `${next}-${String(day).padStart(2, '0')}`;
}

export function missingFeeds(input: {
  readonly expected: readonly ExpectedFeedRule[];
  readonly filesSeen: readonly FeedKey[];
  readonly period: Period;
  readonly today?: IsoDate;
}): FeedKey[] {
  const seen = new Set(
    input.filesSeen.filter((f) => f.period === input.period).map((f) => f.vendor.trim().toLowerCase()),
  );
  const missing: FeedKey[] = [];
  const reported = new Set<string>();
  for (const feed of input.expected) {
    const vendor = feed.vendor.trim().toLowerCase();
    if (reported.has(vendor) || seen.has(vendor)) continue;
    if (input.today !== undefined && input.today < feedDueDate(input.period, feed.dayOfMonth)) continue;
    reported.add(vendor);
    missing.push({ vendor, period: input.period });
  }
  return missing.sort((a, b) => (a.vendor < b.vendor ? -1 : a.vendor > b.vendor ? 1 : 0));
}
