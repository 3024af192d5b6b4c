/**
 * What `trueup validate` says of a data folder's usage files: each one read as the ingest would
 * read it (the same reader, on a file stream, gzip included), in the order simulate drops
 * them, with the ingest's duplicate checks (the same content twice is a duplicate file; a
 * (vendor, period, reference) seen before is a duplicate row). Nothing is stored anywhere: no
 * stand-in is started.
 */
import { createReadStream } from 'node:fs';
import type { UsageFile } from '../adapters/local/read-data-folder.js';
import { readUsageFile, type RowRejection } from '../ingest/read-usage-file.js';
import { ReferenceSet } from '../ingest/reference-set.js';
import { visible } from '../domain/reference/problems.js';

export interface UsageFileCheck {
  readonly name: string;
  readonly format?: string;
  readonly rowsRead: number;
  readonly rowsAccepted: number;
  readonly rowsRejected: number;
  readonly rowsDuplicate: number;
  /** Why the file cannot be read (or stops being read), as the ingest records it. */
  readonly fileError?: string;
  /** The earlier file with the same content: the ingest would take nothing from this one. */
  readonly duplicateOf?: string;
  /** The first rejected rows (at most `keep` per file). */
  readonly rejections: readonly RowRejection[];
}

export async function checkUsageFiles(files: readonly UsageFile[], keep = 5): Promise<UsageFileCheck[]> {
  const references = new ReferenceSet();
  const bySha = new Map<string, string>();
  const checks: UsageFileCheck[] = [];
  for (const { name, path } of files) {
    // A duplicate file's references are all in the set already, so reading it adds none.
    const summary = await readUsageFile({ name, chunks: createReadStream(path) }, () => undefined, {
      isDuplicate: (key) => references.seen(key),
    });
    const duplicateOf = bySha.get(summary.sha256);
    if (duplicateOf !== undefined) {
      checks.push({
        name,
        duplicateOf,
        rowsRead: 0,
        rowsAccepted: 0,
        rowsRejected: 0,
        rowsDuplicate: 0,
        rejections: [],
      });
      continue;
    }
    bySha.set(summary.sha256, name);
    checks.push({
      name,
      format: summary.format,
      rowsRead: summary.rowsRead,
      rowsAccepted: summary.rowsAccepted,
      rowsRejected: summary.rowsRejected,
      rowsDuplicate: summary.rowsDuplicate,
      ...(summary.fileError === undefined ? {} : { fileError: summary.fileError }),
      rejections: summary.rejections.slice(0, keep),
    });
  }
  return checks;
}

/**
 * The checks as lines for the terminal: one per file, then the first rejected rows with file,
 * line, field and reason. File names and messages are shown with their control characters
 * escaped. `failed`: how many files have a rejected row or cannot be read.
 */
export function formatUsageChecks(checks: readonly UsageFileCheck[]): {
  readonly text: string;
  readonly failed: number;
} {
  if (checks.length === 0) return { text: '', failed: 0 };
  const width = Math.min(60, Math.max(...checks.map((check) => visible(check.name).length)));
  const lines = ['Usage files, read as the ingest would read them:'];
  for (const check of checks) {
    const name = visible(check.name).padEnd(width);
    if (check.duplicateOf !== undefined) {
      lines.push(`  ${name}  duplicate of ${visible(check.duplicateOf)}: nothing would be ingested`);
      continue;
    }
    const counts = `${check.rowsRead} read, ${check.rowsAccepted} accepted, ${check.rowsRejected} rejected, ${check.rowsDuplicate} duplicate`;
    lines.push(
      `  ${name}  ${check.format ?? 'unreadable'}: ${counts}${check.fileError === undefined ? '' : `; file error: ${visible(check.fileError)}`}`,
    );
  }
  const failing = checks.filter((check) => check.rowsRejected > 0 || check.fileError !== undefined);
  const rejections = failing.flatMap((check) => check.rejections);
  if (failing.length > 0) {
    const rows = failing.reduce((sum, check) => sum + check.rowsRejected, 0);
    const unreadable = failing.filter((check) => check.fileError !== undefined).length;
    lines.push(
      `${rows} row(s) would be rejected${unreadable > 0 ? ` and ${unreadable} file(s) stop at a file error` : ''}; the ingest takes the rest.`,
    );
  }
  if (rejections.length > 0) {
    lines.push('First rejected rows:');
    for (const r of rejections)
      lines.push(`  ${visible(r.file)} line ${r.line}${r.field === undefined ? '' : `, ${r.field}`}: ${r.reason}`);
  }
  return { text: lines.join('\n'), failed: failing.length };
}
