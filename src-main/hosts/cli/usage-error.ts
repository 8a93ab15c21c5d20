/** Exit statuses are a contract with scripts: 0 ok, 1 not found, 2 bad input or usage. */
export const EXIT_OK = 0;
export const EXIT_NOT_FOUND = 1;
export const EXIT_BAD_INPUT = 2;

/** Thrown for bad flags or arguments; main prints the message and the command's usage, exits 2. */
export class UsageError extends Error {
  constructor(message: string, readonly usage?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Thrown when what the user named does not exist (a path in an image, an interface); exit 1. */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}
