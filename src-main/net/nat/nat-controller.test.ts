import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NatState } from '../../shared/api.ts';
import type { NatBackend, NatPlan } from './nat-backend.ts';
import { DefaultNatController } from './nat-controller.ts';
import { NatError } from './nat-errors.ts';
import type { NatRecord } from './nat-record.ts';

/** A backend over an in-memory "system", recording the order of what happens. */
class MemoryBackend implements NatBackend {
  readonly name = 'nft' as const;
  system = { forward: '0', rules: [] as string[] };
  steps: string[] = [];
  probeError?: NatError;
  failApplyAfterFirstRule = false;
  routes = ['wlan0', 'pxe0'];
  constructor(private readonly recordPath: string) {}
  async probe() {
    if (this.probeError) throw this.probeError;
  }
  async defaultRouteInterfaces() {
    return this.routes;
  }
  async snapshot() {
    this.steps.push('snapshot');
    return { ipForward: this.system.forward };
  }
  async apply(plan: NatPlan) {
    const record = JSON.parse(readFileSync(this.recordPath, 'utf8')) as NatRecord;
    this.steps.push(`apply (record on disk: ${record.phase}, ipForward ${record.restore.ipForward})`);
    this.system.rules.push(`masquerade ${plan.lan.text} ${plan.uplink}`);
    if (this.failApplyAfterFirstRule) throw new NatError('simulated: forward chain rejected', 'failed');
    this.system.forward = '1';
    return [`masquerade ${plan.lan.text} out of ${plan.uplink}`, 'ip_forward = 1'];
  }
  async remove(record: NatRecord) {
    this.steps.push('remove');
    const removed = this.system.rules.splice(0).map((r) => `${r} removed`);
    this.system.forward = record.restore.ipForward ?? this.system.forward;
    return removed;
  }
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'bootcast-natc-'));
  const stateFile = join(dir, 'nat-state.json');
  const backend = new MemoryBackend(stateFile);
  const make = () => new DefaultNatController({ stateFile, backends: [backend] });
  const nat = make();
  const changes: NatState[] = [];
  const logs: string[] = [];
  nat.events.on('changed', (s) => changes.push(s));
  nat.events.on('log', (l) => logs.push(`${l.level}: ${l.message}`));
  return { stateFile, backend, nat, make, changes, logs };
}

const request = { lanInterface: 'pxe0', lanCidr: '198.18.0.1/24' };

describe('NatController', () => {
  it('writes the record with the values to restore before the first change', async () => {
    const { nat, backend, stateFile } = setup();
    const state = await nat.enable(request);
    expect(backend.steps).toEqual(['snapshot', 'apply (record on disk: applying, ipForward 0)']);
    expect(state).toMatchObject({ enabled: true, uplink: 'wlan0', uplinkCandidates: ['wlan0'], applied: ['masquerade 198.18.0.0/24 out of wlan0', 'ip_forward = 1'] });
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({ phase: 'applied', lanCidr: '198.18.0.0/24', uplink: 'wlan0', pid: process.pid });
  });

  it('emits changed on every state change and one log line per action', async () => {
    const { nat, changes, logs } = setup();
    await nat.enable(request);
    await nat.disable();
    expect(changes.map((c) => c.enabled)).toEqual([false, true, false]);
    expect(changes[0]!.uplinkCandidates).toEqual(['wlan0']);
    expect(logs).toEqual([
      'info: internet sharing on: 198.18.0.0/24 from pxe0 masqueraded out of wlan0 (masquerade 198.18.0.0/24 out of wlan0; ip_forward = 1)',
      'info: internet sharing off: masquerade 198.18.0.0/24 wlan0 removed',
    ]);
  });

  it('rolls back a half-applied enable and deletes the record', async () => {
    const { nat, backend, stateFile } = setup();
    backend.failApplyAfterFirstRule = true;
    const state = await nat.enable(request);
    expect(state).toMatchObject({ enabled: false, applied: [], error: 'simulated: forward chain rejected' });
    expect(backend.system).toEqual({ forward: '0', rules: [] });
    expect(existsSync(stateFile)).toBe(false);
  });

  it('reports a missing privilege as the reason and changes nothing', async () => {
    const { nat, backend, stateFile } = setup();
    backend.probeError = new NatError('needs root', 'privilege');
    const state = await nat.enable(request);
    expect(state).toMatchObject({ enabled: false, error: 'needs root', unavailableReason: 'needs root', supported: true });
    expect(backend.steps).toEqual([]);
    expect(existsSync(stateFile)).toBe(false);
  });

  it('refuses the PXE interface as uplink and an invalid subnet', async () => {
    const { nat, backend } = setup();
    expect((await nat.enable({ ...request, uplink: 'pxe0' })).error).toMatch(/cannot be the PXE interface/);
    expect((await nat.enable({ ...request, lanCidr: '198.18.0.0/33' })).error).toMatch(/not an IPv4 CIDR/);
    expect((await nat.enable({ ...request, uplink: 'a"b' })).error).toMatch(/not a valid interface name/);
    expect((await nat.enable({ ...request, uplink: 'docker0' })).error).toMatch(/"docker0" is not an interface that reaches the internet here \(uplinks: wlan0\)/);
    backend.routes = [];
    expect((await nat.enable(request)).error).toMatch(/no interface holds a default route/);
    expect(backend.steps).toEqual([]);
  });

  it('treats enabling twice with the same plan as done, and a new uplink as a switch', async () => {
    const { nat, backend } = setup();
    backend.routes = ['wlan0', 'eth1', 'pxe0'];
    await nat.enable(request);
    await nat.enable(request);
    expect(backend.steps.filter((s) => s === 'remove')).toEqual([]);
    const state = await nat.enable({ ...request, uplink: 'eth1' });
    expect(state.uplink).toBe('eth1');
    expect(backend.system.rules).toEqual(['masquerade 198.18.0.0/24 eth1']);
    expect(backend.system.forward).toBe('1');
  });

  it('undoes a crashed run at start and leaves its own sharing alone', async () => {
    const { nat, make, backend } = setup();
    await nat.enable(request);
    const next = make();
    const logs: string[] = [];
    next.events.on('log', (l) => logs.push(l.message));
    expect((await next.recover()).enabled).toBe(false);
    expect(backend.system).toEqual({ forward: '0', rules: [] });
    expect(logs[0]).toMatch(/previous run \(pid \d+, since .*\) left internet sharing on via nft/);

    const own = make();
    await own.enable(request);
    await own.recover();
    expect(own.state().enabled).toBe(true);
    expect(backend.system.rules).toHaveLength(1);
  });

  it('leaves sharing owned by another live Bootcast alone at start, saying whose it is', async () => {
    const { nat, backend, stateFile } = setup();
    await nat.enable(request);
    const second = new DefaultNatController({ stateFile, backends: [backend], ownerAlive: () => true });
    const state = await second.recover();
    expect(state.error).toMatch(new RegExp(`another running Bootcast \\(pid ${process.pid}`));
    expect(backend.system.rules).toHaveLength(1);
    expect((await second.enable(request)).error).toMatch(/another running Bootcast/);
    expect(backend.system.rules).toHaveLength(1);
  });

  it('serialises concurrent calls: enable and disable issued together end disabled', async () => {
    const { nat, backend } = setup();
    const [on, off] = await Promise.all([nat.enable(request), nat.disable()]);
    expect(on.enabled).toBe(true);
    expect(off.enabled).toBe(false);
    expect(backend.system).toEqual({ forward: '0', rules: [] });
  });

  it('reports a corrupt record instead of guessing', async () => {
    const { nat, stateFile } = setup();
    writeFileSync(stateFile, '{"version": 1, "backend": ');
    const state = await nat.recover();
    expect(state.error).toMatch(/not valid JSON/);
    expect((await nat.enable(request)).error).toMatch(/not valid JSON/);
  });

  it('is unsupported with a reason when the platform has no backend', async () => {
    const nat = new DefaultNatController({ stateFile: join(tmpdir(), 'unused.json'), backends: [], unsupportedReason: 'internet sharing is not implemented for aix' });
    expect(nat.state()).toEqual({ supported: false, enabled: false, uplinkCandidates: [], applied: [], unavailableReason: 'internet sharing is not implemented for aix' });
    expect((await nat.enable(request)).error).toMatch(/aix/);
  });
});
