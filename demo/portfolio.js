// The shared portfolio: one panel per data API resource. Each panel shows the data when the
// connect server answers, and says plainly why not otherwise (not available yet, not shared, …).
import { createReport, getData, getTaxSummary, listReports, reportDownloadUrl } from './api.js';
import { el } from './dom.js';
import { STATUS, money, quantity, shorten, when } from './format.js';

const PANELS = [
  { resource: 'integrations', title: 'Connected accounts', render: renderIntegrations },
  { resource: 'holdings', title: 'Holdings', render: renderHoldings },
  { resource: 'transactions', title: 'Recent transactions', query: '?limit=10&order=desc', render: renderTransactions },
  { resource: 'defi-holdings', title: 'DeFi positions', render: renderDefi },
  { resource: 'nft-holdings', title: 'NFTs', query: '?limit=12', render: renderNfts },
];

/** Renders every panel into `container` (replacing what was there). */
export async function renderPortfolio(container) {
  container.replaceChildren(
    ...PANELS.map((p) => el('section', { class: 'panel', id: `panel-${p.resource}` }, el('h3', {}, p.title), el('p', { class: 'muted' }, 'Loading…'))),
    el('section', { class: 'panel', id: 'panel-tax' }, el('h3', {}, 'Tax summary'), el('p', { class: 'muted' }, 'Loading…')),
  );
  await Promise.all([
    ...PANELS.map(async (panel) => {
      const section = container.querySelector(`#panel-${panel.resource}`);
      const { status, body } = await getData(panel.resource, panel.query).catch(() => ({ status: 0, body: null }));
      section.replaceChildren(el('h3', {}, panel.title), status === 200 ? panel.render(body) : explain(status, body));
    }),
    renderTax(container.querySelector('#panel-tax')),
  ]);
}

/** Realised gains, income and fees per tax year, and CSV reports (capital gains, income) to download. */
async function renderTax(section) {
  const [{ status, body }, reports] = await Promise.all([
    getTaxSummary().catch(() => ({ status: 0, body: null })),
    listReports().catch(() => ({ status: 0, body: null })),
  ]);
  if (status !== 200) return section.replaceChildren(el('h3', {}, 'Tax summary'), explain(status, body));
  const years = body?.data ?? [];
  if (!years.length) return section.replaceChildren(el('h3', {}, 'Tax summary'), empty('No disposals or income yet.'));
  const table = el(
    'table',
    {},
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', {}, 'Tax year'),
        el('th', { class: 'num' }, 'Short-term'),
        el('th', { class: 'num' }, 'Long-term'),
        el('th', { class: 'num' }, 'Income'),
        el('th', { class: 'num' }, 'Fees'),
      ),
    ),
    el(
      'tbody',
      {},
      years.map((y) =>
        el(
          'tr',
          {},
          el('td', {}, String(y.taxYear)),
          el('td', { class: 'num' }, money(y.shortTerm.net, body.baseCurrency)),
          el('td', { class: 'num' }, money(y.longTerm.net, body.baseCurrency)),
          el('td', { class: 'num' }, money(y.income.total, body.baseCurrency)),
          el('td', { class: 'num' }, money(y.fees, body.baseCurrency)),
        ),
      ),
    ),
  );
  const year = years[0].taxYear;
  const downloads = el('ul', { class: 'list', id: 'tax-reports' });
  const note = el('p', { class: 'muted small', role: 'status' }, `Cost basis: ${body.costBasisMethod ?? '—'}.`);
  const REPORT_STATUS = { completed: 'Ready', pending: 'Waiting', running: 'Generating…', failed: 'Failed' };
  const showReport = (r) =>
    downloads.prepend(
      el(
        'li',
        {},
        el('span', { class: 'grow' }, `${r.type === 'capital_gains' ? 'Capital gains' : 'Income'} ${r.year}`),
        r.status === 'completed'
          ? el('a', { href: reportDownloadUrl(r.id), download: '' }, `Download CSV (${new Intl.NumberFormat().format(r.rows)} rows)`)
          : el('span', { class: 'muted small' }, REPORT_STATUS[r.status] ?? r.status),
      ),
    );
  for (const r of (reports.status === 200 ? (reports.body?.data ?? []) : []).slice(0, 4).reverse()) showReport(r);
  const generate = (type) => async (event) => {
    event.target.disabled = true;
    note.textContent = 'Generating the report…';
    const created = await createReport(type, year);
    if (created.status !== 202) {
      note.textContent =
        created.status === 403 ? 'Not shared: generating reports needs the reports:write scope.' : `Could not generate the report (${created.status}).`;
      event.target.disabled = false;
      return;
    }
    for (let i = 0; i < 60; i++) {
      const list = await listReports();
      const r = list.body?.data?.find((x) => x.id === created.body.data.id);
      if (r && (r.status === 'completed' || r.status === 'failed')) {
        note.textContent = r.status === 'completed' ? 'Report ready.' : 'The report could not be generated.';
        if (r.status === 'completed') showReport(r);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    event.target.disabled = false;
  };
  const capital = el('button', { type: 'button', class: 'small' }, `Capital gains CSV ${year}`);
  const income = el('button', { type: 'button', class: 'small' }, `Income CSV ${year}`);
  capital.addEventListener('click', generate('capital_gains'));
  income.addEventListener('click', generate('income'));
  section.replaceChildren(
    el('h3', {}, 'Tax summary'),
    el('div', { class: 'scroll-x' }, table),
    el('div', { class: 'actions' }, capital, income),
    note,
    downloads,
  );
}

function explain(status, body) {
  const reasons = {
    0: 'The demo backend could not be reached.',
    401: 'The connection is no longer valid. Connect again.',
    403: 'Not shared: the grant does not include the scope this needs.',
    404: 'Not available yet on this connect server.',
    429: 'Too many requests; try again in a moment.',
  };
  const text = reasons[status] ?? `The data API answered ${status}${body?.message ? `: ${body.message}` : ''}.`;
  return el('p', { class: status === 404 ? 'muted' : 'notice' }, text);
}

/** The first array among the given keys (the v1 shapes name their lists differently). */
function listOf(body, keys) {
  for (const key of keys) if (Array.isArray(body?.[key])) return body[key];
  return [];
}

const empty = (text) => el('p', { class: 'muted' }, text);

export function renderIntegrations(body) {
  const items = listOf(body, ['data', 'integrations']);
  if (!items.length) return empty('No accounts shared yet.');
  return el(
    'ul',
    { class: 'list accounts' },
    items.map((i) => {
      const status = STATUS[i.status] ?? { label: 'Unknown', style: '' };
      const name = i.alias || i.providerPublicName || i.provider;
      return el(
        'li',
        {},
        localImage(i.logoUrl) ? el('img', { class: 'logo', src: localImage(i.logoUrl), alt: '', width: 28, height: 28 }) : null,
        el(
          'span',
          { class: 'grow' },
          el('strong', {}, name),
          i.chain && i.chain.toLowerCase() !== name.toLowerCase() ? el('span', { class: 'muted' }, ` on ${i.chain}`) : null,
          i.publicAddress ? el('span', { class: 'muted mono address', title: i.publicAddress }, shorten(i.publicAddress)) : null,
        ),
        el(
          'span',
          { class: 'meta' },
          el('span', { class: `badge ${status.style}`, title: i.message ?? null }, status.label),
          el('span', { class: 'muted small' }, i.lastSyncedAt ? `synced ${when(i.lastSyncedAt)}` : 'not synced yet'),
        ),
      );
    }),
  );
}

function renderHoldings(body) {
  const items = listOf(body, ['holdings', 'data']);
  if (!items.length) return empty('No holdings reported.');
  const table = el(
    'table',
    {},
    el('thead', {}, el('tr', {}, el('th', {}, 'Asset'), el('th', { class: 'num' }, 'Quantity'), el('th', { class: 'num' }, 'Value'))),
    el(
      'tbody',
      {},
      items.map((h) =>
        el(
          'tr',
          {},
          el(
            'td',
            {},
            el('strong', {}, h.asset?.symbol ?? '?'),
            h.asset?.publicName ? el('span', { class: 'muted asset-name' }, ` ${h.asset.publicName}`) : null,
          ),
          el('td', { class: 'num' }, quantity(h.totalQuantity)),
          el('td', { class: 'num' }, money(h.marketValue, h.baseCurrency)),
        ),
      ),
    ),
  );
  const total = body?.summary?.totalValue;
  return el('div', {}, table, total !== undefined ? el('p', { class: 'total' }, 'Total ', money(total, items[0]?.baseCurrency)) : null);
}

function renderTransactions(body) {
  const items = listOf(body, ['data', 'transactions']);
  if (!items.length) return empty('No transactions reported.');
  const leg = (sign) => (l) => el('span', { class: 'leg' }, quantity(l.quantity, sign), ` ${l.asset?.symbol ?? ''}`);
  return el(
    'ul',
    { class: 'list' },
    items.map((t) => {
      const legs = [...(t.incomingAssets ?? []).map(leg('+')), ...(t.outgoingAssets ?? []).map(leg('−'))];
      return el(
        'li',
        {},
        el('span', { class: 'grow' }, el('strong', {}, t.label ?? 'Transaction'), el('span', { class: 'legs' }, legs)),
        el('span', { class: 'muted small' }, when(t.timestamp)),
      );
    }),
  );
}

function renderDefi(body) {
  const items = listOf(body, ['holdings', 'data']);
  if (!items.length) return empty('No DeFi positions reported.');
  return el(
    'ul',
    { class: 'list' },
    items.map((d) =>
      el(
        'li',
        {},
        el(
          'span',
          { class: 'grow' },
          el('strong', {}, d.protocolName ?? 'Protocol'),
          el('span', { class: 'muted' }, ` ${d.category ?? ''} on ${d.chain ?? '?'}`),
        ),
        el('span', {}, money(d.netValue?.price ?? d.totalValue?.price, d.totalValue?.baseCurrency)),
      ),
    ),
  );
}

function renderNfts(body) {
  const items = listOf(body, ['data', 'nfts', 'nftHoldings']);
  if (!items.length) return empty('No NFTs reported.');
  return el(
    'ul',
    { class: 'grid' },
    items.map((n) =>
      el(
        'li',
        {},
        localImage(n.thumbnailUrl) ? el('img', { src: localImage(n.thumbnailUrl), alt: n.name ?? '', width: 96, height: 96, loading: 'lazy' }) : null,
        el('span', {}, n.name ?? `#${n.tokenId}`),
        el('span', { class: 'muted small' }, n.collection?.name ?? ''),
      ),
    ),
  );
}

/**
 * Image URLs come from API data: load only same-origin (or data:) images. A URL on another host would
 * break this page's CSP (img-src 'self' data:) and have the user's browser call hosts chosen by data.
 */
function localImage(url) {
  if (typeof url !== 'string' || !url) return null;
  try {
    const u = new URL(url, location.href);
    return u.protocol === 'data:' || u.origin === location.origin ? u.href : null;
  } catch {
    return null;
  }
}
