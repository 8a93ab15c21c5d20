import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_METHODS, type ApiClient, type ApiErrorPayload, type ApiMethod } from '../../shared/api.ts';

/** Arguments are small (paths, settings); anything bigger is a mistake or an attack. */
const MAX_BODY_BYTES = 1 << 20;

const METHODS = new Set<string>(API_METHODS);

export function isApiMethod(name: string): name is ApiMethod {
  return METHODS.has(name);
}

export class RequestBodyError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new RequestBodyError(`request body larger than ${limit} bytes`, 413);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }).end(text);
}

export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const error: ApiErrorPayload = { code, message };
  sendJson(res, status, { error });
}

/**
 * POST /api/call/<method> with `{"arg": …}` → 200 `{"result": …}`; an engine error → 422
 * (it carries a `code`, so the user did something the engine refuses) or 500, both as
 * `{"error": {code, message}}` so the UI can show the engine's own words.
 */
export async function handleApiCall(api: ApiClient, method: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') {
    res.writeHead(405, { Allow: 'POST' }).end();
    return;
  }
  if (!isApiMethod(method)) {
    sendError(res, 404, 'unknown-method', `no API method '${method}'`);
    return;
  }
  let arg: unknown;
  try {
    const body = await readBody(req, MAX_BODY_BYTES);
    const parsed: unknown = body.length ? JSON.parse(body.toString('utf8')) : {};
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SyntaxError('body must be a JSON object');
    arg = (parsed as { arg?: unknown }).arg;
  } catch (err) {
    const status = err instanceof RequestBodyError ? err.status : 400;
    sendError(res, status, 'bad-request', `cannot read the argument of ${method}: ${(err as Error).message}`);
    return;
  }
  try {
    // The argument is checked by the engine, which is the one place that knows each method's rules.
    const result = await api.call(method, arg as never);
    sendJson(res, 200, result === undefined ? {} : { result });
  } catch (err) {
    const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : undefined;
    const message = err instanceof Error ? err.message : String(err);
    sendError(res, code ? 422 : 500, code ?? 'internal', message);
  }
}
