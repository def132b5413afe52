/**
 * http-mitm-proxy 1.1.0 prints to the global console (debug lines on every new host, every
 * socket error with its stack: a known pitfall of the library). The lab records those as events
 * instead, so its console calls are dropped, and only its: a call is recognised by the
 * library's file in the stack. Our own console output is untouched.
 */
const LIBRARY_PATH = /node_modules[\\/]http-mitm-proxy[\\/]/;
let installed = false;

export function silenceHttpMitmProxyConsole(): void {
  if (installed) return;
  installed = true;
  for (const method of ['debug', 'info', 'log', 'error', 'warn'] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      if (LIBRARY_PATH.test(new Error().stack ?? '')) return;
      original(...args);
    };
  }
}
