/**
 * http-mitm-proxy 1.1.0 prints to the global console (debug lines on every new host, every
 * socket error with its stack: a known pitfall of the library). The lab records those as events
 * instead, so its console calls are dropped, and only its: a call is recognised by the
 * library's file as the caller's frame. Our own console output is untouched, even when it runs
 * inside one of the library's callbacks (the ISP container's readout of a capture does: the
 * library is then deeper in the stack, but it is not the one calling).
 */
const LIBRARY_PATH = /node_modules[\\/]http-mitm-proxy[\\/]/;
let installed = false;

export function silenceHttpMitmProxyConsole(): void {
  if (installed) return;
  installed = true;
  for (const method of ['debug', 'info', 'log', 'error', 'warn'] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      // [0] "Error", [1] this wrapper, [2] whoever called console[method].
      const caller = (new Error().stack ?? '').split('\n')[2] ?? '';
      if (LIBRARY_PATH.test(caller)) return;
      original(...args);
    };
  }
}
