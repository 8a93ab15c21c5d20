import { isStallCode } from './stall-hints.ts';
import { DHCP_KINDS, TIMELINE_KINDS, TRANSFER_KINDS, type TimelineEvent, type TimelineKind } from './timeline-event.ts';

/**
 * Checks a value that crossed a process or file boundary (an events file, the WebSocket, IPC)
 * against the TimelineEvent union, once, so consumers can trust the types. A wrong-typed field
 * rejects the event rather than being guessed at.
 */
type FieldType = 'string' | 'number' | 'boolean' | 'object' | 'array';
interface Shape {
  required: Record<string, FieldType>;
  optional: Record<string, FieldType>;
}

const DHCP: Shape = {
  required: { client: 'string', pxe: 'boolean', ipxe: 'boolean', xid: 'number', from: 'string' },
  optional: { arch: 'number', archName: 'string', firmware: 'string', vendorClass: 'string', giaddr: 'string', bootFile: 'string', bootReason: 'string', answer: 'string', port: 'number', state: 'string', leaseSeconds: 'number', reason: 'string' },
};
const TRANSFER: Shape = {
  required: { path: 'string' },
  optional: {
    transferId: 'string', role: 'string', image: 'string', bytes: 'number', total: 'number', durationMs: 'number', outcome: 'string', error: 'string', detail: 'string',
    code: 'number', blksize: 'number', windowsize: 'number', retransmits: 'number', method: 'string', status: 'number', range: 'string', query: 'object',
  },
};
const NBD: Shape = {
  required: {},
  optional: { export: 'string', size: 'number', bytes: 'number', requests: 'number', durationMs: 'number', reason: 'string', detail: 'string', error: 'string' },
};
const NOTICE: Shape = {
  required: { message: 'string' },
  optional: { level: 'string', source: 'string', serverId: 'string', address: 'string', offeredAddress: 'string', via: 'string' },
};

const SHAPES = new Map<TimelineKind, Shape>([
  ...DHCP_KINDS.map((k) => [k, DHCP] as const),
  ...TRANSFER_KINDS.map((k) => [k, TRANSFER] as const),
  ['boot.script', { required: { images: 'array' }, optional: { loader: 'string', platform: 'string', buildarch: 'string', image: 'string', plan: 'string', via: 'string', expectsLive: 'boolean', menuTimeoutSec: 'number' } }],
  ['boot.chain', { required: { client: 'string', chain: 'string', reason: 'string' }, optional: { image: 'string', vendor: 'string' } }],
  ['nbd.connect', NBD],
  ['nbd.disconnect', NBD],
  ['nbd.error', NBD],
  ['client.stalled', { required: { client: 'string', code: 'string', hint: 'string', params: 'object', lastStage: 'string', source: 'string' }, optional: {} }],
  ['client.done', { required: { client: 'string', reason: 'string' }, optional: { source: 'string' } }],
  ['nat.changed', NOTICE],
  ['server.notice', NOTICE],
  ['server.warning', NOTICE],
]);

const KINDS = new Set<string>(TIMELINE_KINDS);

function typeOf(v: unknown): FieldType | 'other' {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isFinite(v) ? 'number' : 'other';
  if (typeof v === 'string' || typeof v === 'boolean') return typeof v as FieldType;
  return typeof v === 'object' && v !== null ? 'object' : 'other';
}

/** Why `raw` is not a TimelineEvent, or undefined when it is one. */
export function timelineEventProblem(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not an object';
  const r = raw as Record<string, unknown>;
  if (typeof r['ts'] !== 'string' || !Number.isFinite(Date.parse(r['ts']))) return 'ts is not an ISO time';
  if (typeof r['kind'] !== 'string' || !KINDS.has(r['kind'])) return `unknown kind ${JSON.stringify(r['kind'])}`;
  for (const key of ['client', 'ip']) if (r[key] !== undefined && typeof r[key] !== 'string') return `${key} is not a string`;
  const shape = SHAPES.get(r['kind'] as TimelineKind)!;
  for (const [key, type] of Object.entries(shape.required)) if (typeOf(r[key]) !== type) return `${r['kind']}: ${key} is not a ${type}`;
  for (const [key, type] of Object.entries(shape.optional)) if (r[key] !== undefined && typeOf(r[key]) !== type) return `${r['kind']}: ${key} is not a ${type}`;
  if (r['kind'] === 'client.stalled' && !isStallCode(r['code'])) return `client.stalled: unknown code ${JSON.stringify(r['code'])}`;
  return undefined;
}

export function isTimelineEvent(raw: unknown): raw is TimelineEvent {
  return timelineEventProblem(raw) === undefined;
}

/** One line of an `--events` file, or undefined with the reason in `onBad` when it is no event. */
export function parseEventLine(line: string, onBad?: (reason: string) => void): TimelineEvent | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    onBad?.(`not JSON: ${(err as Error).message}`);
    return undefined;
  }
  const problem = timelineEventProblem(raw);
  if (problem) {
    onBad?.(problem);
    return undefined;
  }
  return raw as TimelineEvent;
}

/**
 * An API event's payload as a client receives it: `timeline.event` must be a TimelineEvent
 * (anything else is dropped); other events pass unchanged.
 */
export function acceptApiEvent(event: string, payload: unknown): boolean {
  return event !== 'timeline.event' || isTimelineEvent(payload);
}

/** A `clients.get` answer with every event checked; events that are no TimelineEvent are left out. */
export function checkedClientDetail<T extends { events: unknown[] } | null>(detail: T): T {
  if (!detail || !Array.isArray(detail.events)) return detail;
  return { ...detail, events: detail.events.filter(isTimelineEvent) };
}

/** A call's result as a client receives it: the events in a `clients.get` answer are checked. */
export function checkedApiResult(method: string, result: unknown): unknown {
  return method === 'clients.get' ? checkedClientDetail(result as { events: unknown[] } | null) : result;
}
