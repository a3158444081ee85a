namespace DrainFunctions.Infra.Tests;

public sealed class BicepBuildTests
{
    [Fact]
    public void Build_EveryBicepFile_CompilesWithoutErrorsOrWarnings()
    {
        var infra = BicepCli.InfraDir;
        var outDir = Directory.CreateTempSubdirectory("drainfunctions-bicep-build-").FullName;
        try
        {
            var bicepFiles = Directory.EnumerateFiles(infra, "*.bicep", SearchOption.AllDirectories).Order().ToList();
            var paramFiles = Directory.EnumerateFiles(infra, "*.bicepparam", SearchOption.AllDirectories).Order().ToList();
            Assert.Contains(Path.Combine(infra, "main.bicep"), bicepFiles);
            Assert.Contains(Path.Combine(infra, "main.bicepparam"), paramFiles);
            Assert.True(File.Exists(Path.Combine(infra, "bicepconfig.json")), "infra/bicepconfig.json is missing");

            var runs = new List<(string What, BicepCli.Result Result)>
            {
                ("build main.bicep", BicepCli.Run(infra, "build", "main.bicep", "--outdir", outDir)),
                ("build-params main.bicepparam",
                    BicepCli.Run(infra, "build-params", "main.bicepparam", "--outfile", Path.Combine(outDir, "main.parameters.json"))),
            };
            runs.AddRange(bicepFiles.Concat(paramFiles)
                .Select(f => ($"lint {Path.GetRelativePath(infra, f)}", BicepCli.Run(infra, "lint", f))));

            foreach (var (what, result) in runs)
            {
                Assert.True(result.ExitCode == 0, $"bicep {what}: {result}");
                Assert.False(result.Combined.Contains("Warning", StringComparison.OrdinalIgnoreCase), $"bicep {what}: {result}");
                Assert.False(result.Combined.Contains("Error", StringComparison.OrdinalIgnoreCase), $"bicep {what}: {result}");
            }

            Assert.True(File.Exists(Path.Combine(outDir, "main.json")), "bicep build wrote no main.json");
            Assert.True(File.Exists(Path.Combine(outDir, "main.parameters.json")), "bicep build-params wrote no parameter file");
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    [Fact]
    public void BuildParams_PhaseTimeoutBeyondTheScaleInGrace_IsRefused()
    {
        // Flex Consumption and Elastic Premium give a running execution 60 minutes at scale-in.
        var dir = Directory.CreateTempSubdirectory("drainfunctions-bicep-params-").FullName;
        try
        {
            CompiledInfra.CopyDirectory(BicepCli.InfraDir, dir);
            File.WriteAllText(
                Path.Combine(dir, "long-phase.bicepparam"),
                """
                using 'main.bicep'

                param environmentName = 'drain-test'
                param location = 'westeurope'
                param drainPhaseTimeoutSeconds = 3600
                """);

            var result = BicepCli.Run(dir, "build-params", "long-phase.bicepparam", "--stdout");

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("maximum allowable value is 3540", result.Combined, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Lint_FileBreakingARule_ReportsTheRuleAsError()
    {
        // Guards the test above: bicepconfig.json must turn linter findings into errors that the
        // CLI reports (and fails on), not into silence.
        var dir = Directory.CreateTempSubdirectory("drainfunctions-bicep-lint-").FullName;
        try
        {
            File.Copy(Path.Combine(BicepCli.InfraDir, "bicepconfig.json"), Path.Combine(dir, "bicepconfig.json"));
            File.WriteAllText(
                Path.Combine(dir, "leak.bicep"),
                """
                @secure()
                param password string

                output leaked string = password
                """);

            var result = BicepCli.Run(dir, "lint", "leak.bicep");

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("Error outputs-should-not-contain-secrets", result.Combined, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
