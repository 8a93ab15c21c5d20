import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { listInterfaces } from '../../net/interfaces.ts';
import { Engine } from '../../engine/engine.ts';
import { defaultDataDir } from '../../engine/data-dir.ts';
import { EventLinesWriter } from '../../engine/event-lines.ts';
import type { LogEntry } from '../../shared/api.ts';
import { startHeadlessHost } from '../headless/headless-host.ts';
import { packageRoot, packageVersion, rendererDir, resourcesDir } from './package-root.ts';
import { parseServeArgs, SERVE_USAGE, type ServeArgs } from './serve-args.ts';
import { EXIT_BAD_INPUT, EXIT_OK, NotFoundError, UsageError } from './usage-error.ts';

function printLog(e: LogEntry): void {
  const time = e.ts.slice(11, 19);
  process.stderr.write(`${time} ${e.level === 'info' ? '' : e.level.toUpperCase() + ' '}${e.source}: ${e.message}\n`);
}

/** Thrown at the next step of start-up once a signal asked to stop. */
class StartAborted extends Error {}

/**
 * Until stop: SIGINT/SIGTERM, or an exception nothing caught (which must still undo NAT and
 * release the ports rather than end the process with rules applied). Installed before anything
 * starts, so a signal during start-up aborts it and undoes what was applied.
 */
function watchForStop() {
  let reason: { signal: NodeJS.Signals } | { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const stopped = new Promise<void>((resolve) => (wake = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (reason && 'signal' in reason) {
      process.stderr.write(`\n${signal} again: still undoing what was set up (network sharing, ports); wait a moment\n`);
      return;
    }
    process.stderr.write(`\n${signal}: stopping…\n`);
    reason ??= { signal };
    wake?.();
  };
  const onFatal = (error: unknown) => {
    process.stderr.write(`bootcast serve: internal error, stopping cleanly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    reason ??= { error };
    wake?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  return {
    stopped,
    get reason() {
      return reason;
    },
    /** Between start-up steps: a stop asked for meanwhile ends the start here. */
    check(): void {
      if (reason) throw new StartAborted();
    },
    dispose(): void {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('uncaughtException', onFatal);
      process.off('unhandledRejection', onFatal);
    },
  };
}

/** `bootcast serve`: the headless host. Runs the engine until SIGINT/SIGTERM, then stops everything cleanly. */
export async function serveCommand(argv: string[]): Promise<number> {
  const args = parseServeArgs(argv);
  if (args.help) {
    process.stdout.write(SERVE_USAGE + '\n');
    return EXIT_OK;
  }
  const watch = watchForStop();
  try {
    return await serveUntilStopped(args, watch);
  } finally {
    watch.dispose();
  }
}

async function serveUntilStopped(args: ServeArgs, watch: ReturnType<typeof watchForStop>): Promise<number> {
  for (const image of args.images) {
    const s = await stat(image).catch(() => null);
    if (!s) throw new NotFoundError(`image not found: ${image}`);
    if (!s.isFile()) throw new UsageError(`${image} is not a file (give the path of an .iso image)`);
  }
  const all = listInterfaces();
  const iface = all.find((i) => i.name === args.interfaceName);
  if (!iface) {
    throw new NotFoundError(`there is no network interface called '${args.interfaceName}'. Interfaces here: ${all.map((i) => `${i.name}${i.addresses[0] ? ` (${i.addresses[0].address})` : ''}`).join(', ') || 'none'}`);
  }
  if (iface.addresses.length === 0) {
    throw new UsageError(`interface ${iface.name} has no IPv4 address: give it one (e.g. \`ip addr add 198.18.0.1/24 dev ${iface.name}\` on a dedicated boot network) and run again`);
  }

  const dataDir = resolve(args.dataDir ?? defaultDataDir());
  const root = packageRoot();
  const engine = await Engine.create({ dataDir, wimboot: args.wimboot, resourcesDir: resourcesDir(root), appVersion: packageVersion(root), images: args.images.length ? args.images : undefined, onLog: printLog });
  const stops: Array<() => Promise<unknown>> = [];
  let code = EXIT_OK;
  try {
    watch.check();
    let images = await engine.call('images.list', undefined);
    let usable = images.filter((i) => !i.error);
    for (const i of images.filter((x) => x.error)) process.stderr.write(`bootcast serve: cannot use ${i.path}: ${i.error}\n`);
    if (args.plan) {
      const offering = usable.filter((i) => i.plans.some((p) => p.id === args.plan && p.via !== 'none'));
      if (offering.length === 0) {
        throw new UsageError(`no image offers the boot plan '${args.plan}' (plans: ${[...new Set(usable.flatMap((i) => i.plans.map((p) => p.id)))].join(', ') || 'none'})`);
      }
      for (const i of offering) await engine.call('images.selectPlan', { id: i.id, planId: args.plan });
      images = await engine.call('images.list', undefined);
      usable = images.filter((i) => !i.error);
    }
    for (const i of usable) {
      const plan = i.plans.find((p) => p.id === i.selectedPlan);
      if (!plan || plan.via === 'none') process.stderr.write(`bootcast serve: ${i.fileName}: no boot recipe: ${plan?.unbootableReason ?? 'nothing bootable found in the image'}\n`);
      else if (plan.unbootableReason) process.stderr.write(`bootcast serve: ${i.fileName}: cannot boot ${plan.title} yet: ${plan.unbootableReason}\n`);
    }
    if (args.images.length && usable.length === 0) return EXIT_BAD_INPUT;
    if (images.length === 0) process.stderr.write('bootcast serve: no images yet: clients will see a message saying so (add .iso paths to the command line)\n');

    await engine.call('server.updateSettings', {
      interface: iface.name,
      dhcpMode: args.dhcpMode,
      ...(args.range ? { range: args.range } : {}),
      ports: { ...(await engine.call('server.settings', undefined)).ports, ...args.ports },
      ...(args.menuTimeoutSec !== undefined ? { menuTimeoutSec: args.menuTimeoutSec } : {}),
      ...(args.secureBoot !== undefined ? { secureBootClients: args.secureBoot } : {}),
      ...(args.setupShare !== undefined ? { windowsSetupShare: args.setupShare } : {}),
      ...(Object.keys(args.limits).length ? { limits: { ...(await engine.call('server.settings', undefined)).limits, ...args.limits } } : {}),
    });
    watch.check();

    if (args.events) {
      const writer = await EventLinesWriter.open(args.events, { onError: (err) => process.stderr.write(`bootcast serve: events stream stopped: ${err.message}\n`) });
      const sub = engine.onTimelineEvent((e) => writer.write(e));
      stops.push(async () => {
        sub.dispose();
        await writer.close();
      });
    }

    watch.check();
    const state = await engine.start();
    watch.check();
    if (state.phase !== 'running') {
      for (const e of state.errors) process.stderr.write(`bootcast serve: ${e}\n`);
      return EXIT_BAD_INPUT;
    }
    for (const w of state.warnings) process.stderr.write(`bootcast serve: warning: ${w}\n`);

    if (args.natUplink) {
      const nat = await engine.call('nat.enable', { uplink: args.natUplink });
      if (nat.error || !nat.enabled) process.stderr.write(`bootcast serve: internet sharing is off: ${nat.error ?? nat.unavailableReason ?? 'unknown reason'}\n`);
      watch.check();
    }

    if (args.uiPort !== undefined) {
      const ui = rendererDir(root);
      if (!existsSync(join(ui, 'index.html'))) {
        process.stderr.write(`bootcast serve: the web UI is not built (${ui} is missing): in a source checkout run \`npm run build\` once, then start again. Serving without UI.\n`);
      } else {
        const host = await startHeadlessHost({
          api: engine,
          port: args.uiPort,
          rendererDir: ui,
          uploadDir: join(dataDir, 'uploads'),
          uploadLimits: () => engine.limits(),
        });
        stops.push(() => host.close());
        watch.check();
        process.stderr.write(`Bootcast UI: ${host.url}\n`);
      }
    }

    process.stderr.write('Bootcast is serving: Ctrl-C stops it\n');
    await watch.stopped;
  } catch (err) {
    if (!(err instanceof StartAborted)) {
      process.stderr.write(`bootcast serve: ${(err as Error).message}\n`);
      code = EXIT_BAD_INPUT;
    } else process.stderr.write('bootcast serve: start-up aborted; undoing what was set up\n');
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await engine.dispose();
  }
  const reason = watch.reason;
  return reason && 'error' in reason ? EXIT_BAD_INPUT : code;
}
