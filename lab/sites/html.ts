/**
 * Page building for the simulated sites: an escaping template tag and one page shell.
 * Everything is inline (no CDN, no external fonts) because lab clients cannot reach
 * the Internet and Chromium runs with `MAP * ~NOTFOUND`.
 */

/** HTML that is already safe to insert; anything else is escaped by `html`. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Marks trusted markup, CSS or script as safe (entities are not decoded inside <style>/<script>). */
function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** What `html` interpolates: SafeHtml as is, text and numbers escaped, lists joined, and null, undefined and false left out. */
type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/**
 * Template tag that escapes every interpolated value unless it is SafeHtml, so a
 * search query or a username echoed back cannot inject markup.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

const BASE_CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1d2430;background:#f4f6f9}
a{color:inherit}
main{max-width:880px;margin:0 auto;padding:24px}
.card{background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:24px;margin-bottom:20px}
label{display:block;font-weight:600;margin:12px 0 4px}
input[type=text],input[type=password],input[type=search]{width:100%;padding:10px 12px;border:1px solid #c5ccd6;border-radius:6px;font-size:16px}
button{margin-top:16px;padding:10px 20px;border:0;border-radius:6px;font-size:16px;font-weight:600;cursor:pointer;color:#fff}
.error{background:#fdecea;color:#9b1c1c;border:1px solid #f5c2c0;border-radius:6px;padding:10px 12px;margin:12px 0}
.muted{color:#66707d;font-size:14px}
table{width:100%;border-collapse:collapse}
td,th{padding:8px 6px;border-bottom:1px solid #e5e8ec;text-align:left}
footer{max-width:880px;margin:0 auto;padding:0 24px 32px;color:#8a93a0;font-size:13px}
`;

interface PageOptions {
  title: string;
  /** Site-specific CSS, appended after the base. */
  css?: string;
  /** The header bar, already built. */
  header: SafeHtml;
  main: SafeHtml;
  footer?: string;
  /** Inline script, trusted. */
  script?: string;
  lang?: string;
}

export function page(opts: PageOptions): SafeHtml {
  return html`<!doctype html>
    <html lang="${opts.lang ?? 'en'}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${opts.title}</title>
        <style>
          ${raw(BASE_CSS + (opts.css ?? ''))}
        </style>
      </head>
      <body>
        ${opts.header}
        <main>${opts.main}</main>
        ${opts.footer ? html`<footer>${opts.footer}</footer>` : ''}
        ${
          opts.script
            ? html`<script>
                ${raw(opts.script)};
              </script>`
            : ''
        }
      </body>
    </html> `;
}
