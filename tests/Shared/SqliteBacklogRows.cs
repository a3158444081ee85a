using System.Globalization;
using Microsoft.Data.Sqlite;

namespace DrainFunctions.Tests.Shared;

/// <summary>Rows written straight into a SQLite backlog, as Autopack would have left them (its run created once).</summary>
internal sealed class SqliteBacklogRows(string databasePath)
{
    private readonly HashSet<string> runs = new(StringComparer.Ordinal);

    public async Task AddPhaseAsync(string runId, string phaseId, int index, string state, string? reason)
    {
        await using var connection = new SqliteConnection($"Data Source={databasePath}");
        await connection.OpenAsync();
        var now = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        if (runs.Add(runId))
        {
            await using var run = connection.CreateCommand();
            run.CommandText = "INSERT INTO runs (id, state, created_at, updated_at) VALUES (@id, 'RUN_CREATED', @t, @t)";
            run.Parameters.AddWithValue("@id", runId);
            run.Parameters.AddWithValue("@t", now);
            await run.ExecuteNonQueryAsync();
        }

        await using var phase = connection.CreateCommand();
        phase.CommandText = "INSERT INTO phases (phase_id, run_id, phase_index, name, state, last_failure_reason, created_at, updated_at) VALUES (@p, @r, @i, @p, @s, @reason, @t, @t)";
        phase.Parameters.AddWithValue("@p", phaseId);
        phase.Parameters.AddWithValue("@r", runId);
        phase.Parameters.AddWithValue("@i", index);
        phase.Parameters.AddWithValue("@s", state);
        phase.Parameters.AddWithValue("@reason", (object?)reason ?? DBNull.Value);
        phase.Parameters.AddWithValue("@t", now);
        await phase.ExecuteNonQueryAsync();
    }
}
