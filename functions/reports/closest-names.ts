/**
 * "Did you mean" suggestions: the candidates whose text is most alike, by the Dice
 * coefficient of character bigrams (case-insensitive). Enough to point a billing lead from
 * `CFQ7TTC0MM8R:0002` to the mapped `CFQ7TTC0MM8R:0001`, or from `M365 Premium` to
 * `M365-BP — Microsoft 365 Business Premium`.
 */
export function closestNames(
  query: string,
  candidates: readonly { key: string; label: string }[],
  limit = 2,
  threshold = 0.3,
): string[] {
  const target = bigrams(query);
  return candidates
    .map((c) => ({ label: c.label, score: dice(target, bigrams(c.key)) }))
    .filter((c) => c.score >= threshold)
    .sort((a, b) => b.score - a.score || (a.label < b.label ? -1 : 1))
    .slice(0, limit)
    .map((c) => c.label);
}

function bigrams(text: string): Map<string, number> {
  const normalized = text.toLowerCase().replace(/\s+/g, ' ').trim();
  const counts = new Map<string, number>();
  for (let i = 0; i < normalized.length - 1; i += 1) {
    const pair = normalized.slice(i, i + 2);
    counts.set(pair, (counts.get(pair) ?? 0) + 1);
  }
  return counts;
}

function dice(a: Map<string, number>, b: Map<string, number>): number {
  let shared = 0;
  let total = 0;
  for (const n of a.values()) total += n;
  for (const n of b.values()) total += n;
  for (const [pair, n] of a) shared += Math.min(n, b.get(pair) ?? 0);
  return total === 0 ? 0 : (2 * shared) / total;
}
