/**
 * Network boot, end to end: seconds from QEMU start to the test ISO's marker line, booted through
 * the seed's classic recipe (dnsmasq DHCP+TFTP, busybox httpd over the extracted ISO, a static
 * iPXE script; bench/support/reference-pxe.ts), default and expert-tuned, and through
 * `bootcast serve ISO --dhcp full|proxy`, in the same namespace lab as test/e2e/pxe-boot.test.ts:
 *
 *   bbsrv: br0 198.18.0.1/24 (the server under test, the QEMU tap, lanport) + wan0 198.19.0.2/24 (default route)
 *   bblan: eth0 198.18.0.254 on br0 via lanport (keeps the bridge's carrier up between guests;
 *          in proxy mode the LAN's own DHCP server, a plain dnsmasq, runs here)
 *   bbwan: 198.19.0.1 (uplink; nothing answers PXE there)
 *
 * BIOS = SeaBIOS + iPXE option ROM; UEFI = OVMF's own PXE → a loader by TFTP → iPXE. Runs are
 * interleaved (the setups take turns, which one boots first rotating every run) so that load from other work on the machine falls on both alike. Each server is started
 * fresh for each boot and stopped (ports 67/69/80 free again) before the next one.
 *
 * Prints the median per DHCP mode, firmware and setup, the ratios bootcast/reference and
 * bootcast/tuned reference, and
 * where the time goes, from serial-console milestones. A failed or timed-out boot is a row in
 * the table, not a crash; the bench exits 1 if any Bootcast boot failed.
 *
 * Environment: BENCH_RUNS (boots per firmware and setup, default 3), BENCH_BOOT_TIMEOUT_S (per
 * boot, default 240), BENCH_BOOT_FIRMWARE (bios,uefi), BENCH_BOOT_MODES (full,proxy: Bootcast
 * --dhcp full, or --dhcp proxy beside a LAN dnsmasq in bblan), BENCH_BOOT_SETUPS
 * (reference,tuned,bootcast: see bench/support/reference-pxe.ts), BENCH_KEEP=1 (keep logs and serials),
 * BENCH_BOOT_RA=1: an experiment, not the standard comparison — answer IPv6 router solicitations
 * on br0 with "no router here" (bench/support/ra-responder.py, python3) for both setups alike,
 * to measure what iPXE's IPv6 wait costs and what Bootcast would gain by ending it.
 * Needs root, qemu-system-x86, ipxe-qemu, ovmf, ipxe, dnsmasq-base, busybox-static, xorriso and
 * the packages test/support/make-test-iso.sh needs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NetLab } from '../test/support/netns.ts';
import { QemuGuest, kvmUsable, serialTail } from '../test/support/qemu-guest.ts';
import { NsServer, type Port } from './support/ns-server.ts';
import { REFERENCE_PORTS, ReferencePxe, referenceMissing } from './support/reference-pxe.ts';
import { BOOT_MILESTONES as M, SerialMilestones } from './support/serial-milestones.ts';

type Firmware = 'bios' | 'uefi';
type Mode = 'full' | 'proxy';
type Setup = 'reference' | 'tuned' | 'bootcast';
const SETUP_LABEL: Record<Setup, string> = { reference: 'reference', tuned: 'ref-tuned', bootcast: 'bootcast' };

const ROOT = resolve(import.meta.dirname, '..');
const RUNS = Math.max(1, Math.floor(Number(process.env.BENCH_RUNS ?? 3)) || 3);
const BOOT_TIMEOUT_S = Number(process.env.BENCH_BOOT_TIMEOUT_S ?? 240) || 240;
const FIRMWARES = (process.env.BENCH_BOOT_FIRMWARE ?? 'bios,uefi').split(',').map((f) => f.trim()) as Firmware[];
const MODES = (process.env.BENCH_BOOT_MODES ?? 'full,proxy').split(',').map((f) => f.trim()) as Mode[];
const SETUPS = (process.env.BENCH_BOOT_SETUPS ?? 'reference,tuned,bootcast').split(',').map((f) => f.trim()) as Setup[];
const KEEP = !!process.env.BENCH_KEEP;
const RA = !!process.env.BENCH_BOOT_RA;
/** Whole bench: every boot at its timeout plus server start/stop; no boot starts past it. */
const DEADLINE_S = RUNS * FIRMWARES.length * MODES.length * SETUPS.length * (BOOT_TIMEOUT_S + 30) + 180;
const SERVER_IP = '198.18.0.1';
/** The LAN's own router and DHCP server in proxy mode (namespace bblan). */
const LAN_ROUTER = '198.18.0.254';
const RA_RESPONDER = join(ROOT, 'bench/support/ra-responder.py');
const MACS: Record<Firmware, string> = { bios: '52:54:00:be:00:01', uefi: '52:54:00:be:00:02' };
/** Bootcast full mode also answers PXE on 4011; it must be gone before dnsmasq starts. */
const BOOTCAST_PORTS: Port[] = [...REFERENCE_PORTS, { proto: 'udp', port: 4011 }];

interface RunningServer {
  stop(): Promise<void>;
  cpuSeconds(): number;
}

interface Boot {
  firmware: Firmware;
  mode: Mode;
  setup: Setup;
  run: number;
  ok: boolean;
  /** QEMU start → marker line, when ok. */
  seconds?: number;
  why?: string;
  /** CPU seconds the server process(es) used between QEMU start and the end of the boot. */
  serverCpu?: number;
  milestones: Record<string, number>;
  serialTail?: string;
}

/** Where the time goes: consecutive serial milestones (first sighting, seconds from QEMU start). */
const PHASES: { label: string; from?: string; to: string; firmware?: Firmware }[] = [
  { label: 'POST', to: M.ipxe, firmware: 'bios' },
  { label: 'POST', to: M.edk2Pxe, firmware: 'uefi' },
  { label: 'EDK2 PXE', from: M.edk2Pxe, to: M.ipxe, firmware: 'uefi' },
  { label: 'iPXE init', from: M.ipxe, to: M.ipxeDhcp },
  { label: 'iPXE DHCP', from: M.ipxeDhcp, to: M.http },
  { label: 'HTTP→kernel', from: M.http, to: M.linux },
  { label: 'Linux→marker', from: M.linux, to: 'marker' },
];

function missingTools(): string[] {
  const missing = referenceMissing();
  const files: [string, string][] = [
    ['/usr/lib/ipxe/qemu/pxe-e1000.rom', 'ipxe-qemu'],
    ['/usr/share/OVMF/OVMF_CODE_4M.fd', 'ovmf'],
    ['/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64/linux', 'debian-installer-12-netboot-amd64'],
  ];
  for (const [f, pkg] of files) if (!existsSync(f)) missing.push(`${f} (apt-get install ${pkg})`);
  try {
    execFileSync('qemu-system-x86_64', ['--version'], { stdio: 'ignore' });
  } catch {
    missing.push('qemu-system-x86_64 (apt-get install qemu-system-x86)');
  }
  return missing;
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1]! + s[mid]!) / 2;
}

const fmt = (x: number | undefined, width = 6): string => (x === undefined ? '-' : x.toFixed(1)).padStart(width);

async function main(): Promise<void> {
  const available = NetLab.available();
  if (!available.ok) return void console.log(`boot bench skipped: ${available.why}`);
  const missing = missingTools();
  if (missing.length) return void console.log(`boot bench skipped, missing: ${missing.join(', ')}`);

  const started = Date.now();
  const lab = new NetLab();
  const work = mkdtempSync(join(tmpdir(), 'bootcast-boot-bench-'));
  let cleaned: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaned ??= lab.destroy().finally(() => {
      if (KEEP) console.log(`logs and serial consoles kept in ${work}`);
      else rmSync(work, { recursive: true, force: true });
    }));
  // Ctrl-C / kill: QEMU and the servers die with the namespaces; nothing is left behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\nboot bench: ${signal}, tearing down the lab`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  // Last resort if something hangs past the deadline despite the per-boot timeouts.
  const killer = setTimeout(() => {
    console.error(`boot bench: past its ${DEADLINE_S + 120} s bound, giving up`);
    void cleanup().finally(() => process.exit(1));
  }, (DEADLINE_S + 120) * 1000);
  killer.unref();

  const boots: Boot[] = [];
  const load0 = loadavg()[0]!;
  try {
    const iso = join(work, 'archlinux-e2e.iso');
    const marker = execFileSync('bash', [join(ROOT, 'test/support/make-test-iso.sh'), iso], { encoding: 'utf8', timeout: 180_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()!;
    const { server: srv } = lab.addPxeLab({ server: 'bbsrv', internet: 'bbwan' });
    // A permanent port to the rest of the LAN (an empty namespace), as a real switch has: a
    // bridge whose last port went away has no carrier, and Node's networkInterfaces() (libuv)
    // omits interfaces that are not RUNNING, so `bootcast serve` would find no br0 between two
    // guests. (No dummy device: containers often lack the module.)
    const lan = lab.addNamespace('bblan');
    lab.addVeth({ ns: srv, ifname: 'lanport', bridge: 'br0' }, { ns: lan, ifname: 'eth0' });

    if (RA) {
      const ra = new NsServer(lab, srv, 'ra-responder', 'python3', [join(ROOT, 'bench/support/ra-responder.py'), 'br0'], join(work, 'ra-responder.log'));
      ra.start(); // runs for the whole bench; the lab's teardown stops it
      await ra.waitReady([], 15_000, /^ready$/m);
    }

    const lanDhcpConf = join(work, 'lan-dnsmasq.conf');
    lab.ip(lan, 'addr', 'add', `${LAN_ROUTER}/24`, 'dev', 'eth0');
    writeFileSync(lanDhcpConf, ['port=0', 'interface=eth0', 'bind-interfaces', 'user=root', 'dhcp-range=198.18.0.50,198.18.0.99,255.255.255.0,1h', 'dhcp-authoritative', `dhcp-option=option:router,${LAN_ROUTER}`, ''].join('\n'));

    const references = new Map<string, ReferencePxe>();
    const reference = (mode: Mode, tuned: boolean): ReferencePxe => {
      const key = `${mode}-${tuned ? 'tuned' : 'default'}`;
      let ref = references.get(key);
      if (!ref) {
        const dir = join(work, `reference-${key}`);
        mkdirSync(dir);
        ref = new ReferencePxe({ lab, ns: srv, bridge: 'br0', serverIp: SERVER_IP, range: { first: '198.18.0.100', last: '198.18.0.199' }, iso, workDir: dir, tuned, proxy: mode === 'proxy', raResponder: RA_RESPONDER });
        references.set(key, ref);
      }
      return ref;
    };
    const startReference = async (ref: ReferencePxe, tag: string): Promise<RunningServer> => {
      try {
        await ref.start(tag);
      } catch (err) {
        await ref.stop();
        throw err;
      }
      return { stop: () => ref.stop(), cpuSeconds: () => ref.cpuSeconds() };
    };
    const servers: Record<Setup, (mode: Mode, tag: string) => Promise<RunningServer>> = {
      reference: (mode, tag) => startReference(reference(mode, false), tag),
      tuned: (mode, tag) => startReference(reference(mode, true), tag),
      bootcast: async (mode, tag) => {
        const server = new NsServer(lab, srv, 'bootcast serve', process.execPath,
          [join(ROOT, 'bin/bootcast.mjs'), 'serve', iso, '--interface', 'br0', '--dhcp', mode, '--menu-timeout', '0', '--data-dir', join(work, `${tag}.data`)],
          join(work, `${tag}.bootcast.log`), ROOT);
        server.start();
        try {
          // Bootcast prints "serving on …" once every server is up (tsx compiles on first start: be patient).
          await server.waitReady(REFERENCE_PORTS, 90_000, /serving/i);
        } catch (err) {
          await server.stop(BOOTCAST_PORTS);
          throw err;
        }
        return { stop: () => server.stop(BOOTCAST_PORTS), cpuSeconds: () => server.cpuSeconds() };
      },
    };

    console.log(`boot bench: ${RUNS} run(s) × ${MODES.join('+')} DHCP × ${FIRMWARES.join('+')} × ${SETUPS.map((x) => SETUP_LABEL[x]).join('+')}, ${kvmUsable() ? 'KVM' : 'TCG'}, timeout ${BOOT_TIMEOUT_S} s per boot, load ${load0.toFixed(1)}${RA ? ', IPv6 RA responder on br0 (experiment)' : ''}`);
    outer: for (const mode of MODES) {
      // proxy mode: the LAN's own DHCP server (a plain dnsmasq in bblan) gives the addresses.
      const lanDhcp = mode === 'proxy' ? new NsServer(lab, lan, 'LAN dnsmasq', 'dnsmasq', ['--no-daemon', `--conf-file=${lanDhcpConf}`, `--dhcp-leasefile=${join(work, 'lan.leases')}`], join(work, 'lan-dnsmasq.log')) : undefined;
      lanDhcp?.start();
      await lanDhcp?.waitReady([{ proto: 'udp', port: 67 }], 15_000);
      try {
        for (let run = 0; run < RUNS; run++) {
          for (const firmware of FIRMWARES) {
            // Rotate which setup boots first, so load from other work falls on all alike.
            const shift = (run + (firmware === 'uefi' ? 1 : 0)) % SETUPS.length;
            const order = [...SETUPS.slice(shift), ...SETUPS.slice(0, shift)];
            for (const setup of order) {
              const left = DEADLINE_S - (Date.now() - started) / 1000;
              if (left < 60) {
                console.log(`deadline: remaining boots skipped`);
                break outer;
              }
              const tag = `${SETUP_LABEL[setup]}-${mode}-${firmware}-${run + 1}`;
              const boot = await bootOnce({ lab, ns: srv, work, tag, firmware, mode, setup, run, marker, timeoutS: Math.min(BOOT_TIMEOUT_S, left - 30), startServer: (t) => servers[setup](mode, t) });
              boots.push(boot);
              console.log(`  ${tag.padEnd(24)} ${boot.ok ? `${boot.seconds!.toFixed(1)} s` : `FAILED: ${boot.why}`}  ${milestoneLine(boot)}${boot.serverCpu === undefined ? '' : ` server CPU ${boot.serverCpu.toFixed(2)} s`} load ${loadavg()[0]!.toFixed(1)}`);
              if (!boot.ok && boot.serialTail) console.log(boot.serialTail.replace(/^/gm, '      | '));
            }
          }
        }
      } finally {
        await lanDhcp?.stop([{ proto: 'udp', port: 67 }]);
      }
    }
  } finally {
    clearTimeout(killer);
    await cleanup();
  }
  printTable(boots, load0, loadavg()[0]!);
  if (boots.some((b) => b.setup === 'bootcast' && !b.ok)) process.exitCode = 1;
}

async function bootOnce(o: {
  lab: NetLab;
  ns: string;
  work: string;
  tag: string;
  firmware: Firmware;
  mode: Mode;
  setup: Setup;
  run: number;
  marker: string;
  timeoutS: number;
  startServer: (tag: string) => Promise<RunningServer>;
}): Promise<Boot> {
  const boot: Boot = { firmware: o.firmware, mode: o.mode, setup: o.setup, run: o.run, ok: false, milestones: {} };
  let server: RunningServer;
  try {
    server = await o.startServer(o.tag);
  } catch (err) {
    boot.why = `server did not start: ${(err as Error).message.split('\n')[0]}`;
    return boot;
  }
  const tap = `bb${o.firmware[0]}${o.mode[0]}${o.setup[0]}${o.run}`;
  const guestDir = join(o.work, o.tag);
  mkdirSync(guestDir);
  const guest = new QemuGuest({ lab: o.lab, ns: o.ns, bridge: 'br0', tap, firmware: o.firmware, mac: MACS[o.firmware], workDir: guestDir });
  let cpu0 = 0;
  try {
    guest.start();
    const t0 = Date.now();
    cpu0 = server.cpuSeconds();
    const okLine = `BOOTCAST-E2E-OK http ${o.marker}`;
    const watcher = new SerialMilestones(guest.serialPath, [...Object.values(M), okLine], t0);
    let finished = false;
    const watching = watcher.watch(() => finished || watcher.at(okLine) !== undefined);
    const result = await guest.waitFor(/BOOTCAST-E2E-(OK|FAIL)/, o.timeoutS * 1000);
    finished = true;
    boot.serverCpu = server.cpuSeconds() - cpu0;
    await watching;
    boot.milestones = watcher.all();
    const at = watcher.at(okLine);
    if (result.ok && at !== undefined) {
      boot.ok = true;
      boot.seconds = at;
      boot.milestones.marker = at;
    } else {
      boot.why = result.line ? `wrong marker line: ${result.line.trim()}` : result.seconds >= o.timeoutS ? `no marker within ${o.timeoutS.toFixed(0)} s` : `QEMU exited after ${result.seconds.toFixed(0)} s without the marker`;
      boot.serialTail = serialTail(readFileSync(guest.serialPath, 'latin1'), 8);
    }
  } catch (err) {
    boot.why = (err as Error).message.split('\n')[0];
  } finally {
    guest.stop();
    await new Promise((r) => setTimeout(r, 300)); // let QEMU release the tap
    try {
      o.lab.ip(o.ns, 'link', 'del', tap);
    } catch {
      /* QEMU never created it, or it is already gone */
    }
    try {
      await server.stop();
    } catch (err) {
      boot.ok = false;
      boot.why = `${boot.why ? `${boot.why}; ` : ''}server did not stop: ${(err as Error).message}`;
    }
  }
  return boot;
}

function milestoneLine(boot: Boot): string {
  const m = boot.milestones;
  const parts = Object.entries(m)
    .filter(([k]) => k !== 'marker' && !k.startsWith('BOOTCAST'))
    .sort((a, b) => a[1] - b[1])
    .map(([k, t]) => `${k.replace(/\W+$/, '')}@${t.toFixed(1)}`);
  return parts.length ? `[${parts.join(', ')}]` : '';
}

function phaseSeconds(boot: Boot, phase: (typeof PHASES)[number]): number | undefined {
  const from = phase.from === undefined ? 0 : boot.milestones[phase.from];
  const to = boot.milestones[phase.to];
  return from === undefined || to === undefined ? undefined : to - from;
}

function printTable(boots: Boot[], load0: number, load1: number): void {
  console.log(`\nNetwork boot, seconds from QEMU start to the marker (median of ${RUNS}; load average ${load0.toFixed(1)} → ${load1.toFixed(1)})${RA ? ', with an IPv6 RA "no router" on br0 for every setup' : ''}`);
  for (const mode of MODES) {
    for (const firmware of FIRMWARES) {
      const phases = PHASES.filter((p) => !p.firmware || p.firmware === firmware);
      console.log(`\n${firmware.toUpperCase()}, ${mode} DHCP ${firmware === 'bios' ? '(SeaBIOS + iPXE ROM)' : '(OVMF PXE → TFTP loader → iPXE)'}`);
      console.log(`  ${'setup'.padEnd(10)} ${'ok'.padStart(4)} ${'median'.padStart(7)}  ${'runs'.padEnd(20)} ${'srv CPU'.padStart(7)} │ phase medians: ${phases.map((p) => p.label).join(' │ ')}`);
      const medians: Partial<Record<Setup, number>> = {};
      for (const setup of SETUPS) {
        const mine = boots.filter((b) => b.firmware === firmware && b.mode === mode && b.setup === setup);
        const ok = mine.filter((b) => b.ok);
        medians[setup] = median(ok.map((b) => b.seconds!));
        const runs = mine.map((b) => (b.ok ? b.seconds!.toFixed(1) : 'FAIL')).join(' ');
        const phaseCells = phases.map((p) => fmt(median(ok.map((b) => phaseSeconds(b, p)).filter((x): x is number => x !== undefined)), p.label.length));
        const cpu = median(ok.map((b) => b.serverCpu).filter((x): x is number => x !== undefined));
        console.log(`  ${SETUP_LABEL[setup].padEnd(10)} ${`${ok.length}/${mine.length}`.padStart(4)} ${fmt(medians[setup], 7)}  ${runs.padEnd(20)} ${cpu === undefined ? '      -' : cpu.toFixed(2).padStart(7)} │                ${phaseCells.join(' │ ')}`);
        for (const b of mine.filter((x) => !x.ok)) console.log(`    run ${b.run + 1} failed: ${b.why}`);
      }
      const ratio = (to: Setup): string => {
        const [b, r] = [medians.bootcast, medians[to]];
        return b && r ? (b / r).toFixed(2) : '-';
      };
      console.log(`  ratio bootcast/reference: ${ratio('reference')}   bootcast/ref-tuned: ${ratio('tuned')}`);
    }
  }
}

void main().catch((err: unknown) => {
  console.error('boot bench failed:', err);
  process.exitCode = 1;
});
