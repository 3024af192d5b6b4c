/**
 * The console's static files (docs/console.md): one stylesheet and one script, served at these
 * paths by the local web server and from S3 behind CloudFront on AWS. The pages reference
 * them by path and carry no inline style or script, so the CSP can forbid both.
 */

const CSS = `
:root { --fg: #1a1a1a; --muted: #555; --bg: #fff; --line: #ccc; --accent: #0b57d0; --warn: #8a1c1c; --ok: #1e6b2f; --band: #f3f5f8; }
* { box-sizing: border-box; }
html { font-size: 100%; }
body { margin: 0; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible, .table-wrap:focus-visible {
  outline: 3px solid #f5a300; outline-offset: 2px;
}
.skip { position: absolute; left: -9999px; top: 0; background: #fff; padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; }
header.top { background: #12263f; color: #fff; padding: .5rem 1rem; }
header.top a { color: #fff; }
header.top .brand { font-weight: 700; margin-right: 1rem; }
nav.main ul { list-style: none; margin: .25rem 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
nav.main a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
.who { float: right; font-size: .875rem; }
main { padding: 1rem; max-width: 75rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
.flash { border-left: 4px solid var(--ok); background: #eef7f0; padding: .5rem 1rem; margin-bottom: 1rem; }
.flash.error { border-color: var(--warn); background: #fbeeee; }
.table-wrap { max-width: 100%; overflow-x: auto; margin-bottom: 1rem; }
table { border-collapse: collapse; min-width: 100%; font-size: .9375rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
thead th { background: var(--band); white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .8125rem; word-break: break-all; }
form.filters, form.action { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; margin: .5rem 0 1rem; padding: .5rem; background: var(--band); }
form.filters label, form.action label { display: flex; flex-direction: column; font-size: .875rem; }
fieldset { min-width: 0; max-width: 100%; }
textarea, input, select { max-width: 100%; }
input, select, textarea, button { font: inherit; padding: .3rem .5rem; border: 1px solid #767676; border-radius: 3px; background: #fff; color: var(--fg); }
button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
.bar { display: inline-block; height: .75rem; background: var(--accent); vertical-align: middle; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 0 .4rem; border: 1px solid currentColor; border-radius: .6rem; font-size: .8125rem; }
.badge.open, .badge.held, .badge.overdue { color: var(--warn); }
.badge.approved, .badge.resolved, .badge.paid { color: var(--ok); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: .75rem; margin-bottom: 1rem; }
.card { border: 1px solid var(--line); padding: .5rem .75rem; border-radius: 4px; }
.card .value { font-size: 1.5rem; font-weight: 700; display: block; }
dl.settings { display: grid; grid-template-columns: minmax(8rem, 16rem) 1fr; gap: .25rem 1rem; }
dl.settings dt { font-weight: 600; word-break: break-word; }
dl.settings dd { margin: 0; word-break: break-word; }
@media (max-width: 40rem) {
  main { padding: .5rem; }
  .who { float: none; display: block; }
  dl.settings { grid-template-columns: 1fr; }
  dl.settings dd { margin-bottom: .5rem; }
}
`;

// Progressive enhancement only: every form works without it.
const JS = `
document.addEventListener('change', function (event) {
  var box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.hasAttribute('data-select-all')) return;
  var form = box.form;
  if (!form) return;
  var name = box.getAttribute('data-select-all');
  form.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (b) { b.checked = box.checked; });
});
`;

export const CONSOLE_ASSETS: readonly { path: string; contentType: string; body: string }[] = [
  { path: '/assets/console.css', contentType: 'text/css; charset=utf-8', body: CSS.trimStart() },
  { path: '/assets/console.js', contentType: 'text/javascript; charset=utf-8', body: JS.trimStart() },
];
