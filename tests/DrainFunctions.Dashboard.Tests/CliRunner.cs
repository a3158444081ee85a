namespace DrainFunctions.Cli.Tests;

/// <summary>What the linked <c>DrainProcess</c> asks of the Cli tests' runner: where the repository is (its <c>./drain</c>).</summary>
internal static class CliRunner
{
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DrainFunctions.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("DrainFunctions.sln not found above " + AppContext.BaseDirectory);
    }
}
