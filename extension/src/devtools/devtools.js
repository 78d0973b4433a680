// Adds the "CloudFilm" panel to DevTools.
const api = globalThis.browser ?? globalThis.chrome;
api.devtools.panels.create('CloudFilm', '/icons/icon-32.png', '/src/devtools/panel.html');
