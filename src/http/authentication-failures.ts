/**
 * Failed authentications per client address, in fixed one-minute windows. A request without a
 * token, or with one that is unknown, expired or revoked, spends from its address's budget; once
 * it is spent, requests from that address that the principal cache cannot admit are refused with
 * 429 before any token is looked up — guessing tokens costs the guesser, not the database.
 * Requests with a valid token never spend, so a well-behaved client is not slowed by a neighbour.
 */
export function createFailureBudget(perMinute: number, now: () => number = () => performance.now(), maxAddresses = 100_000) {
  const windows = new Map<string, { start: number; spent: number }>()
  const windowOf = (address: string) => {
    const at = now()
    let window = windows.get(address)
    if (!window || at - window.start >= 60_000) {
      if (window) windows.delete(address)
      // Oldest first out: a Map iterates in insertion order.
      if (windows.size >= maxAddresses) windows.delete(windows.keys().next().value!)
      window = { start: at, spent: 0 }
      windows.set(address, window)
    }
    return window
  }
  return {
    /** Seconds until the address may try again, or 0 while it has budget left. */
    exhausted(address: string): number {
      const window = windowOf(address)
      return window.spent >= perMinute ? Math.max(1, Math.ceil((window.start + 60_000 - now()) / 1000)) : 0
    },
    spend(address: string): void {
      windowOf(address).spent += 1
    },
  }
}
