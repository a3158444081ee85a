using System.CommandLine;
using System.Text.Json;
using DrainFunctions.Cli.Local;
using DrainFunctions.Cli.Parsing;
using DrainFunctions.Core.Options;
using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Ledger;
using DrainFunctions.Flags;
using DrainFunctions.LocalHost;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// <c>drain ledger show|forget RUN</c>: what scheduled drains remember across sessions, and how to
/// let a stopped run be tried again without editing JSON by hand.
/// </summary>
public static class LedgerCommand
{
    private static readonly JsonSerializerOptions Indented = new(ApiResult.JsonOptions) { WriteIndented = true };

    public static Command Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var window = Flag.WholeNumber("--ledger-window-hours", $"how far back attempts and timeouts count (default {DrainOptions.DefaultLedgerWindowHours})", 1, DrainOptions.MaxLedgerWindowHours, "30 days, what the ledger keeps");
        var all = Flag.Switch("--all", "every database's ledger, and entries kept before the ledger was per database");
        var output = OutputFormat.Create(OutputFormat.Json, "json: the ledger as the HTTP API's /api/ledger shows it (the default); table: one line per entry");
        var show = new Command("show", "attempts, timeouts and stopped runs that drains of DATABASE_URL's database remember across sessions") { window, all, output };
        show.SetAction(async (parsed, _) => await ShowAsync(parsed.GetValue(window) ?? DrainOptions.DefaultLedgerWindowHours, parsed.GetValue(all), OutputFormat.Of(parsed, output), context));

        var run = new Argument<string>("RUN") { Description = "the run id" };
        var forget = new Command("forget", "forget everything about RUN in DATABASE_URL's database, so the next drain may try it again") { run };
        forget.SetAction(async (parsed, _) => await ForgetAsync(parsed.GetValue(run) ?? string.Empty, context));

        return CommandHelp.WithExamples(
            new Command("ledger", "what drains remember across sessions: show, forget") { show, forget },
            "drain ledger show",
            "drain ledger show --all --ledger-window-hours 168 --output table",
            "drain ledger forget research-system-v6");
    }

    private static async Task<int> ShowAsync(int window, bool all, string output, CliContext context)
    {
        var (ledger, storage) = await OpenAsync(all, context.Stderr);
        if (ledger is null)
        {
            return 1;
        }

        await using (storage)
        {
            if (all)
            {
                var everyBacklog = await ledger.ShowEveryBacklogAsync(window, DrainOptions.DefaultMaxFingerprintRepeats);
                if (output == OutputFormat.Table)
                {
                    foreach (var backlog in everyBacklog)
                    {
                        context.Stdout.WriteLine($"{backlog.Backlog}:");
                        LedgerTable.Write(backlog.Ledger, context.Stdout);
                    }

                    return 0;
                }

                context.Stdout.WriteLine(JsonSerializer.Serialize(everyBacklog, Indented));
                return 0;
            }

            var snapshot = await ledger.ShowAsync(window, DrainOptions.DefaultMaxFingerprintRepeats);
            if (output == OutputFormat.Table)
            {
                LedgerTable.Write(snapshot, context.Stdout);
                return 0;
            }

            context.Stdout.WriteLine(JsonSerializer.Serialize(snapshot, Indented));
            return 0;
        }
    }

    private static async Task<int> ForgetAsync(string run, CliContext context)
    {
        if (string.IsNullOrWhiteSpace(run) || run.Length > DrainOptions.MaxIdLength)
        {
            throw new UsageException($"argument RUN: {SessionFiles.Quoted(run)} is not a run id (expected 1 to {DrainOptions.MaxIdLength} characters, not blank)");
        }

        var (ledger, storage) = await OpenAsync(false, context.Stderr);
        if (ledger is null)
        {
            return 1;
        }

        await using (storage)
        {
            var removed = await ledger.ForgetRunAsync(run);
            if (removed == 0)
            {
                context.Stderr.WriteLine($"drain ledger forget: the ledger has nothing on run {run}");
                return 1;
            }

            context.Stdout.WriteLine($"Forgot {removed} ledger entries of run {run}; the next drain may try it again.");
            return 0;
        }
    }

    /// <summary>The ledger of DATABASE_URL's database (every database's with <paramref name="all"/>); null when DATABASE_URL is wrong (said on stderr).</summary>
    private static async Task<(BlobLedgerStore? Ledger, AzuriteLauncher? Storage)> OpenAsync(bool all, TextWriter stderr)
    {
        // The ledger is kept per database: without --all, DATABASE_URL says whose.
        Core.Ports.BacklogIdentity? backlog = null;
        if (!all)
        {
            if (!DatabaseEnvironment.TryRead(stderr, out var database))
            {
                return (null, null);
            }

            backlog = database.Backlog;
        }

        var (azurite, options) = await LocalDrainHost.OpenStorageAsync(LocalEnvironment.FromProcess(), stderr, backlog);
        return (new BlobLedgerStore(DrainRegistration.CreateBlobServiceClient(options), Microsoft.Extensions.Options.Options.Create(options)), azurite);
    }
}
