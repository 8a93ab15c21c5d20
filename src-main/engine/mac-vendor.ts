import { normalizeMac } from '../shared/mac.ts';

/**
 * NIC vendor from a MAC's OUI (first three bytes), for the client list. A small curated table
 * of what shows up on a PXE bench — hypervisors and the usual server/laptop NIC makers — each
 * entry checked against the IEEE MA-L registry, not the whole registry (tens of thousands of
 * entries, mostly irrelevant here). 52:54:00 is the exception: a locally administered prefix
 * that QEMU/libvirt use by convention, not an IEEE assignment.
 */
const OUI_VENDORS: Readonly<Record<string, string>> = {
  // Hypervisors
  '52:54:00': 'QEMU/KVM',
  '08:00:27': 'VirtualBox',
  '00:50:56': 'VMware',
  '00:0c:29': 'VMware',
  '00:05:69': 'VMware',
  '00:1c:14': 'VMware',
  '00:15:5d': 'Microsoft Hyper-V',
  '00:03:ff': 'Microsoft',
  '00:0d:3a': 'Microsoft',
  '00:16:3e': 'Xen',
  '00:1c:42': 'Parallels',
  // NIC chip makers
  '00:02:b3': 'Intel',
  '00:03:47': 'Intel',
  '00:07:e9': 'Intel',
  '00:0e:0c': 'Intel',
  '00:15:17': 'Intel',
  '00:1b:21': 'Intel',
  '00:1e:67': 'Intel',
  '00:a0:c9': 'Intel',
  '3c:fd:fe': 'Intel',
  '68:05:ca': 'Intel',
  'a0:36:9f': 'Intel',
  '00:e0:4c': 'Realtek',
  '00:10:18': 'Broadcom',
  '00:0a:f7': 'Broadcom',
  '00:02:c9': 'Mellanox',
  'e4:1d:2d': 'Mellanox',
  // Machine makers
  '00:14:22': 'Dell',
  '00:18:8b': 'Dell',
  '00:1e:c9': 'Dell',
  '00:b0:d0': 'Dell',
  '14:fe:b5': 'Dell',
  '3c:2c:30': 'Dell',
  '5c:26:0a': 'Dell',
  'b8:ca:3a': 'Dell',
  'c8:1f:66': 'Dell',
  'd4:be:d9': 'Dell',
  'f4:ee:08': 'Dell',
  'f8:bc:12': 'Dell',
  '00:17:a4': 'HP',
  '00:1e:0b': 'HP',
  '00:21:5a': 'HP',
  '00:22:64': 'HP',
  '10:e7:c6': 'HP',
  '3c:d9:2b': 'HP',
  '98:e7:f4': 'HP',
  'a0:d3:c1': 'HP',
  'f0:92:1c': 'HP',
  '10:c5:95': 'Lenovo',
  '20:76:93': 'Lenovo',
  '80:96:21': 'Lenovo',
  'a4:11:94': 'Lenovo',
  'a4:8c:db': 'Lenovo',
  '00:03:93': 'Apple',
  '00:0a:95': 'Apple',
  '00:1b:63': 'Apple',
  '00:25:90': 'Supermicro',
  '0c:c4:7a': 'Supermicro',
  '00:17:31': 'ASUS',
  '2c:4d:54': 'ASUS',
};

/** Vendor name for a MAC in any usual spelling, or undefined when unknown or not a MAC. */
export function lookupMacVendor(mac: string): string | undefined {
  const norm = normalizeMac(mac);
  return norm ? OUI_VENDORS[norm.slice(0, 8)] : undefined;
}

/** Whether the MAC is locally administered (bit 1 of the first byte): randomised or virtual, no OUI. */
export function isLocallyAdministered(mac: string): boolean {
  const norm = normalizeMac(mac);
  return norm !== undefined && (parseInt(norm.slice(0, 2), 16) & 0x02) !== 0;
}
