import { connect } from 'node:tls';
import { diffCertificates, diffTable } from '../../pki/diff.ts';
import { describeCertificate } from '../../pki/inspect.ts';
import { startLab } from '../../runtime/start-lab.ts';
import { resolveScenario } from '../../scenario/loader.ts';
import { ansi } from '../../scenario/narrate.ts';

export interface CertDiffOptions {
  scenario: string;
  stateDir: string;
  json?: boolean;
}

/** `tlslab cert diff <site>`: the certificate the site really has, and the one a subscriber is shown through the ISP. */
export async function certDiffCommand(site: string, opts: CertDiffOptions): Promise<void> {
  const scenario = await resolveScenario(opts.scenario);
  const lab = await startLab(scenario, { stateRoot: opts.stateDir });
  try {
    const host = lab.describe().hosts.find((h) => h.name === site && h.role === 'site');
    if (!host?.routes?.https || !host.ports?.https) {
      const sites = lab
        .describe()
        .hosts.filter((h) => h.routes?.https)
        .map((h) => h.name);
      throw Object.assign(new Error(`${site} is not an HTTPS site of the lab; the sites are ${sites.join(', ')}`), { code: 'TLSLAB_UNKNOWN_SITE' });
    }
    // The original, fetched beyond the ISP (as the box itself sees it), and what crosses the box.
    const original = describeCertificate(await peerCertificate({ address: host.address, port: host.ports.https }, site));
    const shown = describeCertificate(await peerCertificate(host.routes.https, site));
    const rows = diffCertificates(original, shown);
    if (opts.json) {
      process.stdout.write(JSON.stringify({ scenario: scenario.name, site, original, shown, diff: rows }, null, 2) + '\n');
      return;
    }
    const forged = rows.some((r) => !r.same);
    process.stdout.write(
      `${site} under ${scenario.name}: ${forged ? `the ISP box shows a forged certificate, issued by ${shown.issuer}` : 'not intercepted: subscribers see the original certificate'}\n\n`,
    );
    process.stdout.write(diffTable(rows, process.stdout.isTTY ? ansi.bad : undefined) + '\n');
  } finally {
    await lab.stop();
  }
}

function peerCertificate(at: { address: string; port: number }, name: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: at.address, port: at.port, servername: name, rejectUnauthorized: false }, () => {
      const cert = s.getPeerX509Certificate();
      s.destroy();
      if (cert) resolve(cert.raw);
      else reject(new Error(`${name} presented no certificate`));
    });
    s.once('error', reject);
  });
}
