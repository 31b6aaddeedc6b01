/** The conversation as chat bubbles. The list is an aria-live log, so screen readers read each new reply. */

const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');

/**
 * Appends a bubble and scrolls it into view.
 * @param {HTMLOListElement} list
 * @param {'user' | 'agent'} speaker
 * @param {string} text
 * @param {{ error?: boolean, pending?: boolean }} [options]
 * @returns {HTMLLIElement}
 */
export function addBubble(list, speaker, text, options = {}) {
  const item = document.createElement('li');
  item.className = `bubble ${speaker}`;
  if (options.error) item.classList.add('error');
  if (options.pending) {
    item.classList.add('pending');
    item.setAttribute('aria-busy', 'true');
  }
  const who = document.createElement('span');
  who.className = 'speaker';
  who.textContent = speaker === 'user' ? 'You' : 'Rooman';
  const body = document.createElement('p');
  body.textContent = text;
  item.append(who, body);
  list.append(item);
  item.scrollIntoView({ block: 'end', behavior: reducedMotion.matches ? 'auto' : 'smooth' });
  return item;
}

/**
 * Turns a "thinking…" bubble into the reply.
 * @param {HTMLLIElement} item
 * @param {string} text
 * @param {{ error?: boolean }} [options]
 */
export function settleBubble(item, text, options = {}) {
  item.classList.remove('pending');
  item.removeAttribute('aria-busy');
  item.classList.toggle('error', Boolean(options.error));
  const body = item.querySelector('p');
  if (body) body.textContent = text;
}

/** @param {HTMLOListElement} list keeps the greeting, removes the rest */
export function clearTranscript(list) {
  for (const item of [...list.children]) if (!item.classList.contains('intro')) item.remove();
}
