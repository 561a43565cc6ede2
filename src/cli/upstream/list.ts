import { Command, Option } from "clipanion";
import { BaseCommand } from "../base-command.ts";
import { formatTable } from "../format-table.ts";
import { accountHealthView, authFailureNotice, fetchAccountHealth, healthLabel } from "../account-health-view.ts";
import { accountView } from "../../config/mask-secrets.ts";
import { emptySums, totalsOf } from "../../usage/ledger/usage-report.ts";
import { openCliUsageReader } from "../usage/open-usage-reader.ts";
import { monthByGroup, monthSpendCell } from "../usage/spend-summary.ts";
import { providerLabel } from "./format-account.ts";

export class UpstreamListCommand extends BaseCommand {
  static override paths = [["upstream", "list"]];
  static override usage = Command.Usage({
    category: "Upstream accounts",
    description: "list upstream accounts (keys masked) with their health from the running server",
    details:
      "HEALTH comes from the running server's /health (breaker, cooldown, authentication); `unknown` when it does not answer. " +
      "SPEND (MONTH) is this UTC month's cost from the usage ledger (`-`: nothing recorded; `unpriced`: requests without a known cost, not in the figure).",
  });

  json = Option.Boolean("--json", false, { description: "Print one JSON document" });

  async run() {
    const store = this.store();
    const config = store.load();
    const accounts = config.upstream_accounts;
    // Masking first: a wrong master key fails before any network call.
    const masked = accounts.map((a) => accountView(a, store.cipher));
    const { byId } = await fetchAccountHealth(this.context.fetch, config, store);
    const spend = accounts.length ? await monthByGroup(() => openCliUsageReader(store, config), this.context.stderr, "account", Date.now()) : new Map();
    const views = masked.map((v, i) => ({
      ...v,
      ...accountHealthView(accounts[i]!, byId.get(v.id)),
      usageThisMonth: spend ? (spend.get(v.id) ?? totalsOf(emptySums())) : null,
    }));
    const notices = accounts.flatMap((a, i) => authFailureNotice(a, views[i]!) ?? []);
    this.output(this.json, views, () => {
      if (views.length === 0) return "No upstream accounts. Add one with `llm-gateway upstream add --provider P --name N --key K`.";
      return formatTable(
        ["ID", "NAME", "PROVIDER", "TYPE", "STATUS", "HEALTH", "KEY", "MODELS", "WEIGHT", "PRIORITY", "SPEND (MONTH)", "BASE URL"],
        views.map((a) => [
          a.id,
          a.name,
          providerLabel(a),
          a.type,
          a.status,
          healthLabel(a),
          a.api_key ?? "-",
          a.models?.join(",") ?? "-",
          String(a.weight),
          String(a.priority),
          monthSpendCell(spend, a.id),
          a.base_url ?? "-",
        ]),
      ) + notices.map((n) => `\n! ${n}`).join("");
    });
  }
}
