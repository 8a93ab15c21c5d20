import type { Ipv4Cidr } from './ipv4-cidr.ts';
import { NatError } from './nat-errors.ts';
import type { NatBackendName, NatRecord } from './nat-record.ts';

/** What to share: the PXE side (interface + subnet) and the interface that reaches the internet. */
export interface NatPlan {
  lanInterface: string;
  lan: Ipv4Cidr;
  uplink: string;
}

/**
 * One OS mechanism (nftables, iptables, pf, WinNAT, ICS). The controller drives it in this order:
 * probe → snapshot → (record written) → apply → (record updated); remove on disable, on a
 * failed apply, and on recovery. `remove` must be idempotent and touch only what Bootcast owns.
 */
export interface NatBackend {
  readonly name: NatBackendName;
  /** Throws NatError('privilege' | 'unavailable') without changing anything. */
  probe(): Promise<void>;
  /** Interfaces holding an IPv4 default route, best first. */
  defaultRouteInterfaces(): Promise<string[]>;
  /** Values to restore later, read before any change (e.g. { ipForward: '0' }). */
  snapshot(plan: NatPlan): Promise<Record<string, string>>;
  /**
   * Applies the plan; returns human-readable lines of what is now in place. `persist` saves
   * values learnt while applying (e.g. a pf enable token) into the record before continuing.
   */
  apply(plan: NatPlan, restore: Record<string, string>, persist: (restore: Record<string, string>) => Promise<void>): Promise<string[]>;
  /** Undoes everything `record` may have applied; returns lines of what was removed/restored. */
  remove(record: NatRecord): Promise<string[]>;
}

/** Interface names end up inside firewall rules and scripts: allow only what real names use. */
export function checkInterfaceName(name: string, what: string, pattern = /^[A-Za-z0-9_.:@-]{1,15}$/): void {
  if (!pattern.test(name)) throw new NatError(`${what} "${name}" is not a valid interface name`, 'invalid');
}
