using System.Text.Json;
using DrainFunctions.Cli.Local;
using DrainFunctions.Core.Options;
using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Ledger;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// <c>drain ledger show|forget RUN</c>: what scheduled drains remember across sessions, and how to
/// let a stopped run be tried again without editing JSON by hand.
/// </summary>
public static class LedgerCommand
{
    private static readonly JsonSerializerOptions Indented = new(ApiResult.JsonOptions) { WriteIndented = true };

    public const string Usage = """
        usage: drain ledger show [--ledger-window-hours N] [--all]
                                   attempts, timeouts and stopped runs that drains of DATABASE_URL's database remember
                                   across sessions (--all: every database's, and entries kept before the ledger was per database)
               drain ledger forget RUN
                                   forget everything about RUN in DATABASE_URL's database, so the next drain may try it again
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var reader = new ArgReader(args, new HashSet<string> { "--help", "--all" });
        if (reader.Has("--help"))
        {
            stdout.WriteLine(Usage);
            return 0;
        }

        var window = reader.WholeNumber("--ledger-window-hours", 1, DrainOptions.MaxLedgerWindowHours, "30 days, what the ledger keeps") ?? DrainOptions.DefaultLedgerWindowHours;
        var all = reader.Has("--all");
        reader.RejectUnknown();
        var action = reader.Positionals.Count > 0 ? reader.Positionals[0] : null;
        if (!(action == "show" && reader.Positionals.Count == 1) && !(action == "forget" && reader.Positionals.Count == 2))
        {
            throw new UsageException(action is "show" or "forget" ? Usage.Trim() : $"argument ledger: invalid choice: '{action}' (choose from 'show', 'forget')");
        }

        if (action == "forget" && (string.IsNullOrWhiteSpace(reader.Positionals[1]) || reader.Positionals[1].Length > DrainOptions.MaxIdLength))
        {
            throw new UsageException($"argument RUN: {SessionFiles.Quoted(reader.Positionals[1])} is not a run id (expected 1 to {DrainOptions.MaxIdLength} characters, not blank)");
        }

        if (all && action != "show")
        {
            throw UsageException.ForFlag("--all", "only with ledger show");
        }

        // The ledger is kept per database: without --all, DATABASE_URL says whose.
        Core.Ports.BacklogIdentity? backlog = null;
        if (!all)
        {
            if (!DatabaseEnvironment.TryRead(stderr, out var database))
            {
                return 1;
            }

            backlog = database.Backlog;
        }

        var (azurite, options) = await LocalDrainHost.OpenStorageAsync(LocalEnvironment.FromProcess(), stderr, backlog);
        await using (azurite)
        {
            var ledger = new BlobLedgerStore(DrainRegistration.CreateBlobServiceClient(options), Microsoft.Extensions.Options.Options.Create(options));
            if (all)
            {
                stdout.WriteLine(JsonSerializer.Serialize(await ledger.ShowEveryBacklogAsync(window, DrainOptions.DefaultMaxFingerprintRepeats), Indented));
                return 0;
            }

            if (action == "show")
            {
                var snapshot = await ledger.ShowAsync(window, DrainOptions.DefaultMaxFingerprintRepeats);
                stdout.WriteLine(JsonSerializer.Serialize(snapshot, Indented));
                return 0;
            }

            var run = reader.Positionals[1];
            var removed = await ledger.ForgetRunAsync(run);
            if (removed == 0)
            {
                stderr.WriteLine($"drain ledger forget: the ledger has nothing on run {run}");
                return 1;
            }

            stdout.WriteLine($"Forgot {removed} ledger entries of run {run}; the next drain may try it again.");
            return 0;
        }
    }
}
