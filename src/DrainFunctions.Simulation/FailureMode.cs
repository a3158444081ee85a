using System.Globalization;

namespace DrainFunctions.Simulation;

/// <summary>A run's failure mode: one kind and one symbol; messages vary only in paths, numbers, times.</summary>
public sealed record FailureMode(FailureKind Kind, string Symbol, int RunNumber)
{
    public string Message(Random random, DateTimeOffset at)
    {
        var ts = at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var attemptDir = random.Next(1, 999);
        var line = random.Next(10, 900);
        return Kind switch
        {
            FailureKind.Import => string.Create(CultureInfo.InvariantCulture, $"ImportError at line {line}: cannot import '{Symbol}' from /app/run-{attemptDir}/{Symbol}_mod.py at {ts}"),
            FailureKind.Collection => string.Create(CultureInfo.InvariantCulture, $"CI collection error: {random.Next(1, 40)} errors during collection of /work/ws-{attemptDir}/tests/test_{Symbol}.py at {ts}"),
            FailureKind.Deliverable => string.Create(CultureInfo.InvariantCulture, $"Deliverable missing: expected /app/out-{attemptDir}/{Symbol}.md after {random.Next(3, 30)} builder turns at {ts}"),
            FailureKind.Patch => string.Create(CultureInfo.InvariantCulture, $"Patch failed to apply: hunk {random.Next(1, 12)} rejected at /src/{Symbol}/core.py:{line} ({ts})"),
            _ => string.Create(CultureInfo.InvariantCulture, $"SchemaValidationError: field '{Symbol}' invalid in /app/cfg-{attemptDir}/plan.json:{line} at {ts}"),
        };
    }
}
