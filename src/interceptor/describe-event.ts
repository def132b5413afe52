/** One line per interceptor event, as its terminal shows it ("bank.example POST /login …"). */
import type { InterceptorEvent } from './events.ts';

export function describeEvent(e: InterceptorEvent): string | null {
  switch (e.type) {
    case 'connection': {
      const who = `${e.client.address}:${e.client.port}`;
      const to = e.destinationName ?? `${e.destination.address}:${e.destination.port}`;
      if (e.protocol === 'http') return `${who} → ${to} plain HTTP (readable)`;
      return `${who} → ${to} SNI=${e.sni ?? '-'} ${e.decision.toUpperCase()}: ${e.reason}`;
    }
    case 'forged':
      return `forged a certificate for ${e.names.join(', ')} (SNI ${e.sni}), issued by ${e.issuer}; the real one was issued by ${e.realIssuer}`;
    case 'client-tls-failed':
      return `flow ${e.flow}: the client refused the forged certificate (${e.failure}: ${e.message.replace(/\s+/g, ' ').trim()})`;
    case 'client-tls-ok':
      return `flow ${e.flow}: TLS handshake with the forged certificate completed (${e.protocol}, ${e.cipher}); a request will show the client accepted it`;
    case 'capture':
      return `${e.site} ${e.kind}: ${e.value.length > 160 ? e.value.slice(0, 159) + '…' : e.value}`;
    case 'install-page-redirect':
      return `plain HTTP to ${e.host}: sent to ${e.location}`;
    case 'garbage':
      return `dropped garbage from ${e.client.address}:${e.client.port}: ${e.message}`;
    case 'internal-error':
      return `the box failed on a connection from ${e.client.address}:${e.client.port}: ${e.message}`;
    case 'upstream-error':
      return `flow ${e.flow}: upstream error: ${e.message}`;
    case 'upstream-hello':
      return `the box's own ClientHello upstream (${e.version}) grades ${e.grade}${e.reasons.length ? `: ${e.reasons.join('; ')}` : ''}`;
    case 'closed':
      return null;
  }
}
