/** The structured side of a turn: what the bot understood (intent, entities) and what it did (crm_call, result). */

/**
 * @param {HTMLElement} root the result panel
 * @param {import('./types.js').BotResponse} response
 */
export function showResult(root, response) {
  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (root.querySelector(`#${id}`));
  $('result-empty').hidden = true;
  $('result-summary').hidden = false;

  const intent = $('result-intent');
  intent.textContent = response.intent;
  intent.className = `tag intent-${response.intent === 'UNKNOWN' ? 'unknown' : 'known'}`;

  $('result-call').textContent = response.crm_call
    ? `${response.crm_call.method} ${response.crm_call.path} (${response.crm_call.function})`
    : 'none';

  const outcome = $('result-outcome');
  if (response.error) {
    outcome.textContent = `${response.error.type}: ${response.error.details}`;
    outcome.className = 'tag outcome-error';
  } else if (response.awaiting) {
    outcome.textContent = `waiting for ${response.awaiting}`;
    outcome.className = 'tag outcome-waiting';
  } else if (response.result) {
    outcome.textContent = 'done';
    outcome.className = 'tag outcome-ok';
  } else {
    outcome.textContent = 'nothing to do';
    outcome.className = 'tag';
  }

  const sections = $('result-sections');
  sections.replaceChildren(
    ...[
      ['Entities', response.entities],
      ['CRM call', response.crm_call],
      ['Result', response.result],
      ['Error', response.error],
    ]
      .filter(([, value]) => value !== undefined && !(isObject(value) && Object.keys(value).length === 0))
      .map(([title, value]) => jsonBlock(/** @type {string} */ (title), value)),
    fullResponse(response),
  );
}

/** @param {HTMLElement} root */
export function clearResult(root) {
  /** @type {HTMLElement} */ (root.querySelector('#result-empty')).hidden = false;
  /** @type {HTMLElement} */ (root.querySelector('#result-summary')).hidden = true;
  /** @type {HTMLElement} */ (root.querySelector('#result-sections')).replaceChildren();
}

/** @param {unknown} value */
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/** @param {string} title @param {unknown} value */
function jsonBlock(title, value) {
  const section = document.createElement('section');
  section.className = 'json-block';
  section.dataset.section = title.toLowerCase().replace(/\s+/g, '-');
  const heading = document.createElement('h3');
  heading.textContent = title;
  const pre = document.createElement('pre');
  const code = document.createElement('code');
  code.textContent = JSON.stringify(value, null, 2);
  pre.append(code);
  pre.tabIndex = 0; // long JSON scrolls: keyboard users need to reach it
  section.append(heading, pre);
  return section;
}

/** @param {import('./types.js').BotResponse} response */
function fullResponse(response) {
  const details = document.createElement('details');
  details.className = 'json-block';
  const summary = document.createElement('summary');
  summary.textContent = 'Full response JSON';
  const pre = document.createElement('pre');
  const code = document.createElement('code');
  code.textContent = JSON.stringify(response, null, 2);
  pre.append(code);
  details.append(summary, pre);
  return details;
}
