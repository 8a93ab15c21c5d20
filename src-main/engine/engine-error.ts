/** Thrown by commands; the message is meant for the technician, the code for the UI. */
export class EngineError extends Error {
  constructor(message: string, readonly code = 'engine') {
    super(message);
    this.name = 'EngineError';
  }
}
