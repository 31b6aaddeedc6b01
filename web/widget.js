/**
 * Rooman's embeddable call button. A website pastes one line:
 *
 *   <script src="https://rooman.example.com/widget.js" data-rooman-key="rmn_…" async></script>
 *
 * and gets a floating call button that talks to the Rooman server this file was loaded from. The UI lives in a
 * shadow root (the site's CSS cannot reach it) and is loaded as modules from the same server (served with CORS).
 * A classic script, not a module, so the one-line paste works everywhere.
 *
 * A site with a Content-Security-Policy must allow the Rooman origin in script-src (this file, its modules and
 * audio worklets) and in connect-src (its wss:// address). Without data-rooman-key the server takes no calls
 * from other sites.
 */
(() => {
  const script = document.currentScript;
  if (!(script instanceof HTMLScriptElement) || !script.src) return;
  const origin = new URL(script.src).origin;
  const key = script.dataset.roomanKey || undefined;
  const mount = () =>
    import(`${origin}/js/call-widget.js`)
      .then((module) => module.mountWidget({ origin, key }))
      .catch((error) => console.error('Rooman widget did not load:', error));
  if (document.body) void mount();
  else document.addEventListener('DOMContentLoaded', () => void mount(), { once: true });
})();
