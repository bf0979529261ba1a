/**
 * Differential programs that exercise processor features not implemented
 * yet, with the reason. diff.test.ts runs them as expected failures
 * (`it.fails`, so the suite says when one starts to pass and its entry should
 * go); snapshot.test.ts skips them, since a checkpoint cannot fix a run that
 * does not match QEMU in the first place.
 */
export const KNOWN_GAPS: Record<string, string> = {}
