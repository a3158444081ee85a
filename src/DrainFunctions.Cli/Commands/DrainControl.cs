namespace DrainFunctions.Cli.Commands;

/// <summary>Where a command reaches the drain service: the HTTP API of <c>--endpoint</c>, else the local task hub.</summary>
public static class DrainControl
{
    /// <summary>Null when the local task hub cannot be named (DATABASE_URL missing or wrong; the reason is printed).</summary>
    public static async Task<IDrainControl?> OpenAsync(DrainEndpoint? endpoint, TextWriter stderr) =>
        endpoint is null ? await LocalDrainControl.ConnectAsync(stderr) : new HttpDrainControl(endpoint);

    /// <summary>Runs <paramref name="command"/> on the drain service; exit 1 when it cannot be reached (the reason printed).</summary>
    public static async Task<int> RunAsync(DrainEndpoint? endpoint, TextWriter stderr, Func<IDrainControl, Task<int>> command)
    {
        ArgumentNullException.ThrowIfNull(command);
        await using var drains = await OpenAsync(endpoint, stderr);
        return drains is null ? 1 : await command(drains);
    }

    /// <summary>The <c>ID</c> operand of the commands that reach one drain.</summary>
    public static System.CommandLine.Argument<string> SessionArgument() => new("ID") { Description = "the session id (drain sessions list shows them)" };

    /// <summary>A session id operand, checked before anything is asked: a wrong one is bad usage (exit 2).</summary>
    public static string SessionOperand(string value) =>
        Core.Sessions.SessionIds.IsValid(value)
            ? value
            : throw new UsageException($"argument ID: {SessionFiles.Quoted(value)} is not a session id (expected {Core.Sessions.SessionIds.ExpectedForm}, as drain sessions list shows)");

    /// <summary>A run or phase id operand: 1 to 512 characters, not blank.</summary>
    public static string IdOperand(string name, string value) =>
        !string.IsNullOrWhiteSpace(value) && value.Length <= Core.Options.DrainOptions.MaxIdLength
            ? value
            : throw new UsageException($"argument {name}: {SessionFiles.Quoted(value)} is not a {name.ToLowerInvariant()} id (expected 1 to {Core.Options.DrainOptions.MaxIdLength} characters, not blank)");
}
