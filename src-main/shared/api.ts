/**
 * The one contract between the engine and every UI. The Electron preload, the headless
 * HTTP/WebSocket host and the renderer's clients are all built from `API_METHODS` and
 * `API_EVENTS`; adding a method here is the only place a new command is declared.
 * Pure types: imported by main, preload and renderer alike.
 */
import type { ServerLimits } from './server-limits.ts';
import type { StallParams } from './stall-hints.ts';
import type { TimelineEvent } from './timeline-event.ts';

export type DhcpMode = 'auto' | 'proxy' | 'full' | 'off';
export type Firmware = 'bios' | 'uefi' | 'unknown';

/** A concrete way to boot one image: what the client downloads and how. */
export interface BootPlan {
  /** Stable id within the image: 'http', 'nbd', 'sanboot', … */
  id: string;
  recipe: string;
  title: string;
  /** 'wimboot': Windows PE/Setup, wimboot as the kernel and the Windows boot files by name. */
  via: 'http' | 'nbd' | 'sanboot' | 'wimboot' | 'none';
  kernel?: string;
  initrds: string[];
  cmdline?: string;
  /** Estimated client RAM needed, MiB. */
  minRamMiB?: number;
  firmware: Firmware[];
  /** Why this plan cannot boot: fallback entries, or a plan whose loader the technician has not supplied (wimboot). */
  unbootableReason?: string;
  /** How far this plan is proven: set by inspection from the one table of proven plans (boot/recipes/plan-confidence.ts). */
  confidence?: PlanConfidence;
  /** What is known not to work with this plan, in words a technician can act on. */
  limits?: string[];
  /** wimboot plans: each file handed to wimboot under its Windows name. */
  wimbootFiles?: WimbootFile[];
  /** Windows Setup media: Setup needs its install files from the server's SMB share (docs/windows-setup.md). */
  windowsSetup?: boolean;
}

/** One file iPXE gives wimboot with `initrd --name`; `firmware` when only one firmware needs it. */
export interface WimbootFile {
  name: string;
  /** Path inside the image. */
  path: string;
  firmware?: 'bios' | 'uefi';
}

/**
 * - real-initramfs: booted here, in CI, by real firmware from the distribution's own kernel and initramfs;
 * - synthetic: booted here from a layout Bootcast's tests build (the recipe's paths and parameters, a stand-in initramfs);
 * - untested: the recipe follows the family's documentation, but no test boots it.
 */
export type PlanConfidence = 'real-initramfs' | 'synthetic' | 'untested';

export interface ImageInfo {
  id: string;
  path: string;
  fileName: string;
  sizeBytes: number;
  volumeId?: string;
  /** e.g. "Arch Linux 2026.11.01", from .disk/info, arch/version, .treeinfo … */
  distro?: string;
  recipe?: string;
  /** CPU architecture of the image's kernel (x86_64, aarch64, …), when known. */
  arch?: string;
  plans: BootPlan[];
  /** The plan iPXE boots by default. */
  selectedPlan?: string;
  /** Whether machines with UEFI Secure Boot on can boot this image (through its own signed chain). */
  secureBoot?: SecureBootChain;
  error?: string;
}

/**
 * An image's signed boot chain for Secure Boot machines: Microsoft-signed shim → GRUB signed by
 * the vendor whose CA the shim carries → kernel signed by that vendor.
 */
export interface SecureBootChain {
  usable: boolean;
  /** What the chain is, or why there is none ("cannot boot with Secure Boot on"). */
  reason: string;
  /** The shim inside the image. */
  shim?: string;
  /** The CA the shim trusts: "Debian Secure Boot CA". */
  vendor?: string;
  /** The image's own network-capable GRUB … */
  grub?: string;
  /** … or, when the image carries only a CD build, the bundled network GRUB (path under resources/). */
  bundledGrub?: string;
  /** Where that GRUB asks for grub.cfg over TFTP. */
  grubPrefix?: string;
}

/**
 * Which first stage a UEFI x86-64 client gets. auto: iPXE first; a client that fetched the iPXE
 * loader and asks again without running it (its firmware refused the unsigned loader) gets the
 * signed chain from then on. always: every UEFI client gets the signed chain. never: iPXE only.
 */
export type SecureBootClients = 'auto' | 'always' | 'never';
export const SECURE_BOOT_CLIENT_MODES: readonly SecureBootClients[] = ['auto', 'always', 'never'];

export interface NetInterfaceInfo {
  name: string;
  mac?: string;
  addresses: { address: string; prefixLength: number }[];
  up: boolean;
  internal: boolean;
  /** Holds the default route (the uplink). */
  defaultRoute: boolean;
  wireless: boolean;
  /** Bootcast's suggestion for the PXE interface, and why. */
  suggested: boolean;
  reason: string;
}

export interface PortSettings {
  dhcp: number;
  proxyDhcp: number;
  tftp: number;
  http: number;
  nbd: number;
}

export interface ServerSettings {
  interface: string | null;
  dhcpMode: DhcpMode;
  /** Full-mode pool; derived from the interface subnet when absent. */
  range?: { first: string; last: string };
  ports: PortSettings;
  /** iPXE menu timeout in seconds; 0 boots the default at once. */
  menuTimeoutSec: number;
  /** How UEFI clients that may have Secure Boot on are served. */
  secureBootClients: SecureBootClients;
  /** Bounds that differ from DEFAULT_LIMITS (connection caps, timeouts, upload size). */
  limits?: Partial<ServerLimits>;
  /**
   * Share each served Windows Setup ISO read-only over SMB so Setup finds its install files
   * (Linux: mount + smbd, root). On unless false; nothing starts when no Setup image is served.
   */
  windowsSetupShare?: boolean;
}

export interface PrivilegeNotice {
  notice: string | null;
}

export type ServerPhase = 'stopped' | 'probing' | 'starting' | 'running' | 'stopping' | 'error';

export interface ServiceStatus {
  name: 'dhcp' | 'proxyDhcp' | 'tftp' | 'http' | 'nbd' | 'dns' | 'smb';
  listening: boolean;
  address?: string;
  port?: number;
  error?: string;
}

export interface ServerState {
  phase: ServerPhase;
  interface?: string;
  address?: string;
  /** What DHCP actually does after `auto` probing. */
  effectiveDhcpMode?: Exclude<DhcpMode, 'auto'>;
  /** Human explanation: "another DHCP server (198.18.0.254) answered: proxy mode". */
  dhcpDecision?: string;
  services: ServiceStatus[];
  errors: string[];
  warnings: string[];
  /** The Windows Setup install share, when a Setup image is served (absent otherwise). */
  setupShare?: SetupShareState;
}

/**
 * serving: smbd shares the listed images; unavailable: this host cannot (message says what is
 * missing and what to do), WinPE still boots; off: turned off in the settings.
 */
export interface SetupShareState {
  status: 'serving' | 'unavailable' | 'off';
  message: string;
  /** Each shared image and the UNC path WinPE maps. */
  shares: { imageId: string; unc: string }[];
}

export type ClientStage = 'dhcp' | 'firstStage' | 'ipxe' | 'kernel' | 'live' | 'done' | 'stalled';

export interface TransferProgress {
  protocol: 'tftp' | 'http' | 'nbd';
  path: string;
  bytes: number;
  total?: number;
  bytesPerSecond: number;
}

export interface ClientSummary {
  mac: string;
  ip?: string;
  vendor?: string;
  arch?: string;
  firmware: Firmware;
  ipxe: boolean;
  image?: string;
  /** The plan of that image the boot script chose (BootPlan.id), when it chose one. */
  plan?: string;
  stage: ClientStage;
  /** The current boot attempt's figures: time since its first DHCP, bytes delivered, average rate. */
  boot?: BootFigures;
  /** Stage reached before stalling. */
  lastStage?: ClientStage;
  stalledHint?: string;
  /** Stable code of the stall hint (see shared/stall-hints.ts STALL_CODES), for translated hints. */
  stalledCode?: string;
  /** The figures the hint mentions (seconds, percent, path), so a translated hint can say them too. */
  stalledParams?: StallParams;
  firstSeen: string;
  lastSeen: string;
  progress?: TransferProgress;
  eventCount: number;
  /** This machine gets the signed (Secure Boot) chain: detected, or set by the technician. */
  secureBoot?: boolean;
}

/** One boot attempt, from the machine's first DHCP (a fresh DISCOVER from firmware starts another). */
export interface BootFigures {
  startedAt: string;
  /** First DHCP → done; while booting, first DHCP → the latest event. */
  durationMs: number;
  /** Bytes of every completed transfer of the attempt (TFTP, HTTP, NBD). */
  bytes: number;
  /** bytes over the time something was being transferred (gaps between downloads left out), once measurable. */
  bytesPerSecond?: number;
  /** When the boot finished (its last event before the quiet that made it done). */
  endedAt?: string;
}

export interface ClientDetail extends ClientSummary {
  events: TimelineEvent[];
}

export interface NatState {
  supported: boolean;
  enabled: boolean;
  uplink?: string;
  /** The interfaces that could be the uplink. */
  uplinkCandidates: string[];
  /** Human-readable list of what is applied (rules, sysctls). */
  applied: string[];
  error?: string;
  /** Why NAT cannot be used here (no privilege, missing tool), with what to do. */
  unavailableReason?: string;
}

export interface LogEntry {
  ts: string;
  level: 'info' | 'warn' | 'error';
  source: string;
  message: string;
  client?: string;
}

/** Commands: name → [argument, result]. Every command is async on the wire. */
export interface ApiMethods {
  'images.list': [void, ImageInfo[]];
  'images.add': [{ paths: string[] }, ImageInfo[]];
  'images.remove': [{ id: string }, void];
  'images.selectPlan': [{ id: string; planId: string }, ImageInfo];
  'network.interfaces': [void, NetInterfaceInfo[]];
  'server.state': [void, ServerState];
  'server.settings': [void, ServerSettings];
  'server.updateSettings': [Partial<ServerSettings>, ServerSettings];
  /** What starting needs that this host cannot do alone, said before Start (null: nothing). */
  'server.privileges': [void, PrivilegeNotice];
  'server.start': [void, ServerState];
  'server.stop': [void, ServerState];
  'clients.list': [void, ClientSummary[]];
  'clients.get': [{ mac: string }, ClientDetail | null];
  'clients.clear': [void, void];
  /** Marks a machine as having Secure Boot on (signed chain) or off (iPXE); remembered in the data directory. */
  'clients.setSecureBoot': [{ mac: string; secureBoot: boolean }, ClientSummary | null];
  'nat.state': [void, NatState];
  'nat.enable': [{ uplink?: string }, NatState];
  'nat.disable': [void, NatState];
  'log.recent': [{ limit?: number }, LogEntry[]];
  /** The session's events as JSON lines, for download/export. */
  'log.export': [void, string];
  /** Versions, settings, interfaces, state and recent log, redacted (MACs, home folder, tokens): for a help request. */
  'diagnostics.export': [void, string];
}

/** Events pushed from the engine to every UI. */
export interface ApiEvents {
  'images.changed': ImageInfo[];
  'server.state': ServerState;
  'clients.updated': ClientSummary;
  'clients.cleared': void;
  /** A client dropped to keep the list bounded (the least recently seen). */
  'clients.removed': { mac: string };
  'timeline.event': TimelineEvent;
  'nat.state': NatState;
  'log.entry': LogEntry;
}

export type ApiMethod = keyof ApiMethods;
export type ApiEvent = keyof ApiEvents;
export type ApiArg<M extends ApiMethod> = ApiMethods[M][0];
export type ApiResult<M extends ApiMethod> = ApiMethods[M][1];

/** Runtime lists, checked against the types below so neither can drift. */
export const API_METHODS = [
  'images.list',
  'images.add',
  'images.remove',
  'images.selectPlan',
  'network.interfaces',
  'server.state',
  'server.settings',
  'server.updateSettings',
  'server.privileges',
  'server.start',
  'server.stop',
  'clients.list',
  'clients.get',
  'clients.clear',
  'clients.setSecureBoot',
  'nat.state',
  'nat.enable',
  'nat.disable',
  'log.recent',
  'log.export',
  'diagnostics.export',
] as const satisfies readonly ApiMethod[];

export const API_EVENTS = [
  'images.changed',
  'server.state',
  'clients.updated',
  'clients.cleared',
  'clients.removed',
  'timeline.event',
  'nat.state',
  'log.entry',
] as const satisfies readonly ApiEvent[];

// Compile-time completeness: every method/event in the interfaces is in the runtime lists.
type Missing<All, Listed> = Exclude<All, Listed>;
const _methodsComplete: Missing<ApiMethod, (typeof API_METHODS)[number]> extends never ? true : never = true;
const _eventsComplete: Missing<ApiEvent, (typeof API_EVENTS)[number]> extends never ? true : never = true;
void _methodsComplete;
void _eventsComplete;

/** What a UI holds: the transport is invisible behind it (Electron IPC, WebSocket, in-memory). */
export interface ApiClient {
  call<M extends ApiMethod>(method: M, arg: ApiArg<M>): Promise<ApiResult<M>>;
  on<E extends ApiEvent>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
}

/** An error that crosses the wire: a message meant for the user, and a machine-readable code. */
export interface ApiErrorPayload {
  code: string;
  message: string;
}
