import { swagger } from "@elysiajs/swagger";
import { Elysia } from "elysia";
import { geminiPaths } from "./openapi-details.ts";
// The Swagger UI files of the pinned swagger-ui-dist package, imported as files: `bun build --compile` embeds
// them in the binary, so the docs page needs no network and loads no third-party script.
import bundleFile from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };
import cssFile from "swagger-ui-dist/swagger-ui.css" with { type: "file" };

/**
 * The page allows nothing from elsewhere: scripts and styles from the gateway itself, the OpenAPI document and
 * "Try it out" requests to the gateway itself. Swagger UI sets inline styles, and its icons are data: URIs.
 */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// Relative URLs, so the page also works behind a reverse proxy that serves the gateway under a path prefix.
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>llm-gateway API</title>
<link rel="stylesheet" href="swagger/ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="swagger/ui/swagger-ui-bundle.js"></script>
<script src="swagger/ui/init.js"></script>
</body>
</html>
`;

// A file of its own rather than an inline script, so the policy needs no 'unsafe-inline' for scripts. No
// validator: Swagger UI would otherwise load a badge from a third-party validator service.
const INIT = `window.ui = SwaggerUIBundle({ url: "swagger/json", dom_id: "#swagger-ui", deepLinking: true, validatorUrl: null });\n`;

/**
 * `/swagger` (the API reference page), its files under `/swagger/ui/`, and `/swagger/json` (the OpenAPI document
 * of every route, made by @elysiajs/swagger from the routes' `detail`). `headers` gives each answer the gateway's
 * own headers (request id, CORS).
 */
export function docsRoutes(opts: { version: string; headers(request: Request): Record<string, string> }) {
  return (
    new Elysia({ name: "llm-gateway-docs" })
      .onAfterHandle({ as: "local" }, ({ request, set }) => {
        Object.assign(set.headers, opts.headers(request), { "x-content-type-options": "nosniff" });
      })
      .use(
        swagger({
          path: "/swagger",
          specPath: "/swagger/json",
          documentation: {
            info: { title: "llm-gateway", version: opts.version, description: "Multi-provider LLM API gateway" },
            paths: geminiPaths as never,
            components: {
              securitySchemes: {
                bearer: { type: "http", scheme: "bearer", description: "A gateway key (lgw_…)" },
                apiKey: { type: "apiKey", in: "header", name: "x-api-key", description: "A gateway key (lgw_…)" },
                googApiKey: { type: "apiKey", in: "header", name: "x-goog-api-key", description: "A gateway key (lgw_…), as Gemini clients send it" },
                queryKey: { type: "apiKey", in: "query", name: "key", description: "A gateway key (lgw_…) in `?key=` (Gemini routes only)" },
              },
            },
          },
        }),
      )
      // Replaces the plugin's own page, which loads its script from a CDN at an unpinned version.
      .get(
        "/swagger",
        ({ set }) => {
          set.headers["content-type"] = "text/html; charset=utf-8";
          set.headers["content-security-policy"] = DOCS_CSP;
          return PAGE;
        },
        { detail: { hide: true } },
      )
      .get("/swagger/ui/swagger-ui-bundle.js", ({ set }) => asset(set, "text/javascript; charset=utf-8", Bun.file(bundleFile)), { detail: { hide: true } })
      .get("/swagger/ui/swagger-ui.css", ({ set }) => asset(set, "text/css; charset=utf-8", Bun.file(cssFile)), { detail: { hide: true } })
      .get("/swagger/ui/init.js", ({ set }) => asset(set, "text/javascript; charset=utf-8", INIT), { detail: { hide: true } })
  );
}

function asset<T>(set: { headers: Record<string, string | number> }, type: string, body: T): T {
  set.headers["content-type"] = type;
  // The files change only with the binary.
  set.headers["cache-control"] = "public, max-age=3600";
  return body;
}
