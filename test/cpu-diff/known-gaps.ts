/**
 * Differential programs that exercise processor features not implemented
 * yet, with the reason. diff.test.ts runs them as expected failures
 * (`it.fails`, so the suite says when one starts to pass and its entry should
 * go); snapshot.test.ts skips them, since a checkpoint cannot fix a run that
 * does not match QEMU in the first place.
 */
const FPU = 'x87 FPU not implemented yet'

export const KNOWN_GAPS: Record<string, string> = {
  'fpu-arith': FPU,
  'fpu-compare': FPU,
  'fpu-convert': FPU,
  'fpu-env': FPU,
  'fpu-except': FPU,
  'fpu-misc': FPU,
  'fpu-transc': FPU,
}
