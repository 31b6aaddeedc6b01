/**
 * The header every page shares: the brand, the navigation (the current page marked with aria-current), the API
 * key field (web/js/api-key.js) and, under it, the page's notice line (web/js/notice.js). A page holds
 * an empty `<header class="site-header">` and names itself in `<body data-page="…">`; its script imports this
 * module first, so the field exists before the page's own code runs.
 */
import { bindApiKeyField } from './api-key.js';

/** The pages, in the navigation's order; `id` is kept stable for links other code and tests look for. */
const PAGES = [
  { page: 'chat', id: 'chat-link', href: '/', label: 'Call & chat' },
  { page: 'dashboard', id: 'dashboard-link', href: '/dashboard', label: 'Dashboard' },
  { page: 'calls', id: 'calls-link', href: '/calls', label: 'Calls' },
  { page: 'messages', id: 'outbox-link', href: '/outbox.html', label: 'Messages' },
  { page: 'calendar', id: 'calendar-link', href: '/google.html', label: 'Calendar' },
];

/**
 * @param {string} tag
 * @param {Record<string, string>} [attributes]
 * @param {(Node | string)[]} [children]
 */
function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function mountHeader() {
  const header = document.querySelector('header.site-header');
  if (!header) return;
  const current = document.body.dataset.page;
  const brand = element('a', { class: 'brand', href: '/' }, [
    element('img', { src: '/favicon.svg', alt: '', width: '28', height: '28' }),
    'Rooman',
  ]);
  const links = PAGES.map(({ page, id, href, label }) =>
    element('li', {}, [
      element('a', { id, href, ...(page === current ? { 'aria-current': 'page' } : {}) }, [label]),
    ]),
  );
  const nav = element('nav', { 'aria-label': 'Pages' }, [element('ul', {}, links)]);
  const input = /** @type {HTMLInputElement} */ (
    element('input', {
      id: 'api-key',
      name: 'api-key',
      type: 'password',
      autocomplete: 'off',
      spellcheck: 'false',
      placeholder: 'empty: open mode',
      'aria-describedby': 'api-key-hint',
    })
  );
  const key = element('form', { class: 'api-key-field', autocomplete: 'off' }, [
    element('label', { for: 'api-key' }, ['API key']),
    input,
    element('span', { id: 'api-key-hint', class: 'visually-hidden' }, [
      'Needed only when this server asks for one; kept in this browser for every page.',
    ]),
  ]);
  // Enter in the field saves it (a change event) instead of submitting anything.
  key.addEventListener('submit', (event) => {
    event.preventDefault();
    input.dispatchEvent(new Event('change'));
  });
  header.replaceChildren(brand, nav, key);
  bindApiKeyField(input);
  if (!document.getElementById('notice')) {
    header.after(
      element('p', { id: 'notice', class: 'notice', role: 'status', 'aria-live': 'polite', hidden: '' }),
    );
  }
}

mountHeader();
