using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using DrainFunctions.Cli.Local;
using DrainFunctions.Cli.Parsing;
using DrainFunctions.Core.Forecasts;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Ports;
using DrainFunctions.Data;
using DrainFunctions.Durable.Forecasts;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Ledger;
using DrainFunctions.Durable.Storage;
using DrainFunctions.Flags;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// <c>drain forecast</c>: the yield forecast of every FAILED phase of DATABASE_URL's database,
/// from its stored sessions and ledger, in the order <c>--prioritize forecast</c> would try them
/// (before the stop conditions, which depend on the drain).
/// </summary>
public static class ForecastCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var timeout = Flag.WholeNumber("--phase-timeout-seconds", "the drain's phase timeout: the minutes expected of a phase without history (default 900)", 1, DrainOptions.PhaseTimeoutLimitSeconds, "7 days");
        var output = OutputFormat.Create(OutputFormat.Table, "table: one line per phase, best first (the default); json: the forecasts with their fields");
        var command = new Command("forecast", "the yield forecast of every FAILED phase of DATABASE_URL's database, from its earlier sessions and ledger") { timeout, output };
        command.SetAction(async (parsed, _) => await RunAsync(parsed.GetValue(timeout) ?? DrainOptions.DefaultPhaseTimeoutSeconds, OutputFormat.Of(parsed, output), context));
        return CommandHelp.WithExamples(
            command,
            "drain forecast",
            "drain forecast --output json --phase-timeout-seconds 600",
            "drain --dry-run --prioritize forecast   # the picks in this order, with the stop conditions");
    }

    private static async Task<int> RunAsync(int timeoutSeconds, string output, CliContext context)
    {
        if (!DatabaseEnvironment.TryRead(context.Stderr, out var database))
        {
            return 1;
        }

        await using var backlog = await BacklogStores.OpenAsync(database, null);
        var (azurite, options) = await LocalDrainHost.OpenStorageAsync(LocalEnvironment.FromProcess(), context.Stderr, database.Backlog);
        await using (azurite)
        {
            var blobs = DrainRegistration.CreateBlobServiceClient(options);
            var snapshots = Microsoft.Extensions.Options.Options.Create(options);
            var history = await new DrainHistoryReader(new BlobSessionStore(blobs, snapshots), new BlobLedgerStore(blobs, snapshots)).ReadAsync(null, backlog);
            var candidates = new List<Core.Selection.PhaseCandidate>();
            await foreach (var candidate in backlog.StreamCandidatesAsync(CandidateQuery.All))
            {
                candidates.Add(candidate);
            }

            var ranked = PriorityOrder.Apply(candidates, PrioritizeMode.Forecast, history, timeoutSeconds).Select(r => r.Forecast).ToList();
            if (output == OutputFormat.Json)
            {
                var document = new JsonObject
                {
                    ["database"] = backlog.DisplayName,
                    ["history_attempts"] = history.All.Attempts,
                    ["phase_timeout_seconds"] = timeoutSeconds,
                    ["phases"] = ForecastJson.Of(ranked),
                };
                context.Stdout.WriteLine(document.ToJsonString(Indented));
                return 0;
            }

            foreach (var line in ForecastTable.Lines(ranked, history.All.Attempts))
            {
                context.Stdout.WriteLine(line);
            }

            return 0;
        }
    }
}
