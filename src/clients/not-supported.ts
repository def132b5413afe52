/** A client program that cannot take a step at all (curl has no WebSocket chat, openssl no plain HTTP). */
export class NotSupported extends Error {
  readonly code = 'TLSLAB_STEP_NOT_SUPPORTED';
}
