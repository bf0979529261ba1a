/**
 * Progress of a long operation (export, import) on stderr, only on a terminal
 * and only when there is enough to copy to be worth showing: one line,
 * rewritten in place, ended when the operation ends.
 */
export function progressLine(label: string, minimumBytes = 32 * 1024 * 1024) {
  const show = Boolean(process.stderr.isTTY)
  let last = -1
  let shown = false
  return {
    update(done: number, total: number): void {
      if (!show || total < minimumBytes) return
      const percent = Math.min(100, Math.floor((done / total) * 100))
      if (percent === last) return
      last = percent
      shown = true
      process.stderr.write(`\r${label}: ${percent}% (${(done / 1048576).toFixed(0)} of ${(total / 1048576).toFixed(0)} MB)`)
    },
    end(): void {
      if (shown) process.stderr.write('\n')
    },
  }
}
