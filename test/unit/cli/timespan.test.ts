import {describe, expect, it} from 'vitest'

import {parseTimeSpan} from '../../../src/cli/timespan.js'
import {InvalidArgumentError} from '../../../src/core/errors.js'

describe('parseTimeSpan', () => {
  it('reads the forms PowerShell converts to a TimeSpan', () => {
    expect(parseTimeSpan('01:30:00', 'X')).toBe(5400)
    expect(parseTimeSpan('00:00:01', 'X')).toBe(1)
    expect(parseTimeSpan('1:05', 'X')).toBe(3900)
    expect(parseTimeSpan('1.02:00:00', 'X')).toBe(93_600)
    expect(parseTimeSpan('00:00:02.5', 'X')).toBe(2.5)
    expect(parseTimeSpan('1', 'X')).toBe(86_400)
    expect(parseTimeSpan(' -00:10:00 ', 'X')).toBe(-600)
  })

  it('takes 24:00:00 as 24 hours, as scripts write the maximum', () => {
    expect(parseTimeSpan('24:00:00', 'X')).toBe(86_400)
  })

  it('refuses what is no TimeSpan, naming the parameter', () => {
    for (const bad of ['', 'abc', '1h', '25:00:00', '24:00:01', '00:60:00', '00:00:60', '1:2:3:4', '00:00:01.12345678']) {
      expect(() => parseTimeSpan(bad, 'ResourceMeteringSaveInterval'), bad).toThrow(InvalidArgumentError)
    }
    expect(() => parseTimeSpan('soon', 'ResourceMeteringSaveInterval')).toThrow(/'ResourceMeteringSaveInterval'.*"soon"/)
  })
})
