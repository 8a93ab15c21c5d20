import type { NatPlan } from './nat-backend.ts';
import type { NatBackendName } from './nat-record.ts';

/** The firewall half of Linux sharing (nftables or iptables); ip_forward is handled around it. */
export interface LinuxFirewall {
  readonly name: Extract<NatBackendName, 'nft' | 'iptables'>;
  /** Throws NatError('unavailable') if the tool is missing, NatError('privilege') if refused. */
  probe(): Promise<void>;
  /** Installs Bootcast's rules (replacing any stale ones of its own); returns what is applied. */
  apply(plan: NatPlan): Promise<string[]>;
  /** Removes every rule/chain/table Bootcast owns, whichever exist; returns what was removed. */
  remove(): Promise<string[]>;
}
