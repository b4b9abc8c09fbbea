// The API's docs: Swagger UI over /openapi.json, from this service (no inline script, no outside
// host: the validator badge is off). "Authorize" signs in with the password flow.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null,
  oauth2RedirectUrl: `${location.origin}/docs/oauth2-redirect`,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
