using System.Diagnostics;
using System.Reflection;

namespace DrainFunctions.Infra.Tests;

/// <summary>Runs the Bicep CLI restored from the Azure.Bicep.CommandLine.linux-x64 package.</summary>
internal static class BicepCli
{
    private const string PackageId = "azure.bicep.commandline.linux-x64";
    private const string PackageVersion = "0.49.2";

    private static readonly Lazy<string> LazyExecutable = new(FindExecutable);
    private static readonly Lazy<string> LazyRepoRoot = new(FindRepoRoot);

    public static string Executable => LazyExecutable.Value;

    public static string RepoRoot => LazyRepoRoot.Value;

    public static string InfraDir => Path.Combine(RepoRoot, "infra");

    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public string Combined => StdOut + StdErr;

        public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
    }

    public static Result Run(string workingDirectory, params string[] args) =>
        Run(workingDirectory, new Dictionary<string, string>(), args);

    /// <summary>Runs the CLI with these environment variables set (e.g. those a .bicepparam reads).</summary>
    public static Result Run(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var startInfo = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        // main.bicepparam reads these secrets from the environment: never let a developer's or
        // CI's values reach the compiled parameter files.
        startInfo.Environment.Remove("DATABASE_URL");
        startInfo.Environment.Remove("POSTGRES_ADMIN_PASSWORD");
        startInfo.Environment["BICEP_TRACING_ENABLED"] = "false";
        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"could not start {Executable}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', args)} did not finish in 3 minutes");
        }

        return new Result(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private static string FindExecutable()
    {
        var candidates = new List<string>();
        var fromBuild = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "BicepPath")?.Value;
        if (!string.IsNullOrWhiteSpace(fromBuild))
        {
            candidates.Add(fromBuild);
        }

        var packagesRoot = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrWhiteSpace(packagesRoot))
        {
            packagesRoot = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }

        candidates.Add(Path.Combine(packagesRoot, PackageId, PackageVersion, "tools", "bicep"));

        var found = candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException(
                $"bicep not found (looked at: {string.Join(", ", candidates)}); run `dotnet restore` on this project");

        // NuGet extraction does not always keep the executable bit. (The package is linux-x64.)
        if (OperatingSystem.IsWindows())
        {
            return found;
        }

        var mode = File.GetUnixFileMode(found);
        const UnixFileMode exec = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if ((mode & UnixFileMode.UserExecute) == 0)
        {
            File.SetUnixFileMode(found, mode | exec);
        }

        return found;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DrainFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no DrainFunctions.sln above {AppContext.BaseDirectory}");
    }
}
