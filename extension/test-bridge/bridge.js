// TEST BUILDS ONLY (node build.mjs --test). Never shipped: it lets any page drive the extension.
// A page posts {cloudfilmTest: id, message} and gets {cloudfilmTestReply: id, reply} back.
(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  window.addEventListener('message', (event) => {
    if (event.source !== window || !event.data || event.data.cloudfilmTest === undefined) return;
    const { cloudfilmTest: id, message } = event.data;
    Promise.resolve(api.runtime.sendMessage(message)).then(
      (reply) => window.postMessage({ cloudfilmTestReply: id, reply }, '*'),
      (error) => window.postMessage({ cloudfilmTestReply: id, reply: { ok: false, problem: 'internal', message: String(error) } }, '*'));
  });
  document.documentElement.dataset.cloudfilmTestBridge = api.runtime.id;
})();
