import {describe, expect, it} from 'vitest'

import {IdleSlack} from '../../../src/core/worker/idle-slack.js'

describe('IdleSlack', () => {
  it('wakes at the deadline while the guest is active, and doubles the slack with each quiet wake-up up to the most', () => {
    const slack = new IdleSlack()
    expect(slack.sleepMs(5)).toBe(5) // active since it started
    const sleeps = Array.from({length: 8}, () => slack.sleepMs(5))
    expect(sleeps).toEqual([10, 20, 40, 80, 160, 250, 250, 250])
  })

  it('never wakes before the deadline', () => {
    const slack = new IdleSlack()
    slack.sleepMs(0)
    expect(slack.sleepMs(400)).toBe(400)
  })

  it('ends the slack at once on console activity or on port I/O other than an interrupt acknowledgement', () => {
    const slack = new IdleSlack()
    for (let i = 0; i < 6; i++) slack.sleepMs(1)
    slack.notePortAccess(0x20) // EOI to the master PIC: still idle
    slack.notePortAccess(0xa0)
    expect(slack.sleepMs(1)).toBe(250)
    slack.notePortAccess(0x3f8) // the guest wrote to COM1
    expect(slack.sleepMs(1)).toBe(1)
    expect(slack.sleepMs(1)).toBe(10)
    slack.noteActivity()
    expect(slack.sleepMs(1)).toBe(1)
  })
})
