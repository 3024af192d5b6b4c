/** The AR aging buckets of docs/contract.md §8, by days past due (asOf − due date). */
import type { Dec } from './money.js';

export const AGING_BUCKETS = ['current', '1-30', '31-60', '61-90', '90+'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];
export type AgingAmounts = Readonly<Record<AgingBucket, Dec>>;

/** `current` ≤ 0, `1-30`, `31-60`, `61-90`, `90+` ≥ 91. */
export function agingBucket(daysPastDue: number): AgingBucket {
  if (daysPastDue <= 0) return 'current';
  if (daysPastDue <= 30) return '1-30';
  if (daysPastDue <= 60) return '31-60';
  if (daysPastDue <= 90) return '61-90';
  return '90+';
}
