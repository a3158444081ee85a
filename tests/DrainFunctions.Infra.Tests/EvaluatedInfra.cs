using System.Text.Json.Nodes;

namespace DrainFunctions.Infra.Tests;

/// <summary>
/// Evaluates infra/main.bicep for a parameter set with `bicep snapshot`, which runs the ARM
/// template engine locally: every expression ARM can evaluate before deploying is evaluated
/// (names, conditions, siteConfig, the fail() checks), and a refused parameter set fails with the
/// message ARM would give.
/// </summary>
/// <remarks>
/// The snapshot never evaluates a secure parameter, so a check that reads one (databaseUrl, the
/// PostgreSQL password) would silently not run. The copy evaluated here therefore has main.bicep's
/// <c>@secure()</c> decorators removed, and the default linter configuration (the project's turns
/// the resulting secure-secrets-in-params warning into an error). Nothing else differs; the real
/// files are compiled and linted as they are by <see cref="BicepBuildTests"/> and the secure
/// declarations are checked by <see cref="TemplateTests"/>.
/// </remarks>
public sealed class EvaluatedInfra : IDisposable
{
    private const string SubscriptionId = "00000000-0000-0000-0000-0000000000aa";
    private const string TenantId = "00000000-0000-0000-0000-0000000000bb";
    private int _count;

    public EvaluatedInfra()
    {
        WorkDir = Directory.CreateTempSubdirectory("drainfunctions-infra-snapshot-").FullName;
        CompiledInfra.CopyDirectory(BicepCli.InfraDir, WorkDir);
        var main = Path.Combine(WorkDir, "main.bicep");
        File.WriteAllLines(main, File.ReadAllLines(main).Where(line => line.Trim() != "@secure()"));
        File.WriteAllText(Path.Combine(WorkDir, "bicepconfig.json"), "{}");
    }

    public string WorkDir { get; }

    /// <summary>The outcome of one snapshot: the CLI's result and, when it succeeded, the snapshot.</summary>
    internal sealed record Outcome(BicepCli.Result Result, JsonObject? Snapshot)
    {
        public IEnumerable<JsonObject> Resources(string type) =>
            (Snapshot?["predictedResources"]?.AsArray() ?? []).OfType<JsonObject>()
                .Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase));

        public JsonObject Single(string type) => Assert.Single(Resources(type));
    }

    /// <summary>
    /// Snapshots main.bicep with these parameter lines (`param x = ...`) after an environment name
    /// and a location; the parameters not given take main.bicep's defaults.
    /// </summary>
    internal Outcome Take(params string[] parameterLines)
    {
        var name = $"case{Interlocked.Increment(ref _count)}";
        var paramFile = Path.Combine(WorkDir, name + ".bicepparam");
        File.WriteAllLines(
            paramFile,
            ["using 'main.bicep'", "param environmentName = 'drain-test'", "param location = 'westeurope'", .. parameterLines]);

        var result = BicepCli.Run(
            WorkDir,
            "snapshot", paramFile, "--mode", "overwrite",
            "--subscription-id", SubscriptionId, "--tenant-id", TenantId, "--location", "westeurope");
        var snapshotFile = Path.Combine(WorkDir, name + ".snapshot.json");
        var snapshot = result.ExitCode == 0 && File.Exists(snapshotFile)
            ? JsonNode.Parse(File.ReadAllText(snapshotFile))!.AsObject()
            : null;
        return new Outcome(result, snapshot);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
