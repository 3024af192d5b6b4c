/**
 * The aging report's schedule runs every day on AWS; the report goes out only on the data
 * folder's `reports.agingWeekday`, so that setting, not the deployment's cron, decides the day.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduledAgingReport } from '../../functions/app/send-reports.js';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local-runner/local-runtime.js';
import { DEFAULT_SETTINGS } from '../../functions/domain/reference/index.js';
import { reference, settings } from '../support/builders.js';

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocalRuntime();
  // Wednesday, not the default Monday.
  await runtime.deps.ledger.saveReferenceData(
    reference({ settings: settings({ reports: { ...DEFAULT_SETTINGS.reports, agingWeekday: 3 } }) }),
  );
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('scheduledAgingReport', () => {
  it('sends nothing on another weekday, Monday included', async () => {
    const monday = await scheduledAgingReport(runtime.deps, { today: '2026-03-02' });
    const tuesday = await scheduledAgingReport(runtime.deps, { today: '2026-03-03' });

    expect([monday.sent, tuesday.sent]).toEqual([false, false]);
    expect(await runtime.deps.ledger.getOutbox('report#aging#2026-03-02')).toBeUndefined();
  });

  it('records the report email on the configured weekday', async () => {
    const wednesday = await scheduledAgingReport(runtime.deps, { today: '2026-03-04' });

    expect(wednesday.sent).toBe(true);
    expect((await runtime.deps.ledger.getOutbox('report#aging#2026-03-04'))?.kind).toBe('aging_report');
  });
});
