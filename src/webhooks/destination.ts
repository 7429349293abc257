import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'
import { Refusal } from '../errors.js'

/**
 * Where a webhook may deliver (docs/webhooks.md). The service sits inside a government network:
 * a webhook URL must not turn it into a way to reach what only it can reach — cloud metadata,
 * its own loopback, the private network — nor, through the delivery log, into a port scanner.
 * So only public unicast addresses are delivered to, checked on every address a name resolves to,
 * at registration and again at every connection (a name that resolves elsewhere later, DNS
 * rebinding, is caught when it connects), and redirects are never followed. Receivers on the
 * intranet are allowed by the operator, by host name, address or CIDR (WEBHOOK_ALLOWED_HOSTS);
 * link-local and metadata addresses stay refused even then.
 */
export interface DestinationPolicy {
  /** Host names allowed whatever they resolve to (lower case, no trailing dot). */
  hosts: ReadonlySet<string>
  /** Addresses and ranges allowed although not public. */
  ranges: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]>
}

export const strictPolicy: DestinationPolicy = { hosts: new Set(), ranges: [] }

/** Parses WEBHOOK_ALLOWED_HOSTS: host names, IP addresses and CIDR ranges, comma-separated. */
export function parseAllowList(entries: readonly string[]): DestinationPolicy {
  const hosts = new Set<string>()
  const ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = []
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1')
    if (!entry) continue
    if (entry.includes('/')) ranges.push(ipaddr.parseCIDR(entry))
    else if (ipaddr.isValid(entry)) {
      const address = ipaddr.parse(entry)
      ranges.push([address, address.kind() === 'ipv4' ? 32 : 128])
    } else if (/^[a-z0-9.-]+$/.test(entry)) hosts.add(entry.replace(/\.$/, ''))
    else throw new Error(`WEBHOOK_ALLOWED_HOSTS: ${raw} is neither a host name, an address nor a CIDR range`)
  }
  return { hosts, ranges }
}

/** Cloud instance metadata and similar: refused whatever the allow-list says. */
const metadataHosts = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'metadata.tencentyun.com', 'metadata.azure.com'])
const metadataAddresses = ['100.100.100.200', '168.63.129.16', 'fd00:ec2::254', '192.0.0.192'].map((a) => ipaddr.parse(a).toString())

const refused = (url: string, reason: string) =>
  new Refusal(422, 'WEBHOOK_URL_REFUSED', `webhooks are not delivered to ${url}: ${reason}`, { url, reason })

const localNat64 = ipaddr.parseCIDR('64:ff9b:1::/48')
const wellKnownNat64 = ipaddr.parseCIDR('64:ff9b::/96')

/**
 * The IPv4 address an IPv6 address carries, if any: mapped (::ffff:a.b.c.d), IPv4-compatible
 * (::a.b.c.d, deprecated but still routed by some hosts) or the well-known NAT64 prefix
 * (64:ff9b::/96, RFC 6052), each with the IPv4 address in its last 32 bits.
 */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const parts = address.parts
  const last32 = () => ipaddr.fromByteArray(address.toByteArray().slice(12)) as ipaddr.IPv4
  if (address.isIPv4MappedAddress()) return address.toIPv4Address()
  if (address.match(wellKnownNat64)) return last32()
  if (parts.slice(0, 6).every((p) => p === 0) && (parts[6] !== 0 || parts[7]! > 1)) return last32()
  return undefined
}

/** Why an address may not be delivered to, or undefined if it may. */
export function addressRefusal(text: string, policy: DestinationPolicy, hostAllowed = false): string | undefined {
  let address = ipaddr.parse(text.replace(/^\[(.*)\]$/, '$1'))
  if (address.kind() === 'ipv6') address = embeddedIPv4(address as ipaddr.IPv6) ?? address
  // A local NAT64 prefix (RFC 8215) places its IPv4 address where the operator chose: it may be anything.
  const range = address.kind() === 'ipv6' && address.match(localNat64) ? 'local NAT64' : address.range()
  if (range === 'linkLocal' || metadataAddresses.includes(address.toString())) return `${address} is a link-local or cloud metadata address`
  if (range === 'unicast') return undefined
  if (hostAllowed) return undefined
  if (policy.ranges.some(([base, bits]) => base.kind() === address.kind() && address.match(base, bits))) return undefined
  return `${address} is a ${range} address (allow it with WEBHOOK_ALLOWED_HOSTS)`
}

type Lookup = (hostname: string) => Promise<LookupAddress[]>
const systemLookup: Lookup = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))))

/**
 * Checks a URL before it is registered or delivered to: the scheme, no user information, and
 * every address its host resolves to. Returns the checked addresses; refuses with 422.
 */
export async function checkDestination(text: string, policy: DestinationPolicy, lookup: Lookup = systemLookup): Promise<LookupAddress[]> {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw refused(text, 'it is not a URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refused(text, 'only http and https are delivered to')
  if (url.username || url.password) throw refused(text, 'a URL with user information is not accepted; authenticate with the signature')
  // The WHATWG parser has already turned 0x7f.1, 2130706433 and the like into dotted addresses.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase()
  if (metadataHosts.has(host)) throw refused(text, `${host} is a cloud metadata host`)
  const hostAllowed = policy.hosts.has(host)
  // Names that mean this machine whatever a resolver says (RFC 6761).
  if ((host === 'localhost' || host.endsWith('.localhost')) && !hostAllowed) throw refused(text, `${host} is this machine`)
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host).catch(() => [])
  if (addresses.length === 0) throw refused(text, `${host} does not resolve`)
  for (const { address } of addresses) {
    const reason = addressRefusal(address, policy, hostAllowed)
    if (reason) throw refused(text, reason)
  }
  return addresses
}

/**
 * A `lookup` for node:http that connects only to checked addresses: what the name resolves to at
 * the moment of connecting is what is checked, so a name cannot pass the check and then point elsewhere.
 */
export function guardedLookup(url: string, policy: DestinationPolicy, lookup: Lookup = systemLookup) {
  return (_hostname: string, options: { family?: number | string; all?: boolean }, callback: (...args: any[]) => void) => {
    checkDestination(url, policy, lookup).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses
        if (wanted.length === 0) return callback(refused(url, 'no address of the family asked for'))
        if (options.all) return callback(null, wanted)
        return callback(null, wanted[0]!.address, wanted[0]!.family)
      },
      (error) => callback(error),
    )
  }
}
