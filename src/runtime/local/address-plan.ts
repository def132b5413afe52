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

// Each host's last octet comes from the scenario's list of sites, in order (src/scenario/sites.ts,
// hostNumbers): 9 for the first, 10 for the next, the same on every block.

export function clientAddress(index: number): string {
  return `${LOCAL_BLOCKS.home}.${10 + index}`;
}
