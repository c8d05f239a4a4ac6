// One release as it runs: status, sign-offs per role with links to the open Tasklist tasks, what it changes
// against the release running in its environment, the steps with their durations, the models drawn with
// bpmn-js and marked as they ran, the metric gates' verdicts, the evidence and its verification, and the
// requests the viewer may make. Polled every two seconds while the release runs.
import { api, duration, el, ENDED, header, poll, Problem, statusBadge, when } from './console.js';

const id = decodeURIComponent(location.pathname.split('/').pop());
let roles = {}; // group id → the label people read, from the server (identity's Groups)
const DECISIONS = { approve: 'approved', reject: 'rejected' };
const MODELS = { deploy: 'Deploy', 'sign-off': 'Sign-off', release: 'Release' };
const problem = document.getElementById('problem');

let shown = null; // the detail last drawn, as JSON
let seenStatus = null;
let seenSteps = null;
let viewer = null;
let diagrams = [];
let chosenModel = null; // the model tab the viewer picked; until then the latest process is shown
let lastDetail = null;
const stepNames = new Map(); // element id → its name in the models, for steps that have not run yet

function roleLabel(role) {
  return roles[role] || role;
}

function fail(e) {
  problem.textContent = e instanceof Problem ? e.message : `Could not load the release: ${e.message}`;
  problem.hidden = false;
}

async function refresh() {
  let detail;
  try {
    detail = await api(`/releases/${encodeURIComponent(id)}`);
  } catch (e) {
    fail(e);
    return;
  }
  problem.hidden = true;
  lastDetail = detail;
  const json = JSON.stringify(detail);
  if (json !== shown) {
    shown = json;
    drawSummary(detail);
    drawActions(detail);
    drawSignOffs(detail);
    drawSteps(detail);
  }
  const steps = JSON.stringify(detail.steps.map((s) => [s.id, s.state]).concat(detail.incidents));
  const jobs = [];
  if (steps !== seenSteps || detail.status !== seenStatus) {
    jobs.push(loadDiagrams());
  }
  if (detail.status !== seenStatus) {
    // Evidence reads are recorded in the evidence-access chain: read again only when the status moves.
    jobs.push(loadEvidence(), loadDiff());
  }
  seenSteps = steps;
  seenStatus = detail.status;
  await Promise.all(jobs);
  document.title = `${detail.application} ${detail.version} → ${detail.environment} · Countersign`;
  document.body.dataset.status = detail.status;
  document.body.dataset.loaded = 'true';
}

function fact(term, ...value) {
  return [el('dt', {}, term), el('dd', {}, ...value)];
}

function drawSummary(d) {
  const summary = document.getElementById('summary');
  summary.replaceChildren(
    el('h1', {}, `${d.application} ${d.version} → ${d.environment} `, statusBadge(d.status)),
    d.statusReason ? el('p', { class: 'reason', id: 'status-reason' }, d.statusReason) : '',
    el(
      'dl',
      { class: 'facts' },
      fact('Release', el('code', { id: 'release-id' }, d.id)),
      fact('Requested by', d.requester),
      fact('Change reference', d.changeReference),
      fact('Submitted', `${when(d.createdAt)} UTC`),
      fact('Last change', `${when(d.updatedAt)} UTC`),
      fact(
        'Manifest SHA-256',
        el('code', { id: 'digest', class: 'digest' }, d.manifestSha256),
        ' ',
        el('a', { href: `/console/api/releases/${encodeURIComponent(d.id)}/manifest`, target: '_blank' },
          'signed manifest'),
      ),
      d.waiting.length
        ? fact('Waiting for', d.waiting.map((w) => el('div', {}, `${w.activity}: ${w.reason || w.state}${w.nextAttempt ? ` (next at ${when(w.nextAttempt)} UTC)` : ''}`)))
        : [],
      d.incidents.length ? fact('Incidents', d.incidents.map((i) => el('div', { class: 'problem' }, i))) : [],
    ),
  );
}

const ACTIONS = {
  cancel: {
    label: 'Cancel release',
    text: 'Cancelling stops the release before anything is deployed. Nothing can resume it.',
    confirm: 'Cancel the release',
    fields: () => [reasonField()],
    body: (f) => ({ reason: f.reason.value }),
  },
  rollback: {
    label: 'Roll back',
    text: 'Rolling back undoes every completed step in reverse order and restores what ran before.',
    confirm: 'Roll back now',
    fields: () => [reasonField()],
    body: (f) => ({ reason: f.reason.value }),
  },
  override: {
    label: 'Ask for an emergency override',
    text: 'A release manager decides in Tasklist. An approved override skips the sign-offs still outstanding '
      + '(and a missing evidence or a closed change window); a post-override review follows.',
    confirm: 'Ask for the override',
    fields: () => [
      el('label', {}, 'Kind ', el('select', { name: 'kind' },
        el('option', { value: 'quick' }, 'quick: 5 minutes'),
        el('option', { value: 'extended' }, 'extended: 24 hours'))),
      reasonField(),
      el('label', {}, 'Incident reference ', el('input', { name: 'incidentReference', required: true, maxlength: 128 })),
    ],
    body: (f) => ({ kind: f.kind.value, reason: f.reason.value, incidentReference: f.incidentReference.value }),
  },
};

function reasonField() {
  return el('label', {}, 'Reason (recorded in the evidence) ',
    el('textarea', { name: 'reason', required: true, maxlength: 2000, rows: 3 }));
}

function drawActions(d) {
  const section = document.getElementById('actions');
  section.replaceChildren(
    ...d.actions.map((action) =>
      el('button', { type: 'button', class: 'action', 'data-action': action, onclick: () => ask(action) },
        ACTIONS[action].label)),
  );
}

/** Asks for confirmation (and the reason) in a dialog; the API's refusal is shown there as a sentence. */
function ask(action) {
  const spec = ACTIONS[action];
  const dialog = document.getElementById('confirm');
  const form = document.getElementById('confirm-form');
  const refusal = document.getElementById('confirm-problem');
  document.getElementById('confirm-title').textContent = spec.label;
  document.getElementById('confirm-text').textContent = spec.text;
  document.getElementById('confirm-fields').replaceChildren(...spec.fields());
  document.getElementById('confirm-ok').textContent = spec.confirm;
  refusal.hidden = true;
  document.getElementById('confirm-cancel').onclick = () => dialog.close();
  form.onsubmit = async (event) => {
    event.preventDefault();
    try {
      const answer = await api(`/releases/${encodeURIComponent(id)}/${action}`, {
        method: 'POST',
        body: spec.body(form.elements),
      });
      dialog.close();
      note(answer.message);
      await refresh();
    } catch (e) {
      refusal.textContent = e.message;
      refusal.hidden = false;
    }
  };
  dialog.showModal();
}

function note(text) {
  const notice = document.getElementById('notice');
  notice.textContent = text;
  notice.hidden = false;
}

function drawSignOffs(d) {
  const body = document.querySelector('#sign-offs tbody');
  const rows = d.signOffs.map((s) =>
    el('tr', { 'data-role': s.role },
      el('td', {}, roleLabel(s.role)),
      el('td', {}, el('span', { class: `decision decision-${s.decision}` }, DECISIONS[s.decision] || s.decision),
        s.manifestSha256 && s.manifestSha256 !== d.manifestSha256
          ? el('div', { class: 'problem' }, `signed another manifest: ${s.manifestSha256}`) : ''),
      el('td', {}, s.user),
      el('td', {}, when(s.decidedAt)),
      el('td', {}, s.comment || '')));
  for (const t of d.pendingTasks) {
    rows.push(el('tr', { 'data-role': t.role, class: 'pending' },
      el('td', {}, roleLabel(t.role)),
      el('td', {}, el('span', { class: 'decision decision-pending' }, 'waiting')),
      // Same origin as the console, whatever address the server believes it has.
      el('td', {}, el('a', { href: `/camunda/app/tasklist/default/#/?task=${encodeURIComponent(t.taskId)}`,
        target: '_blank', rel: 'noopener', class: 'sign' }, 'Sign in Tasklist →')),
      el('td', {}, t.due ? `due ${when(t.due)}` : ''),
      el('td', {}, t.followUp ? `escalates to release managers at ${when(t.followUp)}` : '')));
  }
  if (rows.length === 0) {
    rows.push(el('tr', {}, el('td', { colspan: 5, class: 'empty' },
      ENDED.has(d.status) || d.status === 'deploying' || d.status === 'verifying'
        ? 'No sign-off recorded.' : 'Sign-offs start once the evidence is checked.')));
  }
  body.replaceChildren(...rows);
}

function drawSteps(d) {
  const body = document.querySelector('#steps tbody');
  const now = Date.now();
  const ran = d.steps.filter((s) => s.start);
  const from = Math.min(...ran.map((s) => Date.parse(s.start)));
  const to = Math.max(...ran.map((s) => (s.end ? Date.parse(s.end) : now)));
  const span = Math.max(1, to - from);
  body.replaceChildren(
    ...d.steps.map((s) => {
      const start = s.start ? Date.parse(s.start) : null;
      const end = s.end ? Date.parse(s.end) : start === null ? null : now;
      const bar = start === null ? '' : el('span', {
        class: `timeline timeline-${s.state}`,
        style: `margin-left:${((start - from) / span) * 100}%;width:${Math.max(0.5, ((end - start) / span) * 100)}%`,
      });
      return el('tr', { 'data-step': s.id, 'data-state': s.state },
        el('td', {}, s.name || stepNames.get(s.id) || s.id),
        el('td', {}, el('span', { class: `state state-${s.state}` }, s.state)),
        el('td', {}, when(s.start)),
        el('td', {}, start === null ? '' : duration(end - start)),
        el('td', { class: 'bar-cell' }, bar));
    }),
  );
}

async function loadDiff() {
  const target = document.getElementById('diff');
  try {
    const diff = await api(`/releases/${encodeURIComponent(id)}/diff`);
    if (!diff.against) {
      target.replaceChildren(el('p', { id: 'diff-none' },
        'Nothing of this application was released in this environment before it: everything in the manifest is new.'));
      return;
    }
    const a = diff.against;
    target.replaceChildren(
      el('p', { id: 'diff-against' }, 'Against ',
        el('a', { href: `/console/releases/${encodeURIComponent(a.id)}` }, a.id),
        ` (version ${a.version}, released ${when(a.releasedAt)} UTC): ${diff.changes.length} `
          + `${diff.changes.length === 1 ? 'field differs' : 'fields differ'}.`),
      el('table', { class: 'grid diff', id: 'diff-table' },
        el('thead', {}, el('tr', {}, el('th', {}, 'Field'), el('th', {}, 'Running now'), el('th', {}, 'This release'))),
        el('tbody', {}, ...diff.changes.map((c) =>
          el('tr', { 'data-path': c.path, class: c.before === null ? 'added' : c.after === null ? 'removed' : 'changed' },
            el('td', {}, el('code', {}, c.path)),
            el('td', {}, c.before ?? '—'),
            el('td', {}, c.after ?? '—'))))),
    );
  } catch (e) {
    target.replaceChildren(el('p', { class: 'problem' }, e.message));
  }
}

async function loadEvidence() {
  const target = document.getElementById('evidence');
  const verdicts = document.querySelector('#verdicts tbody');
  const href = `/console/api/releases/${encodeURIComponent(id)}/evidence`;
  try {
    const bundle = await api(`/releases/${encodeURIComponent(id)}/evidence`);
    const v = bundle.verification;
    target.replaceChildren(
      el('p', { id: 'evidence-status', class: v.valid ? 'verified' : 'problem' },
        v.valid
          ? `The chain verifies: ${v.entries} entries, each signed, hash-chained to the last `
            + `(${v.lastHash})${v.checkpoint ? ', and matches its external checkpoint' : ''}.`
          : `The chain does not verify: ${v.problems.join('; ')}`),
      el('p', {}, el('a', { href, download: `evidence-${id}.json`, id: 'evidence-download' },
        'Download the signed evidence bundle'), ' (JSON, verifiable offline with the public key).'),
      el('details', {}, el('summary', {}, `${bundle.entries.length} entries`),
        el('table', { class: 'grid' },
          el('thead', {}, el('tr', {}, el('th', {}, '#'), el('th', {}, 'When (UTC)'), el('th', {}, 'Type'),
            el('th', {}, 'By'))),
          el('tbody', {}, ...bundle.entries.map((e) => el('tr', {},
            el('td', {}, e.seq), el('td', {}, when(e.recordedAt)), el('td', {}, e.type), el('td', {}, e.actor)))))),
    );
    const rows = bundle.entries.filter((e) => e.type === 'metrics-verdict').map((e) =>
      el('tr', { class: `verdict-${e.payload.verdict}` },
        el('td', {}, when(e.recordedAt)),
        el('td', {}, e.payload.name),
        el('td', {}, e.payload.value ?? '—'),
        el('td', {}, e.payload.threshold ?? ''),
        el('td', {}, e.payload.verdict)));
    verdicts.replaceChildren(...(rows.length ? rows
      : [el('tr', {}, el('td', { colspan: 5, class: 'empty' }, 'No metric gate has been evaluated.'))]));
  } catch (e) {
    target.replaceChildren(el('p', { id: 'evidence-status', class: 'problem' }, e.message));
  }
}

async function loadDiagrams() {
  try {
    diagrams = (await api(`/releases/${encodeURIComponent(id)}/diagram`)).processes;
  } catch (e) {
    document.getElementById('canvas').replaceChildren(el('p', { class: 'problem' }, e.message));
    return;
  }
  for (const d of diagrams) {
    const model = new DOMParser().parseFromString(d.xml, 'application/xml');
    for (const node of model.querySelectorAll('[id][name]')) {
      stepNames.set(node.getAttribute('id'), node.getAttribute('name'));
    }
  }
  if (lastDetail) {
    drawSteps(lastDetail);
  }
  const tabs = document.getElementById('model-tabs');
  const keys = diagrams.map((d) => d.definitionKey);
  const shownKey = keys.includes(chosenModel) ? chosenModel
    : keys.includes('deploy') ? 'deploy' : keys[keys.length - 1];
  tabs.replaceChildren(...diagrams.map((d) =>
    el('button', { type: 'button', role: 'tab', 'aria-selected': String(d.definitionKey === shownKey),
      onclick: () => { chosenModel = d.definitionKey; loadDiagrams(); } },
    MODELS[d.definitionKey] || d.definitionKey)));
  const diagram = diagrams.find((d) => d.definitionKey === shownKey);
  if (diagram) {
    await draw(diagram);
  }
}

/** Draws one model and marks each element as it ran; compensation handlers mark the step they undid. */
async function draw(diagram) {
  if (!viewer) {
    viewer = new window.BpmnJS({ container: '#canvas' });
  }
  const canvas = viewer.get('canvas');
  if (viewer.shownDefinition !== diagram.definitionId) {
    await viewer.importXML(diagram.xml);
    viewer.shownDefinition = diagram.definitionId;
    canvas.zoom('fit-viewport');
  }
  const registry = viewer.get('elementRegistry');
  for (const element of registry.getAll()) {
    for (const marker of ['cs-completed', 'cs-active', 'cs-failed', 'cs-cancelled', 'cs-compensated']) {
      canvas.removeMarker(element.id, marker);
    }
  }
  const states = new Map(diagram.elements.map((e) => [e.id, e.state]));
  for (const [elementId, state] of states) {
    if (registry.get(elementId)) {
      canvas.addMarker(elementId, `cs-${state}`);
    }
  }
  // A completed compensation handler undid the step its boundary event is attached to.
  for (const association of registry.filter((e) => e.type === 'bpmn:Association')) {
    const source = association.businessObject.sourceRef;
    const handler = association.businessObject.targetRef;
    if (source?.attachedToRef && handler?.isForCompensation && states.get(handler.id) === 'completed') {
      canvas.removeMarker(source.attachedToRef.id, 'cs-completed');
      canvas.addMarker(source.attachedToRef.id, 'cs-compensated');
    }
  }
  document.getElementById('canvas').dataset.marked = JSON.stringify(
    Object.fromEntries(registry.getAll()
      .filter((e) => ['cs-completed', 'cs-active', 'cs-failed', 'cs-cancelled', 'cs-compensated']
        .some((m) => canvas.hasMarker(e.id, m)))
      .map((e) => [e.id, ['cs-compensated', 'cs-failed', 'cs-active', 'cs-cancelled', 'cs-completed']
        .find((m) => canvas.hasMarker(e.id, m)).slice(3)])),
  );
  document.getElementById('canvas').dataset.model = diagram.definitionKey;
}

// The header and the release load side by side; the role labels arrive with the header.
header().then((me) => {
  roles = me.roles;
  if (lastDetail) {
    drawSignOffs(lastDetail);
  }
}).catch(fail);
poll(refresh, () => (seenStatus === null || !ENDED.has(seenStatus) ? 2000 : 10000));
