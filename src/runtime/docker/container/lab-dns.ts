/**
 * The ISP's resolver for its subscribers: A records for the lab's names, NXDOMAIN for anything
 * else (nothing outside the lab resolves). Clients reach it through Docker's embedded DNS
 * (compose `dns:`), as subscribers use their ISP's resolver.
 */
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';

export function startLabDns(address: string, lookup: (name: string) => string | null): Promise<void> {
  const socket = createSocket('udp4');
  socket.on('message', (msg, from) => {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return; // garbage: no answer, and the resolver keeps serving
    }
    const question = query.questions?.[0];
    const name = question?.name.toLowerCase().replace(/\.$/, '') ?? '';
    const ip = question && question.type === 'A' ? lookup(name) : null;
    const known = lookup(name) !== null;
    const reply = dnsPacket.encode({
      id: query.id,
      type: 'response',
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (known ? 0 : 3), // rcode 3: NXDOMAIN
      questions: query.questions,
      answers: ip ? [{ type: 'A', name: question!.name, ttl: 60, class: 'IN', data: ip }] : [],
    });
    socket.send(reply, from.port, from.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(53, address, () => resolve());
  });
}
