/**
 * FNV-1a over UTF-16 code units, 32 bits: the hash of the ingest's own tables (Interner,
 * ReferenceSet). A text's hash is `hashStep` applied to FNV_SEED and each code unit in turn.
 */
export const FNV_SEED = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

export function hashStep(hash: number, code: number): number {
  return Math.imul(hash ^ code, FNV_PRIME);
}
