// The release list: newest first, filtered by application, environment and status (kept in the address so
// a filtered list can be shared), twenty a page, refreshed every five seconds while visible.
import { api, el, header, poll, Problem, statusBadge, when } from './console.js';

const SIZE = 20;
const form = document.getElementById('filters');
const body = document.querySelector('#releases tbody');
const problem = document.getElementById('problem');
const range = document.getElementById('range');
const newer = document.getElementById('newer');
const older = document.getElementById('older');

function state() {
  const params = new URLSearchParams(location.search);
  return {
    application: params.get('application') || '',
    environment: params.get('environment') || '',
    status: params.get('status') || '',
    page: Math.max(0, Number.parseInt(params.get('page') || '0', 10) || 0),
  };
}

function go(next) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(next)) {
    if (value !== '' && !(name === 'page' && value === 0)) {
      params.set(name, value);
    }
  }
  history.replaceState(null, '', params.toString() ? `?${params}` : location.pathname);
  return load();
}

async function load() {
  const { application, environment, status, page } = state();
  const query = new URLSearchParams({ page, size: SIZE });
  if (application) query.set('application', application);
  if (environment) query.set('environment', environment);
  if (status) query.set('status', status);
  try {
    const result = await api(`/releases?${query}`);
    body.replaceChildren(
      ...result.items.map((r) =>
        el(
          'tr',
          { 'data-release': r.id },
          el('td', {}, el('a', { href: `/console/releases/${encodeURIComponent(r.id)}` }, r.id)),
          el('td', {}, r.application),
          el('td', {}, r.version),
          el('td', {}, r.environment),
          el('td', {}, statusBadge(r.status)),
          el('td', {}, r.requester),
          el('td', {}, when(r.createdAt)),
          el('td', {}, when(r.updatedAt)),
        ),
      ),
    );
    if (result.items.length === 0) {
      body.append(el('tr', {}, el('td', { colspan: 8, class: 'empty' }, 'No release matches.')));
    }
    const first = result.total === 0 ? 0 : page * SIZE + 1;
    range.textContent = `${first}–${page * SIZE + result.items.length} of ${result.total.toLocaleString('en')}`;
    newer.disabled = page === 0;
    older.disabled = (page + 1) * SIZE >= result.total;
    problem.hidden = true;
  } catch (e) {
    problem.textContent = e instanceof Problem ? e.message : `The list could not be loaded: ${e.message}`;
    problem.hidden = false;
  }
  document.body.dataset.loaded = 'true';
}

const me = await header();
const environments = form.elements.environment;
for (const id of me.environments) {
  environments.append(el('option', {}, id));
}
const initial = state();
form.elements.application.value = initial.application;
environments.value = initial.environment;
form.elements.status.value = initial.status;

form.addEventListener('submit', (event) => {
  event.preventDefault();
  go({
    application: form.elements.application.value.trim(),
    environment: environments.value,
    status: form.elements.status.value,
    page: 0,
  });
});
form.elements.status.addEventListener('change', () => form.requestSubmit());
environments.addEventListener('change', () => form.requestSubmit());
newer.addEventListener('click', () => go({ ...state(), page: Math.max(0, state().page - 1) }));
older.addEventListener('click', () => go({ ...state(), page: state().page + 1 }));

poll(load, () => 5000);
