/** The last `tlslab matrix --json` result, as the console's matrix panel shows it (same cells as the CLI table). */
import { readFile } from 'node:fs/promises';
import { cellText } from '../scenario/matrix-table.ts';
import type { MatrixReport } from '../scenario/matrix.ts';
import type { MatrixView } from './protocol.ts';

class MatrixFileError extends Error {
  readonly code = 'TLSLAB_CONSOLE_MATRIX';
}

export async function loadMatrixView(file: string): Promise<MatrixView> {
  let report: MatrixReport;
  try {
    report = JSON.parse(await readFile(file, 'utf8')) as MatrixReport;
  } catch (err) {
    throw new MatrixFileError(`cannot read the matrix file ${file}: ${(err as Error).message}`);
  }
  if (!Array.isArray(report.variants) || !Array.isArray(report.clients) || !Array.isArray(report.sites) || !Array.isArray(report.cells)) {
    throw new MatrixFileError(`${file} is not a \`tlslab matrix --json\` result (it needs variants, clients, sites and cells)`);
  }
  return matrixView(report, file);
}

export function matrixView(m: MatrixReport, file: string): MatrixView {
  return {
    file,
    variants: m.variants.map((v) => ({ name: v.name, title: v.title })),
    tables: m.sites.map((site) => ({
      site,
      rows: m.clients.map((client) => ({
        client: client.name,
        cells: m.variants.map((v) => {
          const cell = m.cells.find((c) => c.variant === v.name && c.client === client.name && c.site === site);
          return { text: cellText(cell), outcome: cell?.outcome ?? null };
        }),
      })),
    })),
    passed: m.passed,
  };
}
