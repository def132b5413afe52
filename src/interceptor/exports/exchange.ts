/** One HTTP exchange (or WebSocket session) the interceptor read in full: the raw material of the HAR. */
export interface Exchange {
  flow: string;
  /** The subscriber line (client name) it came from, when known. */
  line: string | null;
  startedAt: string;
  serverAddress: string;
  method: string;
  url: string;
  httpVersion: string;
  requestHeaders: Array<[string, string]>;
  requestBody: Buffer;
  status: number;
  statusText: string;
  responseHeaders: Array<[string, string]>;
  responseBody: Buffer;
  /** Milliseconds: request sent upstream → first byte → last byte. */
  waitMs: number;
  receiveMs: number;
  webSocketMessages?: Array<{ type: 'send' | 'receive'; time: number; opcode: 1 | 2; data: string }>;
  /** Why it ended without a complete response (the HAR's `_error`). */
  error?: string;
  /** A body was longer than the box keeps (reader.ts, BODY_KEPT_BYTES). */
  truncated?: boolean;
}

export function headerPairs(raw: string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const [name, value] = [raw[i], raw[i + 1]];
    if (name !== undefined && value !== undefined) pairs.push([name, value]);
  }
  return pairs;
}

/** An exchange as one JSON line: bodies in base64 (JSON.stringify would spell a Buffer byte by byte). */
export function encodeExchange(x: Exchange): Record<string, unknown> {
  return { ...x, requestBody: x.requestBody.toString('base64'), responseBody: x.responseBody.toString('base64') };
}

export function decodeExchange(o: Record<string, unknown>): Exchange {
  const base64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : '', 'base64');
  return { ...(o as unknown as Exchange), requestBody: base64(o.requestBody), responseBody: base64(o.responseBody) };
}
