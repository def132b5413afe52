import type { RawData } from 'ws';

/** A ws message as text, whichever of its three shapes (Buffer, ArrayBuffer, Buffer[]) it came in. */
export function wsText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');
}
