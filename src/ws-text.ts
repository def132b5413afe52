import type { RawData } from 'ws';

/** A ws message as UTF-8 text, whichever of its three shapes (Buffer, ArrayBuffer, Buffer[]) it came in. */
export function wsText(data: RawData): string {
  return (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');
}
