import fc from 'fast-check'

/** 32-bit values biased towards the edges of the 8-, 16- and 32-bit ranges. */
export const edgeOrAny: fc.Arbitrary<number> = fc.oneof(
  {weight: 2, arbitrary: fc.constantFrom(
    0, 1, 2, 0x0f, 0x10, 0x7f, 0x80, 0x81, 0xff, 0x100, 0x7fff, 0x8000, 0x8001, 0xffff, 0x10000,
    0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff,
  )},
  {weight: 3, arbitrary: fc.integer({min: 0, max: 0xffffffff})},
  // high bits random, low byte/word at an edge
  {weight: 1, arbitrary: fc.tuple(fc.integer({min: 0, max: 0xffffffff}), fc.constantFrom(0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff))
    .map(([hi, lo]) => ((hi & ~(lo > 0xff ? 0xffff : 0xff)) | lo) >>> 0)},
)

/** EFLAGS input: any combination of the six arithmetic flags (DF, IF and TF clear). */
export const arithFlags: fc.Arbitrary<number> = fc.integer({min: 0, max: 63}).map((bits) => {
  const map = [0x001, 0x004, 0x010, 0x040, 0x080, 0x800]
  let f = 0x2
  map.forEach((bit, i) => {
    if (bits & (1 << i)) f |= bit
  })
  return f
})

/** Shift counts in CL: 0, 1, around the widths, above 31. */
export const shiftCount: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, 1, 2, 7, 8, 9, 15, 16, 17, 18, 31, 32, 33, 63, 255),
  fc.integer({min: 0, max: 255}),
)

export const width: fc.Arbitrary<8 | 16 | 32> = fc.constantFrom(8 as const, 16 as const, 32 as const)

/** Runs per property; HV_PROPERTY_RUNS raises it for a longer search. */
export const NUM_RUNS = Number(process.env.HV_PROPERTY_RUNS ?? 300)
