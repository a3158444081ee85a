using DrainFunctions.Core.Options;
using DrainFunctions.Core.Selection;
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
    public void Parse_OwnOutputWithTriageSets_RoundTripsSetsInOrder()
    {
        var original = SeedSession.Build();
        original.State.SampledRuns = ["research-system-v6", "build130-schema-validation", "research-system-v4"];
        original.State.PromisingRuns = ["research-system-v6", "build130-schema-validation"];
        original.State.DeprioritizedRuns = ["research-system-v4"];
        var json = SessionJson.Serialize(original);

        var parsed = SessionJson.Parse(json, "round-trip.json");

        Assert.Equal(original.State.SampledRuns, parsed.State.SampledRuns);
        Assert.Equal(original.State.PromisingRuns, parsed.State.PromisingRuns);
        Assert.Equal(original.State.DeprioritizedRuns, parsed.State.DeprioritizedRuns);
        Assert.Equal(json, SessionJson.Serialize(parsed));
    }

    [Fact]
    public void Parse_PythonFileWithTriageSetsAsLists_LoadsEveryField()
    {
        // As the later tool writes a session once its sets are saved as lists (json.dump, indent 2,
        // results before the fingerprint counts, microseconds in the timestamps).
        var session = SessionJson.Parse(File.ReadAllText(GoldenFile.Path("python-v2-session.json")), "python-v2-session.json");

        Assert.Equal("batch-drain-20251228-180000", session.SessionId);
        Assert.False(session.IsComplete);
        Assert.Equal(["research-system-v6", "research-system-v4", "build130-schema-validation"], session.State.SampledRuns);
        Assert.Equal(["build130-schema-validation", "research-system-v6"], session.State.PromisingRuns);
        Assert.Equal(["research-system-v4"], session.State.DeprioritizedRuns);
        Assert.Equal(2, session.State.FingerprintCounts["FAILED|rc1|importerror at line num: cannot import module from path:num"]);
        Assert.Equal(3, session.Results.Count);
        Assert.Equal(2.12, session.Results[2].TelemetryYieldPerMinute);
        Assert.Equal("execution_error", session.Results[0].ZeroYieldReason);
        Assert.Equal(3, session.State.ProcessedKeys.Count);
    }

    [Fact]
    public void Parse_PythonFileWithTriageSets_OursWritesThemBackAsLists()
    {
        var python = SessionJson.Parse(File.ReadAllText(GoldenFile.Path("python-v2-session.json")), "python-v2-session.json");

        var ours = SessionJson.Serialize(python);
        var again = SessionJson.Parse(ours, "ours.json");

        using var document = System.Text.Json.JsonDocument.Parse(ours);
        Assert.Equal(System.Text.Json.JsonValueKind.Array, document.RootElement.GetProperty("deprioritized_runs").ValueKind);
        Assert.Equal(python.State.SampledRuns, again.State.SampledRuns);
        Assert.Equal(python.State.PromisingRuns, again.State.PromisingRuns);
        Assert.Equal(python.State.DeprioritizedRuns, again.State.DeprioritizedRuns);
        Assert.Equal(python.Results.Select(r => r.Key), again.Results.Select(r => r.Key));
        Assert.Equal(ours, SessionJson.Serialize(again));
    }

    [Fact]
    public void Parse_PythonFileWithTriageSets_ResumedTriageSkipsItsDeprioritizedRun()
    {
        var state = SessionJson.Parse(File.ReadAllText(GoldenFile.Path("python-v2-session.json")), "python-v2-session.json").State;
        PhaseCandidate[] backlog =
        [
            new("research-system-v4", "research-synthesis", 1, null),
            new("research-system-v6", "research-meta-analysis", 2, null),
            new("fresh-run", "first-phase", 5, null),
        ];
        var options = new DrainOptions { SampleFirst = true };

        var outcome = PhaseSelector.SelectNext(backlog, state, options);

        Assert.Equal("fresh-run:first-phase", outcome.Selected?.Key);
        Assert.Equal(["  [SKIP] research-system-v4/research-synthesis: run research-system-v4 deprioritized (sample-first triage)"], outcome.Lines);
        state.ProcessedKeys.Add("fresh-run:first-phase");
        Assert.Equal("research-system-v6:research-meta-analysis", PhaseSelector.SelectNext(backlog, state, options).Selected?.Key);
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
