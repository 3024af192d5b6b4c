/**
 * The auto-pay job (docs/auto-pay.md): daily, before dunning, it charges the saved payment
 * method of auto-pay clients for their invoices due. Made only when the CDK config turns
 * payments on (`payments: true`), beside the payments endpoint. It reads the provider secret
 * (the Stripe key it charges with) and the Pay-link key (what makes the payments wiring whole),
 * and may touch what applying a payment touches: the table, its emails' raw messages, the work
 * and discrepancy queues.
 */
import { Duration } from 'aws-cdk-lib';
import type { Grant, Job, JobProps } from './job.js';

/** 07:30 daily: after the billing run (06:00 on the 1st), before dunning (08:00) sees what it charged. */
export const DEFAULT_AUTO_PAY_SCHEDULE = 'cron(30 7 * * ? *)';

export interface AutoPayJobProps {
  /** Makes a job as the pipeline makes its others (environment, alarm topic, log retention, time zone). */
  readonly job: (props: Omit<JobProps, 'alarmTopic' | 'logRetention' | 'timeZone'>) => Job;
  /** @default DEFAULT_AUTO_PAY_SCHEDULE */
  readonly expression?: string;
  /**
   * The table, the emails prefix (put), the work and discrepancy queues (send), and the two
   * payment secrets (PaymentsEndpoint `readsProviderSecret`, `readsLinkKey`).
   */
  readonly grants: readonly Grant[];
}

export function autoPayJob(props: AutoPayJobProps): Job {
  return props.job({
    handlerName: 'auto-pay',
    description: "Charge auto-pay clients' saved payment methods for the invoices due, before dunning",
    timeout: Duration.minutes(5),
    reservedConcurrentExecutions: 1,
    grants: props.grants,
    trigger: {
      kind: 'schedule',
      expression: props.expression ?? DEFAULT_AUTO_PAY_SCHEDULE,
      description: 'TrueUp auto-pay (daily, before dunning)',
    },
  });
}
