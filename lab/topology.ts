/**
 * The local runtime's world on 127.0.0.0/8 (nothing leaves the machine). Each host has its
 * own loopback address: sites live on the "internet" block; the lab's DNS answers with the
 * ISP box's address on the route to each site, so every connection crosses the box; clients
 * sit on the "home" block, so the box sees who is talking.
 */
export const LOCAL_BLOCKS = {
  internet: '127.80.0',
  isp: '127.80.1',
  home: '127.80.2',
  /** Where a second attacker beyond the ISP sits (the sloppy scenario). */
  hijack: '127.80.3',
} as const;

/** Last octet of each site's address, on the internet block and on the ISP's route block. */
export const SITE_HOST_NUMBERS: Record<string, number> = {
  'qca.example': 9,
  'bank.example': 10,
  'social.example': 11,
  'mail.example': 12,
  'search.example': 13,
  'news.example': 14,
  // A CDN edge serving several customers' names (what makes domain fronting work).
  'cdn.example': 15,
  // A VPN exit beyond the ISP (the tunnel defence).
  'vpn.example': 16,
  // Stands for a real-world site outside the lab's names (.invalid, RFC 2606).
  'www.outside.invalid': 17,
};

export const TUNNEL_EXIT_HOST = 'vpn.example';

export const INSTALL_PAGE_HOST = 'qca.example';

export function clientAddress(index: number): string {
  return `${LOCAL_BLOCKS.home}.${10 + index}`;
}
