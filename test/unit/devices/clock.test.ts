import {describe, expect, it} from 'vitest'
import {ManualClock} from '../../../src/core/devices/clock.js'

describe('ManualClock', () => {
  it('fires due timers in deadline order, then creation order, at their deadlines', () => {
    const clock = new ManualClock(100)
    const fired: [string, number][] = []
    clock.setTimer(300, () => fired.push(['c', clock.nowNs()]))
    clock.setTimer(200, () => fired.push(['a', clock.nowNs()]))
    clock.setTimer(200, () => fired.push(['b', clock.nowNs()]))
    clock.setTimer(900, () => fired.push(['late', clock.nowNs()]))
    clock.advanceTo(500)
    expect(fired).toEqual([['a', 200], ['b', 200], ['c', 300]])
    expect(clock.nowNs()).toBe(500)
    expect(clock.nextDeadline()).toBe(900)
  })

  it('fires timers that callbacks set within the same advance', () => {
    const clock = new ManualClock()
    const fired: number[] = []
    const tick = () => {
      fired.push(clock.nowNs())
      if (fired.length < 5) clock.setTimer(clock.nowNs() + 10, tick)
    }
    clock.setTimer(10, tick)
    clock.advanceBy(1000)
    expect(fired).toEqual([10, 20, 30, 40, 50])
  })

  it('does not fire a cancelled timer and fires a past deadline at the current time', () => {
    const clock = new ManualClock(1000)
    const fired: number[] = []
    clock.setTimer(1500, () => fired.push(1)).cancel()
    clock.setTimer(10, () => fired.push(clock.nowNs()))
    expect(clock.pendingTimers).toBe(1)
    clock.advanceBy(1000)
    expect(fired).toEqual([1000])
  })

  it('refuses to go backwards', () => {
    const clock = new ManualClock(50)
    expect(() => clock.advanceTo(10)).toThrow(/backwards/)
  })
})
