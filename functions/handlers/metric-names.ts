/**
 * Metric names the CDK stack alarms on (lib/), kept here beside the handlers that publish them
 * so a rename cannot silently disconnect an alarm. Namespace `TrueUp`, dimension `service` =
 * the function's POWERTOOLS_SERVICE_NAME (`trueup-<handler>`).
 */

/** Published by billing-run once per completed run (not on an idempotent replay). */
export const BILLING_RUN_COMPLETED = 'BillingRuns';

/** Published by a schedule of its own at each billing-run schedule time (lib/constructs/missed-run-alarm.ts). */
export const BILLING_RUN_EXPECTED = 'BillingRunsExpected';

/**
 * Published by dunning-run each day in hold mode (docs/review.md): the drafts waiting for
 * review longer than `invoice.reviewAlarmDays`. The drafts-waiting alarm fires at 1.
 */
export const DRAFTS_WAITING = 'DraftsWaitingReview';
