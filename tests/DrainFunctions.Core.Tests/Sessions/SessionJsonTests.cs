using DrainFunctions.Core.Sessions;
using DrainFunctions.Core.Tests.Golden;

namespace DrainFunctions.Core.Tests.Sessions;

public class SessionJsonTests
{
    [Fact]
    public void Serialize_SeedSession_MatchesGoldenJson()
    {
        Assert.Equal(GoldenFile.Read("seed-session.json"), SessionJson.Serialize(SeedSession.Build()));
    }

    [Fact]
    public void Parse_OwnOutput_RoundTripsEveryField()
    {
        var original = SeedSession.Build();
        original.Results[0].InterruptedBy = "budget";
        original.Results[0].AttemptId = "a1";
        var json = SessionJson.Serialize(original);

        var parsed = SessionJson.Parse(json, "round-trip.json");

        Assert.Equal(json, SessionJson.Serialize(parsed));
        Assert.Equal(original.State.TotalTimeouts, parsed.State.TotalTimeouts);
        Assert.Equal(2, parsed.State.TimeoutsOf("research-system-v4"));
        Assert.Equal(10, parsed.State.ProcessedKeys.Count);
    }

    [Fact]
    public void Parse_PythonV1File_FillsMissingFieldsWithDefaults()
    {
        var session = SessionJson.Parse(File.ReadAllText(GoldenFile.Path("python-v1-session.json")), "python-v1-session.json");

        Assert.Equal("2025-12-01T10:15:00.123456+00:00", session.StartedAt);
        Assert.False(session.IsComplete);
        Assert.Empty(session.State.FingerprintCounts);
        Assert.Empty(session.State.StoppedFingerprints);
        Assert.Empty(session.State.StoppedRuns);
        Assert.Equal(0, session.State.TotalTimeouts);
        Assert.Equal(0, session.State.TotalTelemetryEvents);
        Assert.Equal(2, session.Results.Count);
        Assert.Null(session.Results[1].FailureFingerprint);
        Assert.Null(session.Results[1].TelemetryEventsCollected);
        Assert.Equal(1800.0, session.Results[1].SubprocessDurationSeconds);
        Assert.Equal(1, session.State.TimeoutsOf("build129-core"));
    }

    [Fact]
    public void Parse_TruncatedPythonFile_SaysTruncatedAndNamesFile()
    {
        var ex = Assert.Throws<SessionFormatException>(() =>
            SessionJson.Parse(File.ReadAllText(GoldenFile.Path("python-v2-truncated.json")), "batch-drain-20251228-060007.json"));

        Assert.StartsWith("batch-drain-20251228-060007.json: is not valid JSON", ex.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"session_id": "s", "started_at": "t", "total_processed": "3"}""", "total_processed", "must be an integer, not a string")]
    [InlineData("""{"session_id": "s", "started_at": "t", "stopped_runs": {"a": 1}}""", "stopped_runs", "must be a list of strings, not an object")]
    [InlineData("""{"session_id": "s", "started_at": "t", "fingerprint_counts": {"x": -1}}""", "fingerprint_counts.x", "must be a count (a whole number >= 0)")]
    [InlineData("""{"started_at": "t"}""", "session_id", "is missing")]
    [InlineData("""{"session_id": "s", "started_at": "t", "results": [{"run_id": "r", "phase_id": 5}]}""", "results[0].phase_id", "must be a string, not a number")]
    [InlineData("""{"session_id": "s", "started_at": "t", "results": [{"run_id": "r", "phase_id": "p", "success": "yes"}]}""", "results[0].success", "must be true or false, not a string")]
    public void Parse_MistypedField_NamesFileAndField(string json, string field, string problem)
    {
        var ex = Assert.Throws<SessionFormatException>(() => SessionJson.Parse(json, "f.json"));

        Assert.Equal(field, ex.Field);
        Assert.Equal($"f.json: field '{field}' {problem}", ex.Message);
    }

    [Fact]
    public void Parse_SetsWrittenAsListsWithDuplicates_KeepsEachOnce()
    {
        var session = SessionJson.Parse("""{"session_id": "s", "started_at": "t", "sampled_runs": ["a", "b", "a"]}""", "f.json");

        Assert.Equal(["a", "b"], session.State.SampledRuns);
    }

    [Theory]
    [InlineData(3.0, "3.0")]
    [InlineData(12.345, "12.345")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e-05, "1e-05")]
    public void FormatFloat_Value_WritesLikePythonRepr(double value, string expected)
    {
        Assert.Equal(expected, SessionJson.FormatFloat(value));
    }

    [Fact]
    public void SessionIds_StartTime_IsBatchDrainUtcStamp()
    {
        var start = new DateTimeOffset(2025, 12, 28, 7, 0, 7, TimeSpan.FromHours(1));

        Assert.Equal("batch-drain-20251228-060007", SessionIds.FromStart(start));
        Assert.Equal("2025-12-28T06:00:07+00:00", Iso8601.Format(start));
        Assert.True(SessionIds.IsValid("batch-drain-20251228-060007"));
        Assert.False(SessionIds.IsValid("batch-drain-2025"));
    }
}
