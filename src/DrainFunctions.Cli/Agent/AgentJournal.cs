namespace DrainFunctions.Cli.Agent;

/// <summary>
/// The attempts an agent runs, in a small file on its machine (one id a line), so that the agent
/// started again after a crash (kill -9, a reboot of the service) kills whatever its previous run
/// left behind before it takes new work: the drain has declared those attempts lost already.
/// </summary>
public sealed class AgentJournal : IDisposable
{
    public const string StateVariable = "DRAIN_AGENT_STATE";

    private readonly string path;
    private readonly HashSet<string> attempts = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    /// <summary>Held for the agent's life: a second agent of the same name on this machine would kill the first one's phases as leftovers.</summary>
    private readonly FileStream held;

    public AgentJournal(string agent)
    {
        var folder = Environment.GetEnvironmentVariable(StateVariable) is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } state ? state : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state"), "drain-agent");
        Directory.CreateDirectory(folder);
        path = Path.Combine(folder, agent + ".attempts");
        try
        {
            held = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw UsageException.ForFlag("--name", $"another agent named {agent} runs on this machine (its journal {path} is held); give each agent its own --name");
        }
    }

    public void Dispose() => held.Dispose();

    public string FilePath => path;

    /// <summary>The attempts a previous run of this agent did not see end.</summary>
    public IReadOnlyList<string> Leftovers() =>
        File.Exists(path) ? [.. File.ReadAllLines(path).Where(l => l.Length > 0).Distinct(StringComparer.Ordinal)] : [];

    public void Begin(string attemptId) => Change(() => attempts.Add(attemptId));

    public void End(string attemptId) => Change(() => attempts.Remove(attemptId));

    /// <summary>Starts a new run's journal (after the leftovers were dealt with).</summary>
    public void Reset() => Change(attempts.Clear);

    private void Change(Action change)
    {
        lock (gate)
        {
            change();

            // Written whole and renamed into place: a crash mid-write leaves the old list, never half of one.
            var temporary = path + ".tmp";
            File.WriteAllLines(temporary, attempts);
            File.Move(temporary, path, overwrite: true);
        }
    }
}
