/**
 * What a handout of a run shows, worked out once from the report for both of its forms
 * (handout-html.ts, handout-markdown.ts): who the state read and what, the outcome of every
 * subscriber at every site, each step with what each person saw, and each forged certificate.
 */
import type { Report, ReportCapture } from '../report.ts';

/** What the state reads first when it reads a person: the kinds a teacher points at. */
const KIND_ORDER = ['credential', 'cookie', 'ws-message', 'body', 'header', 'url'] as const;
/** Items shown per subscriber; the JSON report and the HAR hold the rest. */
const ITEMS_SHOWN = 12;

export interface ReadBySubscriber {
  client: string;
  items: ReportCapture[];
  /** How many distinct items there were in all. */
  total: number;
}

/** Per subscriber, the distinct things the ISP read, the most telling kinds first. */
export function readBySubscriber(report: Report): ReadBySubscriber[] {
  const rank = (k: string) => {
    const i = (KIND_ORDER as readonly string[]).indexOf(k);
    return i < 0 ? KIND_ORDER.length : i;
  };
  return report.steps
    .flatMap((s) => s.clients.map((c) => c.client))
    .filter((c, i, all) => all.indexOf(c) === i)
    .flatMap((client) => {
      const seen = new Set<string>();
      const distinct = report.captured.filter((x) => {
        const key = `${x.kind}|${x.site}|${x.value}`;
        if (x.client !== client || seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      if (distinct.length === 0) return [];
      const items = [...distinct].sort((a, b) => rank(a.kind) - rank(b.kind)).slice(0, ITEMS_SHOWN);
      return [{ client, items, total: distinct.length }];
    });
}

/** The outcome grid: one row per subscriber, one column per site it visited over TLS, and `http://site` for plain HTTP. */
export function outcomeGrid(report: Report): { columns: string[]; rows: Array<{ client: string; cells: Map<string, string> }> } {
  const column = (r: Report['results'][number]) => (r.transport === 'http' ? `http://${r.site}` : r.site);
  const columns = [...new Set(report.results.map(column))];
  const clients = [...new Set(report.results.map((r) => r.client))];
  return {
    columns,
    rows: clients.map((client) => ({
      client,
      cells: new Map(report.results.filter((r) => r.client === client).map((r) => [column(r), `${r.outcome}${r.cause ? ` (${r.cause})` : ''}`])),
    })),
  };
}

/** The screenshots a report names, as the files they are (read before the lab takes them away). */
export function screenshotFiles(report: Report): string[] {
  return report.steps.flatMap((s) => s.clients.flatMap((c) => c.screenshots));
}

export function verdict(report: Report): string {
  const met = report.expectations.filter((x) => x.met).length;
  return `${met}/${report.expectations.length} expectations met`;
}
