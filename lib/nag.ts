/**
 * cdk-nag 3.x runs as a policy-validation plugin and matches acknowledgments exactly
 * (`Rule[finding]`, no patterns). The grants below are the pipeline's only source of IAM
 * wildcards, so each helper makes the grant and acknowledges exactly the findings it causes,
 * with the reason, on the role that receives it.
 */
import { Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';

/** Acknowledges one cdk-nag finding on a construct (and its children). */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** A bucket imported from a named export, with the export's name (how cdk-nag prints its ARN). */
export interface ExportedBucket {
  readonly bucket: s3.IBucket;
  readonly arnExportName: string;
}

/** Read objects under one prefix (s3:GetObject*, s3:List*, s3:GetBucket* via grantRead). */
export function grantReadPrefix(
  grantee: iam.IGrantable & IConstruct,
  role: IConstruct,
  source: ExportedBucket,
  prefix: string,
): void {
  source.bucket.grantRead(grantee, `${prefix}*`);
  const why = `grantRead limited to ${prefix}* of one bucket: the action wildcards are CDK's read set (GetObject, GetObjectVersion, List, GetBucketLocation…), the resource wildcard is the object-key prefix this job reads.`;
  for (const finding of [
    'Action::s3:GetObject*',
    'Action::s3:GetBucket*',
    'Action::s3:List*',
    `Resource::${source.arnExportName}/${prefix}*`,
  ]) {
    acknowledge(role, `AwsSolutions-IAM5[${finding}]`, why);
  }
}

/** Write objects under one prefix (s3:PutObject… and s3:Abort* for multipart, via grantPut). */
export function grantPutPrefix(
  grantee: iam.IGrantable & IConstruct,
  role: IConstruct,
  source: ExportedBucket,
  prefix: string,
): void {
  source.bucket.grantPut(grantee, `${prefix}*`);
  const why = `grantPut limited to ${prefix}* of one bucket: s3:Abort* is AbortMultipartUpload for large uploads; the resource wildcard is the object-key prefix this job writes.`;
  for (const finding of ['Action::s3:Abort*', `Resource::${source.arnExportName}/${prefix}*`]) {
    acknowledge(role, `AwsSolutions-IAM5[${finding}]`, why);
  }
}

/** Table access via grantReadWriteData / grantReadData, which include the table's indexes. */
export function grantTable(
  grantee: iam.IGrantable,
  role: IConstruct,
  table: dynamodb.ITable,
  tableArnExportName: string,
  access: 'read' | 'readWrite',
): void {
  if (access === 'read') table.grantReadData(grantee);
  else table.grantReadWriteData(grantee);
  acknowledge(
    role,
    `AwsSolutions-IAM5[Resource::${tableArnExportName}/index/*]`,
    'The wildcard is the indexes of the one ledger table (GSI1 open invoices by due date, GSI2 discrepancies by status), added by the grant.',
  );
}
