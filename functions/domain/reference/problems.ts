/**
 * Expected errors in reference data are values, not exceptions (docs/contract.md §2: "Invalid
 * reference data stops the import with every problem listed (file, line, column, reason)").
 */
import { replaceControlCharacters, unicodeEscape } from '../../text/control-characters.js';

/** One thing wrong with an input file. `line` is the 1-based physical line (header = line 1). */
export interface Problem {
  readonly file: string;
  readonly line?: number;
  /** A CSV column name, or for JSON settings the key path (`invoice.paymentTermsDays`). */
  readonly column?: string;
  readonly reason: string;
}

/**
 * The outcome of reading one input. `warnings` are things the user should hear about that do
 * not stop the import (a payment listed twice: the first is kept).
 */
export type ParseResult<T> =
  | { readonly ok: true; readonly value: T; readonly warnings: readonly Problem[] }
  | { readonly ok: false; readonly problems: readonly Problem[] };

export function succeed<T>(value: T, warnings: readonly Problem[] = []): ParseResult<T> {
  return { ok: true, value, warnings };
}

export function fail<T>(problems: readonly Problem[]): ParseResult<T> {
  return { ok: false, problems };
}

/** Problems in reading order: by the order files are named in `fileOrder`, then by line. */
export function sortProblems(problems: readonly Problem[], fileOrder: readonly string[] = []): Problem[] {
  const rank = (file: string): number => {
    const index = fileOrder.indexOf(file);
    return index === -1 ? fileOrder.length : index;
  };
  return problems
    .map((problem, index) => ({ problem, index }))
    .sort(
      (a, b) =>
        rank(a.problem.file) - rank(b.problem.file) ||
        (a.problem.file < b.problem.file ? -1 : a.problem.file > b.problem.file ? 1 : 0) ||
        (a.problem.line ?? 0) - (b.problem.line ?? 0) ||
        a.index - b.index,
    )
    .map(({ problem }) => problem);
}

/**
 * One readable line for a problem: `agreements.csv line 7, column quantity: must be …`. File
 * names, header names and parser messages can carry text from the file: control characters
 * (an ESC sequence would drive the terminal the line is printed on, a line break would forge
 * another problem line) are shown as `\u001b`.
 */
export function formatProblem(problem: Problem): string {
  let where = problem.file;
  if (problem.line !== undefined) where += ` line ${problem.line}`;
  if (problem.column !== undefined) {
    const word = /\.json$/i.test(problem.file) ? 'setting' : 'column';
    where += `, ${word} ${problem.column}`;
  }
  return visible(`${where}: ${problem.reason}`);
}

/** `text` with every control character and line separator written as a `\uXXXX` escape. */
export function visible(text: string): string {
  return replaceControlCharacters(text, unicodeEscape);
}

/** One line per problem, in the order given. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map(formatProblem).join('\n');
}
