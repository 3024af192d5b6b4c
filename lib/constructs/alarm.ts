import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

export interface AtLeastOneAlarmProps {
  /** What went wrong and what to do about it: the text of the alarm's email. */
  readonly description: string;
  readonly metric: cloudwatch.IMetric;
  /** Where the alarm is sent; none: the alarm only shows on the dashboard. */
  readonly topic?: sns.ITopic;
}

/**
 * The alarm of every TrueUp construct: `metric` reached 1 in one period. A period without data
 * is not a breach (no messages, no errors, nothing due).
 */
export function atLeastOneAlarm(scope: Construct, id: string, props: AtLeastOneAlarmProps): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmDescription: props.description,
    metric: props.metric,
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  if (props.topic) alarm.addAlarmAction(new cwActions.SnsAction(props.topic));
  return alarm;
}
