/** One line per interceptor event, as its terminal shows it ("bank.example POST /login …"). */
import { REFUSALS, type InterceptorEvent } from './events.ts';

export function describeEvent(e: InterceptorEvent): string | null {
  const line = describe(e);
  return line === null ? null : printable(line);
}

function describe(e: InterceptorEvent): string | null {
  switch (e.type) {
    case 'connection': {
      // By subscriber name when the box knows the line, as a teacher says it; the address beside it.
      const who = e.line && e.line !== e.client.address ? `${e.line} (${e.client.address}:${e.client.port})` : `${e.client.address}:${e.client.port}`;
      const to = e.destinationName ?? `${e.destination.address}:${e.destination.port}`;
      if (e.protocol === 'http') return `${who} → ${to} plain HTTP (readable)`;
      return `${who} → ${to} SNI=${e.sni ?? '-'} ${e.decision.toUpperCase()}: ${e.reason}`;
    }
    case 'forged':
      return `forged a certificate for ${e.names.join(', ')} (SNI ${e.sni}), issued by ${e.issuer}; the real one was issued by ${e.realIssuer}`;
    case 'client-tls-failed':
      return REFUSALS.includes(e.failure)
        ? `flow ${e.flow}: the client refused the forged certificate (${e.failure}: ${e.message})`
        : `flow ${e.flow}: the handshake did not finish (${e.failure}: ${e.message})`;
    case 'client-tls-ok':
      return `flow ${e.flow}: TLS handshake with the forged certificate completed (${e.protocol}, ${e.cipher}); a request will show the client accepted it`;
    case 'capture':
      return `${e.line ? `${e.line} ` : ''}${e.site} ${e.kind}: ${e.value.length > 160 ? e.value.slice(0, 159) + '…' : e.value}`;
    case 'install-page-redirect':
      return `plain HTTP to ${e.host}: sent to ${e.location}`;
    case 'garbage':
      // A connection that never says anything is no attack: browsers open spare ones ahead of need (Chromium's preconnect).
      return /^(no request within|no ClientHello within|closed before sending anything)/.test(e.message)
        ? `closed an idle connection from ${e.client.address}:${e.client.port}: ${e.message}`
        : `dropped garbage from ${e.client.address}:${e.client.port}: ${e.message}`;
    case 'dropped':
      return `flow ${e.flow}: closed by the box: ${e.reason}`;
    case 'internal-error':
      return `the box failed on a connection from ${e.client.address}:${e.client.port}: ${e.message}`;
    case 'request-failed':
      return `flow ${e.flow}: ${e.url} ended without a complete answer (${e.failure}${e.status ? `; the box answered ${e.status}` : e.failure === 'client-gone' ? '' : '; the box cut the connection'})`;
    case 'upstream-hello':
      return `the box's own ClientHello upstream (${e.version}) grades ${e.grade}${e.reasons.length ? `: ${e.reasons.join('; ')}` : ''}`;
    case 'closed':
      return null;
  }
}

/**
 * What clients send (an SNI, a URL, a form field) reaches a person's terminal: control
 * characters are shown escaped, so nobody can forge a line or send an escape sequence through
 * the box's readout (ECMA-48 C0/C1 controls, DEL, and the Unicode line and bidi controls).
 */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
