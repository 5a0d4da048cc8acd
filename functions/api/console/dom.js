// Building the page from data without ever parsing data as HTML: elements, attributes and text nodes only.

/**
 * A new element. Attributes whose value is null, undefined or false are left out, `true` sets an empty one,
 * a function under an `on…` name becomes an event listener. Children are nodes or strings (text nodes).
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  element.append(...nodes(children));
  return element;
}

function nodes(children) {
  return children.flat(Infinity)
    .filter((child) => child !== null && child !== undefined && child !== false)
    .map((child) => (child instanceof Node ? child : String(child)));
}

/** The element with this id; a missing one is a mistake in index.html, so say which. */
export function byId(id) {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`index.html has no element #${id}`);
  return element;
}

/** Show a message in an element (role=alert or status), or hide it when there is none. */
export function showMessage(element, message) {
  element.textContent = message ?? '';
  element.hidden = !message;
}

/** Offer a downloaded body as a file, the way a plain link would (the API needs a bearer token, links don't). */
export function saveBlob(blob, fileName) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: fileName, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started once click() returns; keep the URL a little longer for slow browsers.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Move focus to an element that is not normally focusable (a heading, a message) so it is read out. */
export function focusOn(element) {
  if (!element.hasAttribute('tabindex')) element.setAttribute('tabindex', '-1');
  element.focus();
}
