import { isIP } from 'node:net';
import { kind } from './variable.js';

/** An address, or an address with a prefix length that fits its family. */
function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Which peers may tell the client's address in X-Forwarded-For, as Fastify's `trustProxy`
 * takes it: `false`, the socket's address is the client's (a forged header is ignored); a
 * comma-separated list of proxy addresses and CIDRs (`10.0.0.0/8,127.0.0.1`), whose forwarded
 * address is believed; or a hop count (`1`: the one proxy in front), which believes whoever
 * connects, so only where nothing reaches the server but its proxies. The address counts
 * toward the per-address sign-in and client-authentication limits and goes into the audit
 * trail. `true` (trust any hop) is refused: it would let every client choose the address it
 * is counted as.
 */
export const trustProxy = kind<false | number | string[]>(
  'false, a hop count from 1 to 32, or a comma-separated list of proxy addresses or CIDRs',
  (value) => {
    if (/^false$/i.test(value)) return false;
    if (/^\d+$/.test(value))
      return Number(value) >= 1 && Number(value) <= 32 ? Number(value) : undefined;
    const entries = value.split(',').map((entry) => entry.trim());
    return entries.every(isAddressOrCidr) ? entries : undefined;
  },
);
