using System.CommandLine;
using DrainFunctions.Cli.Parsing;
using DrainFunctions.Flags;
using System.Globalization;
using System.Text.Json;
using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Orchestration;

namespace DrainFunctions.Cli.Commands;

/// <summary><c>drain status ID</c>: a drain's state, progress and why it stopped, locally or over <c>--endpoint</c>.</summary>
public static class StatusCommand
{
    private static readonly JsonSerializerOptions Indented = new(ApiResult.JsonOptions) { WriteIndented = true };

    public static Command Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var id = DrainControl.SessionArgument();
        var output = OutputFormat.Create(OutputFormat.Table, "table: one field per line (the default); json: the state, progress and stop in flat fields");
        var endpoint = new EndpointFlags();
        var command = new Command("status", "a drain's state (running, suspended, completed, cancelled, failed, terminated, incomplete), progress, current phase and why it stopped") { id, output };
        endpoint.AddTo(command);
        command.SetAction(async (parsed, token) => await RunAsync(
            new StatusArgs(DrainControl.SessionOperand(parsed.GetValue(id) ?? string.Empty), OutputFormat.Of(parsed, output) == OutputFormat.Json ? StatusOutput.Json : StatusOutput.Table, endpoint.Read(parsed)),
            context.Stdout,
            context.Stderr,
            token));
        return CommandHelp.WithExamples(
            command,
            "drain status batch-drain-20251228-060007",
            "drain status batch-drain-20251228-060007 --output json",
            "DRAIN_API_KEY=... drain status batch-drain-20251228-060007 --endpoint https://app.azurewebsites.net");
    }

    public static async Task<int> RunAsync(StatusArgs args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        return await DrainControl.RunAsync(args.Endpoint, stderr, async drains => Report(args, await drains.StatusAsync(args.SessionId, cancellationToken), stdout, stderr));
    }

    private static int Report(StatusArgs args, DrainView? found, TextWriter stdout, TextWriter stderr)
    {
        if (found is not { } drain)
        {
            stderr.WriteLine($"drain status: session {args.SessionId} not found");
            return 1;
        }

        if (args.Output == StatusOutput.Json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(Summary(drain), Indented));
        }
        else
        {
            foreach (var line in Table(drain))
            {
                stdout.WriteLine(line);
            }
        }

        return 0;
    }

    /// <summary>What <c>--output json</c> prints: the state, the progress and the stop in flat fields.</summary>
    /// <param name="drain">The drain.</param>
    /// <param name="now">When the elapsed time of the phases in flight is counted to (now when null).</param>
    public static object Summary(DrainView drain, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(drain);
        return new
        {
            sessionId = drain.SessionId,
            instanceId = drain.InstanceId,
            state = drain.State,
            processed = drain.Totals?.Processed,
            batchSize = BatchSize(drain),
            success = drain.Totals?.Success,
            failed = drain.Totals?.Failed,
            timeouts = drain.Totals?.Timeouts,
            telemetryEvents = drain.Totals?.TelemetryEvents,
            currentPhase = drain.Progress?.CurrentPhase,
            parallel = drain.Progress?.Parallel,
            inFlight = drain.Progress?.InFlight?.Select(p => new { slot = p.Slot, phase = p.Phase, startedAt = p.StartedAt, elapsedSeconds = Elapsed(p, now) }),
            stop = drain.Progress?.Stop,
            failure = drain.Failure,
            startedAt = drain.Session?.StartedAt,
            completedAt = drain.Session?.CompletedAt,
        };
    }

    /// <summary>The lines of <c>--output table</c>: one field a line, only the fields the drain has.</summary>
    /// <param name="drain">The drain.</param>
    /// <param name="now">When the elapsed time of the phases in flight is counted to (now when null).</param>
    public static IReadOnlyList<string> Table(DrainView drain, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(drain);
        var rows = new List<(string Name, string? Value)>
        {
            ("Session", drain.SessionId),
            ("Instance", drain.InstanceId),
            ("State", drain.State),
            ("Progress", drain.Totals is { } t
                ? string.Create(CultureInfo.InvariantCulture, $"{t.Processed}/{BatchSize(drain)} processed: {t.Success} succeeded, {t.Failed} failed, {t.Timeouts} timeouts, {t.TelemetryEvents} telemetry events")
                : null),
            ("Current phase", drain.Progress?.InFlight is null ? drain.Progress?.CurrentPhase : null),
        };

        // A parallel drain: a line per phase in flight, with its slot and how long it has run.
        foreach (var phase in drain.Progress?.InFlight ?? [])
        {
            rows.Add((string.Create(CultureInfo.InvariantCulture, $"Slot {phase.Slot}"), string.Create(CultureInfo.InvariantCulture, $"{phase.Phase} ({Elapsed(phase, now):F0} s)")));
        }

        rows.AddRange(
        [
            ("Stop reason", drain.Progress?.Stop),
            ("Failure", drain.Failure),
            ("Started", drain.Session?.StartedAt),
            ("Completed", drain.Session?.CompletedAt),
        ]);
        return [.. rows.Where(r => !string.IsNullOrEmpty(r.Value)).Select(r => $"{r.Name + ":",-15}{r.Value}")];
    }

    private static double Elapsed(InFlightStatus phase, DateTimeOffset? now) =>
        Math.Max(0, Math.Round(((now ?? DateTimeOffset.UtcNow) - phase.StartedAt).TotalSeconds, 1));

    private static int? BatchSize(DrainView drain) => drain.Progress?.BatchSize is > 0 and var size ? size : drain.Session?.BatchSize;
}
