/**
 * How long the box waits, declared once. Every wait on a socket the box does not
 * control has a bound, so that a slow, silent or dripping peer costs at most its own
 * connection, never the box: nginx's client_header_timeout / proxy_read_timeout and Apache's
 * RequestReadTimeout make the same promises.
 */
export interface BoxTimeouts {
  /** From accept to a complete ClientHello (TLS) or the first bytes (plain HTTP). */
  clientHelloMs: number;
  /** From the ClientHello to a finished handshake with the forged certificate. */
  handshakeMs: number;
  /**
   * From "ready for a request" (handshake done, or the previous response sent) to a complete
   * request head. It is the keep-alive idle limit too, and it is what drops a client that drips
   * a byte at a time: every byte restarts a plain idle timer, this deadline it does not.
   */
  requestHeadMs: number;
  /** No byte from the client while its request body is due. */
  requestBodyIdleMs: number;
  /** From the request sent upstream to the origin's response head; then the client gets 504. */
  upstreamResponseMs: number;
  /** No byte from the origin in the middle of a response body; then the client's response is cut. */
  upstreamIdleMs: number;
}

export const DEFAULT_BOX_TIMEOUTS: BoxTimeouts = {
  clientHelloMs: 10_000,
  handshakeMs: 10_000,
  requestHeadMs: 20_000,
  requestBodyIdleMs: 30_000,
  upstreamResponseMs: 30_000,
  upstreamIdleMs: 30_000,
};
