import { Elysia } from "elysia";
import { GatewayError } from "../../errors.ts";
import { errorResponse } from "../error-response.ts";
import { requestIdOf } from "../request-id.ts";
// The admin UI as Bun's HTML import: `bun build --compile` bundles the page, its script (TypeScript compiled) and
// its stylesheet into the binary (`page.files`); run from source, the same page is bundled in memory on first use.
import page from "../../admin-ui/index.html";
import { ADMIN_SECURITY_HEADERS } from "./security-headers.ts";

interface Asset {
  body: Uint8Array;
  type: string;
  etag: string;
}

export interface AdminUiFiles {
  page: Asset;
  /** By file name (content-hashed by the bundler), as the page refers to them under /admin/assets/. */
  assets: Map<string, Asset>;
}

const ASSET_PREFIX = "/admin/assets/";

/**
 * The bundled files, read once. The page's references (`/chunk-….js` in a compiled binary, `./chunk-….js` from
 * an in-memory build) become `/admin/assets/chunk-….js`: the only place assets are served from.
 */
export async function loadAdminUi(bundle: { index: string; files?: { path: string; loader: string; headers: Record<string, string> }[] } = page): Promise<AdminUiFiles> {
  const outputs: { name: string; type: string; body: Uint8Array; html: boolean }[] = [];
  if (bundle.files?.length) {
    for (const f of bundle.files) {
      const name = f.path.slice(f.path.lastIndexOf("/") + 1);
      outputs.push({ name, type: f.headers["content-type"] ?? "application/octet-stream", body: await Bun.file(f.path).bytes(), html: f.loader === "html" });
    }
  } else {
    const built = await Bun.build({ entrypoints: [bundle.index], minify: true, target: "browser" });
    if (!built.success) throw new Error(`the admin UI did not build: ${built.logs.map(String).join("; ")}`);
    for (const o of built.outputs) {
      const name = o.path.slice(o.path.lastIndexOf("/") + 1);
      outputs.push({ name, type: o.type, body: new Uint8Array(await o.arrayBuffer()), html: name.endsWith(".html") });
    }
  }
  const html = outputs.find((o) => o.html);
  if (!html) throw new Error("the admin UI bundle has no page");
  let text = new TextDecoder().decode(html.body);
  const assets = new Map<string, Asset>();
  for (const o of outputs) {
    if (o.html) continue;
    assets.set(o.name, asset(o.body, o.type));
    text = text.replaceAll(`"/${o.name}"`, `"${ASSET_PREFIX}${o.name}"`).replaceAll(`"./${o.name}"`, `"${ASSET_PREFIX}${o.name}"`);
  }
  return { page: asset(new TextEncoder().encode(text), "text/html;charset=utf-8"), assets };
}

function asset(body: Uint8Array, type: string): Asset {
  return { body, type, etag: `"${Bun.hash(body).toString(36)}"` };
}

/**
 * `GET /admin` (the page; `/admin/` too) and `GET /admin/assets/:name`, with the admin security headers. Off when
 * `server.admin_ui` is false (a 404, like any unknown path).
 */
export function adminUiRoutes(deps: { enabled(): boolean; ownHeaders(request: Request, requestId: string): Record<string, string>; files?: () => Promise<AdminUiFiles> }) {
  let files: Promise<AdminUiFiles> | undefined;
  const load = () => (files ??= (deps.files ?? loadAdminUi)().catch((e) => {
    files = undefined;
    throw e;
  }));
  const serve = async (request: Request, pick: (f: AdminUiFiles) => Asset | undefined, cache: string) => {
    const requestId = requestIdOf(request.headers);
    const own = deps.ownHeaders(request, requestId);
    const path = new URL(request.url).pathname;
    const found = deps.enabled() ? pick(await load()) : undefined;
    if (!found) return errorResponse(new GatewayError(404, "not_found", `no route for GET ${path.slice(0, 200)}`), "openai-chat", { ...ADMIN_SECURITY_HEADERS, ...own });
    const headers = { ...ADMIN_SECURITY_HEADERS, ...own, "content-type": found.type, "cache-control": cache, etag: found.etag };
    if (request.headers.get("if-none-match") === found.etag) return new Response(null, { status: 304, headers });
    return new Response(found.body, { headers });
  };
  const pageRoute = ({ request }: { request: Request }) => serve(request, (f) => f.page, "no-cache");
  return new Elysia({ name: "llm-gateway-admin-ui" })
    .get("/admin", pageRoute, { detail: { hide: true } })
    .get("/admin/", pageRoute, { detail: { hide: true } })
    .get(
      "/admin/assets/:name",
      ({ request, params }) =>
        // Names carry the content's hash: a new binary brings new names, so a day's caching is safe.
        serve(request, (f) => f.assets.get(params.name), "public, max-age=86400"),
      { detail: { hide: true } },
    );
}
