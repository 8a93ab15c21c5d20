import type { DhcpServerEvents } from '../../servers/dhcp/dhcp-events.ts';
import type { HttpServerEvents } from '../../servers/http/http-events.ts';
import type { NbdServerEvents } from '../../servers/nbd/nbd-events.ts';
import type { TftpServerEvents } from '../../servers/tftp/tftp-events.ts';
import { DisposableStore, type Disposable } from '../../shared/disposable.ts';
import type { Emitter } from '../../shared/emitter.ts';
import type { TimelineEvent } from '../../shared/timeline-event.ts';
import type { ClientIdentity } from '../client-identity.ts';
import type { ClientTimeline } from './client-timeline.ts';
import { ServerEventMapper } from './server-event-mapper.ts';

export type TimelineSink = (event: TimelineEvent) => void;

export interface TimelineFeedOptions {
  identity: ClientIdentity;
  timeline: ClientTimeline;
  mapper?: ServerEventMapper;
  /**
   * Where every event goes after attribution, in order: the session log (EventLog.append),
   * the `--events` stream (EventLinesWriter.write), the API's 'timeline.event'. The timeline's
   * own verdicts (client.stalled, client.done) go there too.
   */
  sinks?: TimelineSink[];
  /** Told when a sink throws; the other sinks still get the event. */
  onSinkError?: (err: unknown) => void;
}

const DHCP_EVENTS = ['discover', 'offer', 'request', 'ack', 'nak', 'decline', 'release', 'inform', 'proxy', 'ignored', 'conflict', 'warning'] as const satisfies readonly (keyof DhcpServerEvents)[];
const TFTP_EVENTS = ['transfer.start', 'transfer.progress', 'transfer.done', 'transfer.error'] as const satisfies readonly (keyof TftpServerEvents)[];
const HTTP_EVENTS = ['request.start', 'request.progress', 'request.done', 'request.error'] as const satisfies readonly (keyof HttpServerEvents)[];
const NBD_EVENTS = ['connect', 'disconnect', 'unknown-export', 'malformed'] as const satisfies readonly (keyof NbdServerEvents)[];

/**
 * The wiring between the servers and the timeline: server event → TimelineEvent (mapper) →
 * client MAC (identity) → timeline model → sinks. The engine attaches each server's emitter
 * once it exists and disposes the returned handle when the server goes.
 */
export class TimelineFeed implements Disposable {
  readonly mapper: ServerEventMapper;
  private readonly identity: ClientIdentity;
  private readonly timeline: ClientTimeline;
  private readonly sinks: TimelineSink[];
  private readonly onSinkError: (err: unknown) => void;
  private readonly store = new DisposableStore();

  constructor(opts: TimelineFeedOptions) {
    this.identity = opts.identity;
    this.timeline = opts.timeline;
    this.mapper = opts.mapper ?? new ServerEventMapper();
    this.sinks = opts.sinks ?? [];
    this.onSinkError = opts.onSinkError ?? ((err) => console.error(err));
    this.store.add(this.timeline.events.on('stalled', (n) => this.deliver(n.event)));
    this.store.add(this.timeline.events.on('done', (n) => this.deliver(n.event)));
  }

  /** One event from anywhere (the engine's own boot.script, tests): attributed, modelled, delivered. */
  push(event: TimelineEvent): TimelineEvent {
    const attributed = this.identity.attribute(event);
    this.timeline.ingest(attributed);
    this.deliver(attributed);
    return attributed;
  }

  attachDhcp(events: Emitter<DhcpServerEvents>): Disposable {
    return this.attach(events, DHCP_EVENTS, (name, payload) => this.mapper.dhcp(name, payload));
  }

  attachTftp(events: Emitter<TftpServerEvents>): Disposable {
    return this.attach(events, TFTP_EVENTS, (name, payload) => this.mapper.tftp(name, payload));
  }

  attachHttp(events: Emitter<HttpServerEvents>): Disposable {
    return this.attach(events, HTTP_EVENTS, (name, payload) => this.mapper.http(name, payload));
  }

  attachNbd(events: Emitter<NbdServerEvents>): Disposable {
    return this.attach(events, NBD_EVENTS, (name, payload) => this.mapper.nbd(name, payload));
  }

  dispose(): void {
    this.store.dispose();
  }

  private attach<E extends { [K in keyof E]: unknown }, K extends keyof E>(
    emitter: Emitter<E>,
    names: readonly K[],
    map: (name: K, payload: E[K]) => TimelineEvent | undefined,
  ): Disposable {
    const local = new DisposableStore();
    for (const name of names) {
      local.add(
        emitter.on(name, (payload) => {
          const event = map(name, payload);
          if (event) this.push(event);
        }),
      );
    }
    return this.store.add(local);
  }

  private deliver(event: TimelineEvent): void {
    for (const sink of this.sinks) {
      try {
        sink(event);
      } catch (err) {
        this.onSinkError(err);
      }
    }
  }
}
