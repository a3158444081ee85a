using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DrainFunctions.Cli.Local;
using DrainFunctions.Core.Options;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// <c>drain --endpoint URL --key KEY</c>: the same drain, run by a deployed Function App (or
/// <c>drain serve</c>) over its HTTP API; the progress lines and the summary print as locally.
/// </summary>
public static class RemoteDrain
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public static async Task<int> RunAsync(DrainInvocation invocation, TextWriter stdout, TextWriter stderr, Interrupts interrupts, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        ArgumentNullException.ThrowIfNull(interrupts);
        if (invocation.Executor != "process" || invocation.ExecutorCommand is not null || invocation.Workspace is not null)
        {
            throw UsageException.ForFlag("--endpoint", "the Function App runs its configured executor; --executor, --executor-command and --workspace are for local drains");
        }

        var progress = invocation.Json ? stderr : stdout;
        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = new Uri(invocation.Endpoint!.TrimEnd('/') + "/");
        http.DefaultRequestHeaders.Add("x-functions-key", invocation.Key);

        var path = invocation.Resume ? "api/drains/resume" : invocation.Options.DryRun ? "api/drains/preview" : "api/drains";
        using var started = await http.PostAsync(path, new StringContent(Body(invocation.Options, invocation.Resume), Encoding.UTF8, "application/json"));
        var startBody = await started.Content.ReadAsStringAsync();
        if (started.StatusCode is not (HttpStatusCode.Accepted or HttpStatusCode.OK))
        {
            stderr.WriteLine($"drain: {invocation.Endpoint} answered {(int)started.StatusCode}: {startBody}");
            return started.StatusCode == HttpStatusCode.BadRequest ? 2 : 1;
        }

        var start = JsonNode.Parse(startBody)!;
        if (invocation.Options.DryRun && started.StatusCode == HttpStatusCode.OK)
        {
            foreach (var line in start["lines"]?.AsArray() ?? [])
            {
                progress.WriteLine(line?.ToString());
            }

            return 0;
        }

        var sessionId = start["sessionId"]?.GetValue<string>() ?? throw new InvalidOperationException("the API's answer has no sessionId: " + startBody);
        progress.WriteLine($"Session {sessionId} started on {invocation.Endpoint}");
        return await WatchAsync(http, sessionId, progress, stdout, stderr, interrupts, invocation.Json);
    }

    /// <summary>
    /// Follows session <paramref name="sessionId"/> on the API to its end as <c>drain</c> shows it:
    /// progress lines, then the summary; exit 0 when no phase failed, 1 otherwise or when the session
    /// is unknown or not running, 130 after Ctrl-C. Ctrl-C cancels the drain (once graceful, then
    /// now), or with <paramref name="detachOnInterrupt"/> stops watching and leaves it running.
    /// </summary>
    public static async Task<int> WatchAsync(HttpClient http, string sessionId, TextWriter progress, TextWriter stdout, TextWriter stderr, Interrupts interrupts, bool json = false, bool detachOnInterrupt = false)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(interrupts);
        long printed = 0;
        var cancels = 0;
        using var events = new ProgressEvents();
        while (true)
        {
            using var response = await http.GetAsync($"api/drains/{sessionId}");
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                stderr.WriteLine($"drain: session {sessionId} not found");
                return 1;
            }

            var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            foreach (var line in status["progress"]?["lines"]?.AsArray() ?? [])
            {
                var seq = line!["seq"]!.GetValue<long>();
                if (seq > printed)
                {
                    var text = line["text"]!.GetValue<string>();
                    progress.WriteLine(text);
                    events.Line(sessionId, seq, text);
                    printed = seq;
                }
            }

            var state = status["status"]?.GetValue<string>();
            if (state == "Incomplete")
            {
                stderr.WriteLine($"drain: session {sessionId} is not running (incomplete); continue it with: drain --resume");
                return 1;
            }

            if (state is "Completed" or "Failed" or "Terminated")
            {
                if (state != "Completed")
                {
                    stderr.WriteLine($"drain: the drain ended as {state}: {status["failure"]}");
                    return 1;
                }

                var summary = await http.GetStringAsync($"api/drains/{sessionId}/summary");
                progress.WriteLine();
                progress.Write(summary);
                if (json)
                {
                    stdout.WriteLine(status["session"]?.ToJsonString() ?? "null");
                }

                if (interrupts.Count > 0)
                {
                    progress.WriteLine(Core.Reporting.ProgressLines.InterruptedLine);
                    return 130;
                }

                return status["totals"]?["failed"]?.GetValue<long>() > 0 ? 1 : 0;
            }

            if (detachOnInterrupt && interrupts.Count > 0)
            {
                stderr.WriteLine($"drain: stopped watching; session {sessionId} goes on (drain cancel {sessionId} stops it)");
                return 130;
            }

            while (cancels < Math.Min(interrupts.Count, 2))
            {
                cancels++;
                using var cancel = await http.PostAsync($"api/drains/{sessionId}/cancel?mode={(cancels == 1 ? "graceful" : "now")}", null);
                stderr.WriteLine(cancels == 1 ? "\nStopping after the current phase (press Ctrl-C again to stop it now)..." : "\nStopping the current phase now...");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>
    /// The drain options in the HTTP API's field names: every option of the command line that the
    /// API takes (<see cref="DrainOptionCatalog"/>), but <c>dryRun</c>, which picks the route; one
    /// without a value (no limit, no prefixes) or a choice at its default is left out, so the API's default applies.
    /// </summary>
    public static string Body(DrainOptions options, bool resume)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (resume)
        {
            return "{}";
        }

        var body = new JsonObject();
        foreach (var spec in DrainOptionCatalog.On(DrainOptionSurfaces.Cli | DrainOptionSurfaces.HttpBody).Where(s => s != DrainOptionCatalog.DryRun))
        {
            JsonNode? value = spec.Get(options) switch
            {
                int whole => whole,
                double number => number,
                bool on => on,
                string text => text,
                IReadOnlyList<string> { Count: > 0 } items => new JsonArray([.. items.Select(i => JsonValue.Create(i))]),
                _ => null,
            };
            // A choice left at its default is not sent: the body of a drain that does not use it
            // stays as it was, and an app that predates the option still takes it.
            if (value is not null && !(spec.Choices is not null && Equals(spec.Get(options), spec.Default)))
            {
                body[spec.JsonName] = value;
            }
        }

        return body.ToJsonString();
    }
}
