// The API explorer at /api/v1/docs: Swagger UI (swagger-ui-dist, bundled here; nothing from a CDN) on the
// app's own OpenAPI document. "Authorize" takes a pasted bearer token; the calls go to this server only.

import SwaggerUIBundle from 'swagger-ui-dist/swagger-ui-bundle.js';

function start() {
  const container = document.getElementById('api-explorer');
  if (!container) {
    return;
  }
  window.opsflowApiExplorer = SwaggerUIBundle({
    url: container.dataset.spec,
    domNode: container,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    validatorUrl: null, // never send the document to swagger.io for validation
    persistAuthorization: false, // a pasted token lives in this page only
    tryItOutEnabled: false,
    defaultModelsExpandDepth: 0,
  });
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', start);
} else {
  start();
}
