import type { ServiceStatus } from '../shared/api.ts';
import type { Disposable } from '../shared/disposable.ts';

/** Anything with start/stop: every server class. */
export interface Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface Entry {
  status: ServiceStatus;
  server: Startable;
  attachments: Disposable[];
}

/**
 * The servers of one run, started in order and stopped in reverse. A failed start stops what
 * already started (a half-running PXE server boots nobody and confuses the technician), and its
 * error, already phrased for the user by describeBindError, is kept on the service's status.
 */
export class RunningServices {
  private readonly entries: Entry[] = [];

  async start(name: ServiceStatus['name'], server: Startable, address: string, port: number, attach: () => Disposable[] = () => []): Promise<void> {
    const status: ServiceStatus = { name, listening: false, address, port };
    const entry: Entry = { status, server, attachments: [] };
    this.entries.push(entry);
    entry.attachments = attach();
    try {
      await server.start();
      status.listening = true;
    } catch (err) {
      status.error = (err as Error).message;
      throw err;
    }
  }

  statuses(): ServiceStatus[] {
    return this.entries.map((e) => ({ ...e.status }));
  }

  get<T extends Startable>(name: ServiceStatus['name']): T | undefined {
    return this.entries.find((e) => e.status.name === name)?.server as T | undefined;
  }

  /** Stops every server (errors are collected, never stop the others) and detaches listeners. */
  async stopAll(): Promise<string[]> {
    const errors: string[] = [];
    for (const e of [...this.entries].reverse()) {
      try {
        if (e.status.listening) await e.server.stop();
      } catch (err) {
        errors.push(`${e.status.name}: ${(err as Error).message}`);
      }
      e.status.listening = false;
      for (const a of e.attachments) a.dispose();
    }
    return errors;
  }
}
