import { readFileSync } from "node:fs";
import { Command, Option } from "clipanion";
import { addApiKeyAccount, addOAuthAccount, checkProvider, removeAccount } from "../../config/edits/upstream-accounts.ts";
import { PROVIDERS, type Provider, type UpstreamAccount } from "../../config/schema.ts";
import { parseServiceAccountKey, type ServiceAccountKey } from "../../oauth/service-account.ts";
import { VERTEX_DEFAULT_REGION } from "../../providers/vertex.ts";
import { BaseCommand } from "../base-command.ts";
import { ACCOUNT_OPTION_NAMES, cliEdit } from "../edit-names.ts";
import { accountView } from "../../config/mask-secrets.ts";
import { loginAccount } from "../oauth/login-account.ts";
import { describeOAuthState, formatOAuthAccount } from "../oauth/oauth-account-view.ts";
import { parseModelPatterns } from "../parse-model-patterns.ts";
import { parseSpendLimits } from "../parse-spend-limits.ts";
import { formatAccount, SPEND_CAP_DESCRIPTION } from "./format-account.ts";

export class UpstreamAddCommand extends BaseCommand {
  static override paths = [["upstream", "add"]];
  static override usage = Command.Usage({
    category: "Upstream accounts",
    description: "add an upstream provider account (its key is stored encrypted)",
    details: `Providers: ${PROVIDERS.join(", ")} (\`google\` is accepted for gemini). \`--key -\` reads the key from stdin, keeping it out of the shell history. Vertex AI accounts take a service account's JSON key file instead (\`--service-account\`, stored encrypted).`,
    examples: [
      ["An Anthropic account", "$0 upstream add --type api-key --provider anthropic --name prod --key sk-ant-…"],
      ["…that leaves rotation past $100 in a month", "$0 upstream add --provider anthropic --name prod --key - --spend-cap-usd 100/month"],
      ["A local OpenAI-compatible server", "$0 upstream add --type api-key --provider openai-compatible --name local --base-url http://127.0.0.1:11434/v1 --models 'llama*'"],
      ["A Gemini account through Google's OpenAI-compatible endpoint", "$0 upstream add --provider gemini --name g --key AIza… --gemini-api openai-compatible"],
      ["Gemini on Vertex AI with a service account's JSON key", "$0 upstream add --provider vertex --name vx --service-account key.json --project my-project --region us-central1"],
      ["The built-in mock", "$0 upstream add --type api-key --provider mock --name mock"],
      ["An Anthropic OAuth login (paste the code the page shows)", "$0 upstream add --type oauth --provider anthropic --name claude"],
      ["A Qwen device login", "$0 upstream add --type oauth --provider openai-compatible --name qwen"],
    ],
  });

  type = Option.String("--type", "api-key", { description: "Account type: api-key, or oauth (logs in; see `oauth --help`)" });
  provider = Option.String("--provider", { description: `One of ${PROVIDERS.join(", ")}, google (required)` });
  name = Option.String("--name", { description: "Label for the account (required)" });
  key = Option.String("--key", { description: "Provider API key; `-` reads it from stdin" });
  baseUrl = Option.String("--base-url", { description: "Endpoint (required for azure and openai-compatible)" });
  models = Option.String("--models", { description: "Comma list of model patterns served: exact, prefix*, *" });
  weight = Option.String("--weight", { description: "Share of traffic among accounts of one priority (default 1)" });
  priority = Option.String("--priority", { description: "Tier: lower is tried first (default 0)" });
  apiVersion = Option.String("--api-version", { description: "Azure api-version" });
  spendCapUsd = Option.Array("--spend-cap-usd", { description: SPEND_CAP_DESCRIPTION });
  serviceAccount = Option.String("--service-account", { description: "Vertex AI: the service account's JSON key file (stored encrypted)" });
  project = Option.String("--project", { description: "Vertex AI: the Google Cloud project (default: the key's project_id)" });
  region = Option.String("--region", { description: "Vertex AI: the location, e.g. us-central1 (default: global)" });
  geminiApi = Option.String("--gemini-api", { description: "Gemini: native (generateContent, the default) or openai-compatible (Google's OpenAI-compatible endpoint)" });
  json = Option.Boolean("--json", false, { description: "Print one JSON document" });
  force = Option.Boolean("--force", false, { description: "Add the account even when another account has the same name" });
  code = Option.String("--code", { description: "OAuth: the CODE#STATE shown after approving (finishes a login of this name that is waiting)" });
  authorizeUrl = Option.String("--authorize-url", { description: "OAuth: authorize endpoint (default: the provider's)" });
  tokenUrl = Option.String("--token-url", { description: "OAuth: token endpoint (default: the provider's)" });
  deviceCodeUrl = Option.String("--device-code-url", { description: "OAuth: device authorization endpoint (device login)" });
  clientId = Option.String("--client-id", { description: "OAuth: client id (default: the provider's)" });
  redirectUri = Option.String("--redirect-uri", { description: "OAuth: redirect URI registered for the client" });
  scopes = Option.String("--scopes", { description: "OAuth: space-separated scopes" });

  async run() {
    if (this.type === "oauth") return this.addOAuth();
    if (this.type !== "api-key") this.usageError(`--type must be api-key or oauth, got "${this.type}"`);
    const oauthFlag = this.oauthFlags().find(([, v]) => v !== undefined);
    if (oauthFlag) this.usageError(`${oauthFlag[0]} applies to --type oauth`);
    const common = this.commonFields();
    const provider = checkProvider(common.provider, ACCOUNT_OPTION_NAMES);
    const geminiApi = this.parseGeminiApi(provider);
    const vertex = this.parseVertex(provider);
    const plainKey = vertex ? vertex.key : this.key === "-" ? (await this.readStdin()).trim() : this.key?.trim();
    const store = this.store();
    const account = addApiKeyAccount(
      store,
      {
        ...common,
        ...(plainKey && { api_key: plainKey }),
        ...(this.apiVersion !== undefined && { api_version: this.apiVersion }),
        ...(geminiApi !== undefined && { gemini_api: geminiApi }),
        ...(vertex && { project: vertex.project, region: vertex.region }),
      },
      cliEdit(ACCOUNT_OPTION_NAMES, this.force),
    );
    const view = accountView(account, store.cipher);
    this.output(this.json, view, () => `Added upstream account ${account.id}\n${formatAccount(view)}`);
  }

  /** What both account types take, parsed from the options (their values checked in src/config/edits/). */
  private commonFields() {
    const caps = parseSpendLimits("--spend-cap-usd", this.spendCapUsd);
    const weight = this.parseInteger("--weight", this.weight, 0);
    const priority = this.parseInteger("--priority", this.priority);
    return {
      provider: this.required("--provider", this.provider),
      name: this.required("--name", this.name),
      ...(this.baseUrl !== undefined && { base_url: this.baseUrl }),
      ...(this.models !== undefined && { models: parseModelPatterns("--models", this.models) }),
      ...(weight !== undefined && { weight }),
      ...(priority !== undefined && { priority }),
      ...(caps.daily != null && { spend_cap_usd_daily: caps.daily }),
      ...(caps.monthly != null && { spend_cap_usd_monthly: caps.monthly }),
    };
  }

  private oauthFlags(): [string, string | undefined][] {
    return [
      ["--code", this.code],
      ["--authorize-url", this.authorizeUrl],
      ["--token-url", this.tokenUrl],
      ["--device-code-url", this.deviceCodeUrl],
      ["--client-id", this.clientId],
      ["--redirect-uri", this.redirectUri],
      ["--scopes", this.scopes],
    ];
  }

  /**
   * `--type oauth`: adds the account (left out of routing until it has tokens), then logs it in. A failed login
   * removes the account again; a login left waiting for its code keeps it, and `--code` (or `oauth start ID
   * --code`) finishes it.
   */
  private async addOAuth() {
    if (this.key !== undefined) this.usageError("--key applies to --type api-key; an OAuth account logs in instead");
    if (this.apiVersion !== undefined) this.usageError("--api-version applies to --provider azure with --type api-key");
    const common = this.commonFields();
    const store = this.store();

    if (this.code !== undefined) {
      const provider = checkProvider(common.provider, ACCOUNT_OPTION_NAMES);
      const name = common.name.trim();
      const waiting = store.load().upstream_accounts.find((a) => a.type === "oauth" && a.provider === provider && a.name === name);
      if (!waiting) this.usageError(`no OAuth account named "${name}" is waiting for a code; run the command without --code first`);
      const { result, view } = await loginAccount(this, waiting, this.code);
      this.output(this.json, { result, account: view }, () => `Logged in upstream account ${waiting.id}: ${describeOAuthState(view)}\n${formatOAuthAccount(view)}`);
      return;
    }

    const account = addOAuthAccount(
      store,
      {
        ...common,
        oauth: {
          ...(this.authorizeUrl !== undefined && { authorize_url: this.authorizeUrl }),
          ...(this.tokenUrl !== undefined && { token_url: this.tokenUrl }),
          ...(this.deviceCodeUrl !== undefined && { device_code_url: this.deviceCodeUrl }),
          ...(this.clientId !== undefined && { client_id: this.clientId }),
          ...(this.redirectUri !== undefined && { redirect_uri: this.redirectUri }),
          ...(this.scopes !== undefined && { scopes: this.scopes }),
        },
      },
      cliEdit(ACCOUNT_OPTION_NAMES, this.force),
    );
    let login: Awaited<ReturnType<typeof loginAccount>>;
    try {
      login = await loginAccount(this, account, undefined);
    } catch (e) {
      removeAccount(store, account.id);
      throw e;
    }
    const { result, view } = login;
    this.output(this.json, { result, account: view }, () =>
      result === "pending"
        ? `Added upstream account ${account.id}; its login is waiting for the code.`
        : `Added upstream account ${account.id}: ${describeOAuthState(view)}\n${formatOAuthAccount(view)}`,
    );
  }

  /**
   * Vertex AI: the service account's JSON key from `--service-account FILE` (checked, stored compact and sealed like
   * any key), the project (`--project`, or the key's own) and the location (`--region`, default global).
   */
  private parseVertex(provider: Provider): { key: string; project: string; region: string } | undefined {
    if (provider !== "vertex") {
      const flag = ([["--service-account", this.serviceAccount], ["--project", this.project], ["--region", this.region]] as const).find(([, v]) => v !== undefined);
      if (flag) this.usageError(`${flag[0]} applies to --provider vertex only`);
      return undefined;
    }
    if (this.key !== undefined) this.usageError("--provider vertex takes --service-account FILE (its JSON key), not --key");
    const file = this.required("--service-account", this.serviceAccount);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      this.usageError(`--service-account: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    let key: ServiceAccountKey;
    try {
      key = parseServiceAccountKey(text);
    } catch (e) {
      this.usageError(`--service-account ${file}: ${(e as Error).message}`);
    }
    const project = this.project?.trim() || key.project_id;
    if (!project) this.usageError("--provider vertex needs --project P (the key names no project_id)");
    const region = (this.region?.trim() || VERTEX_DEFAULT_REGION).toLowerCase();
    if (!/^[a-z0-9-]+$/.test(region)) this.usageError(`--region must be a location name such as us-central1 or global, got "${this.region}"`);
    return { key: JSON.stringify(key), project, region };
  }

  private parseGeminiApi(provider: Provider): UpstreamAccount["gemini_api"] {
    if (this.geminiApi === undefined) return undefined;
    if (provider !== "gemini") this.usageError("--gemini-api applies to --provider gemini only");
    const v = this.geminiApi.trim().toLowerCase();
    if (v !== "native" && v !== "openai-compatible") this.usageError(`--gemini-api must be native or openai-compatible, got "${this.geminiApi}"`);
    return v;
  }
}
