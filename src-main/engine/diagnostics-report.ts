// "Export diagnostics": what a technician sends when asking for help — versions, settings,
// interfaces, server and NAT state, recent log lines and clients — redacted so it can be pasted
// into a public issue. Built from the API contract only, so every host produces the same report.
import { arch, homedir, platform, release } from 'node:os';
import type { ApiClient } from '../shared/api.ts';

export interface DiagnosticsContext {
  host: 'desktop' | 'headless';
  versions: Record<string, string | undefined>;
  home?: string;
}

const MAC = /\b([0-9a-f]{2}[:-][0-9a-f]{2}[:-][0-9a-f]{2})[:-][0-9a-f]{2}[:-][0-9a-f]{2}[:-][0-9a-f]{2}\b/gi;
const TOKEN = /([?&]token=|Bearer\s+)[A-Za-z0-9._~%-]+/g;

/** Keeps a MAC's vendor prefix (useful: "an Intel NIC") and masks the device part; hides the home folder and tokens. */
export function redact(text: string, home: string = homedir()): string {
  let out = text.replace(MAC, (_m, oui: string) => `${oui}:xx:xx:xx`).replace(TOKEN, '$1<redacted>');
  if (home.length > 1) out = out.split(home).join('~');
  return out;
}

export async function buildDiagnostics(api: ApiClient, ctx: DiagnosticsContext): Promise<string> {
  const settle = async <T>(p: Promise<T>): Promise<T | { unavailable: string }> => p.catch((err: Error) => ({ unavailable: err.message }));
  const [settings, state, interfaces, nat, clients, log, images] = await Promise.all([
    settle(api.call('server.settings', undefined)),
    settle(api.call('server.state', undefined)),
    settle(api.call('network.interfaces', undefined)),
    settle(api.call('nat.state', undefined)),
    settle(api.call('clients.list', undefined)),
    settle(api.call('log.recent', { limit: 500 })),
    settle(api.call('images.list', undefined)),
  ]);
  const imageFacts = Array.isArray(images)
    ? images.map((i) => ({ file: i.fileName, sizeBytes: i.sizeBytes, recipe: i.recipe, selectedPlan: i.selectedPlan, error: i.error }))
    : images;
  const report = {
    generated: new Date().toISOString(),
    host: ctx.host,
    system: { platform: platform(), release: release(), arch: arch() },
    versions: { node: process.versions.node, ...ctx.versions },
    settings,
    server: state,
    interfaces,
    nat,
    images: imageFacts,
    clients,
  };
  const logLines = Array.isArray(log) ? log.map((e) => `${e.ts} ${e.level} ${e.source}: ${e.message}`).join('\n') : JSON.stringify(log);
  return redact(`# Bootcast diagnostics\n${JSON.stringify(report, null, 2)}\n\n# Recent log\n${logLines}\n`, ctx.home);
}
