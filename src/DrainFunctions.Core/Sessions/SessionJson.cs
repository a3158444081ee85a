using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace DrainFunctions.Core.Sessions;

/// <summary>
/// The session file format of the Python tool: snake_case fields in its order, two-space indent,
/// floats as Python writes them. Reading accepts its older versions (missing fields take their
/// empty defaults) and refuses anything malformed with the file and field named.
/// </summary>
public static class SessionJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize(DrainSession session)
    {
        using var stream = new MemoryStream();
        Write(stream, session);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static void Write(Stream stream, DrainSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        using var writer = new Utf8JsonWriter(stream, WriterOptions);
        writer.WriteStartObject();
        WriteHeader(writer, session);
        writer.WriteStartArray("results");
        foreach (var result in session.Results)
        {
            WriteResult(writer, result);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Every field of the session but the results, in the file's order.</summary>
    public static void WriteHeader(Utf8JsonWriter writer, DrainSession session)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(session);
        var s = session.State;
        writer.WriteString("session_id", session.SessionId);
        writer.WriteString("started_at", session.StartedAt);
        WriteNullableString(writer, "completed_at", session.CompletedAt);
        writer.WriteNumber("batch_size", session.BatchSize);
        writer.WriteNumber("total_processed", s.TotalProcessed);
        writer.WriteNumber("total_success", s.TotalSuccess);
        writer.WriteNumber("total_failed", s.TotalFailed);
        writer.WriteNumber("total_timeouts", s.TotalTimeouts);
        writer.WriteNumber("total_telemetry_events", s.TotalTelemetryEvents);
        writer.WriteStartObject("fingerprint_counts");
        foreach (var (fingerprint, count) in s.FingerprintCounts)
        {
            writer.WriteNumber(fingerprint, count);
        }

        writer.WriteEndObject();
        WriteStrings(writer, "stopped_fingerprints", s.StoppedFingerprints);
        WriteStrings(writer, "stopped_runs", s.StoppedRuns);
        writer.WriteNumber("consecutive_zero_yield", s.ConsecutiveZeroYield);
        WriteStrings(writer, "sampled_runs", s.SampledRuns);
        WriteStrings(writer, "promising_runs", s.PromisingRuns);
        WriteStrings(writer, "deprioritized_runs", s.DeprioritizedRuns);
    }

    public static void WriteResult(Utf8JsonWriter writer, DrainResult r)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(r);
        writer.WriteStartObject();
        writer.WriteString("run_id", r.RunId);
        writer.WriteString("phase_id", r.PhaseId);
        writer.WriteNumber("phase_index", r.PhaseIndex);
        writer.WriteString("initial_state", r.InitialState);
        writer.WriteString("final_state", r.FinalState);
        writer.WriteBoolean("success", r.Success);
        WriteNullableString(writer, "error_message", r.ErrorMessage);
        writer.WriteString("timestamp", r.Timestamp);
        WriteNullableInt(writer, "subprocess_returncode", r.SubprocessReturncode);
        WriteNullableFloat(writer, "subprocess_duration_seconds", r.SubprocessDurationSeconds);
        WriteNullableString(writer, "subprocess_stdout_path", r.SubprocessStdoutPath);
        WriteNullableString(writer, "subprocess_stderr_path", r.SubprocessStderrPath);
        WriteNullableString(writer, "subprocess_stdout_excerpt", r.SubprocessStdoutExcerpt);
        WriteNullableString(writer, "subprocess_stderr_excerpt", r.SubprocessStderrExcerpt);
        WriteNullableString(writer, "failure_fingerprint", r.FailureFingerprint);
        if (r.TelemetryEventsCollected is { } events)
        {
            writer.WriteNumber("telemetry_events_collected", events);
        }
        else
        {
            writer.WriteNull("telemetry_events_collected");
        }

        WriteNullableFloat(writer, "telemetry_yield_per_minute", r.TelemetryYieldPerMinute);
        writer.WriteBoolean("reached_llm_boundary", r.ReachedLlmBoundary);
        WriteNullableString(writer, "zero_yield_reason", r.ZeroYieldReason);
        if (r.InterruptedBy is not null)
        {
            writer.WriteString("interrupted_by", r.InterruptedBy);
        }

        if (r.AttemptId is not null)
        {
            writer.WriteString("attempt_id", r.AttemptId);
        }

        if (r.Slot is { } slot)
        {
            writer.WriteNumber("slot", slot);
        }

        if (r.Agent is not null)
        {
            writer.WriteString("agent", r.Agent);
        }

        if (r.Extensions is { Count: > 0 } extensions)
        {
            writer.WriteStartArray("extensions");
            foreach (var e in extensions)
            {
                writer.WriteStartObject();
                writer.WritePropertyName("at_seconds");
                writer.WriteRawValue(FormatFloat(e.AtSeconds));
                writer.WriteNumber("new_events", e.NewEvents);
                writer.WriteNumber("new_output_bytes", e.NewOutputBytes);
                writer.WriteNumber("timeout_seconds", e.TimeoutSeconds);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    /// <summary>Python's <c>repr(float)</c>: shortest round-trip digits, always with a point or exponent.</summary>
    public static string FormatFloat(double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "JSON has no representation for this value");
        }

        var text = value.ToString("R", CultureInfo.InvariantCulture);
        if (text.Contains('E', StringComparison.Ordinal))
        {
            return text.Replace('E', 'e');
        }

        return text.Contains('.', StringComparison.Ordinal) ? text : text + ".0";
    }

    public static DrainSession Parse(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false });
        }
        catch (JsonException ex)
        {
            var where = ex.BytePositionInLine is { } position ? $" (line {ex.LineNumber + 1}, byte {position + 1})" : string.Empty;
            var hint = json.TrimEnd().EndsWith('}') ? string.Empty : "; the file looks truncated (an interrupted write)";
            throw new SessionFormatException(sourceName, null, $"is not valid JSON{where}{hint}", ex);
        }

        using (document)
        {
            return Read(document.RootElement, sourceName);
        }
    }

    public static DrainSession Read(JsonElement root, string sourceName)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new SessionFormatException(sourceName, null, $"must hold a JSON object, not {Describe(root.ValueKind)}");
        }

        var reader = new FieldReader(sourceName);
        var session = new DrainSession
        {
            SessionId = reader.RequiredString(root, "session_id"),
            StartedAt = reader.RequiredString(root, "started_at"),
            CompletedAt = reader.OptionalString(root, "completed_at"),
            BatchSize = reader.Int(root, "batch_size", 0),
        };
        var s = session.State;
        s.TotalProcessed = reader.Int(root, "total_processed", 0);
        s.TotalSuccess = reader.Int(root, "total_success", 0);
        s.TotalFailed = reader.Int(root, "total_failed", 0);
        s.TotalTimeouts = reader.Int(root, "total_timeouts", 0);
        s.TotalTelemetryEvents = reader.Long(root, "total_telemetry_events", 0);
        s.FingerprintCounts = reader.Counts(root, "fingerprint_counts");
        s.StoppedFingerprints = reader.Strings(root, "stopped_fingerprints");
        s.StoppedRuns = reader.Strings(root, "stopped_runs");
        s.ConsecutiveZeroYield = reader.Int(root, "consecutive_zero_yield", 0);
        s.SampledRuns = reader.Strings(root, "sampled_runs");
        s.PromisingRuns = reader.Strings(root, "promising_runs");
        s.DeprioritizedRuns = reader.Strings(root, "deprioritized_runs");
        if (root.TryGetProperty("results", out var results) && results.ValueKind != JsonValueKind.Null)
        {
            if (results.ValueKind != JsonValueKind.Array)
            {
                throw new SessionFormatException(sourceName, "results", $"must be a list, not {Describe(results.ValueKind)}");
            }

            var index = 0;
            foreach (var item in results.EnumerateArray())
            {
                session.Results.Add(ReadResult(item, reader.For($"results[{index}]")));
                index++;
            }
        }

        s.RebuildDerived(session.Results);
        return session;
    }

    public static DrainResult ReadResult(JsonElement item, string sourceName) => ReadResult(item, new FieldReader(sourceName));

    private static DrainResult ReadResult(JsonElement item, FieldReader reader)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            throw new SessionFormatException(reader.Source, reader.Prefix.TrimEnd('.'), $"must be an object, not {Describe(item.ValueKind)}");
        }

        return new DrainResult
        {
            RunId = reader.RequiredString(item, "run_id"),
            PhaseId = reader.RequiredString(item, "phase_id"),
            PhaseIndex = reader.Int(item, "phase_index", 0),
            InitialState = reader.OptionalString(item, "initial_state") ?? string.Empty,
            FinalState = reader.OptionalString(item, "final_state") ?? string.Empty,
            Success = reader.Bool(item, "success"),
            ErrorMessage = reader.OptionalString(item, "error_message"),
            Timestamp = reader.OptionalString(item, "timestamp") ?? string.Empty,
            SubprocessReturncode = reader.OptionalInt(item, "subprocess_returncode"),
            SubprocessDurationSeconds = reader.OptionalDouble(item, "subprocess_duration_seconds"),
            SubprocessStdoutPath = reader.OptionalString(item, "subprocess_stdout_path"),
            SubprocessStderrPath = reader.OptionalString(item, "subprocess_stderr_path"),
            SubprocessStdoutExcerpt = reader.OptionalString(item, "subprocess_stdout_excerpt"),
            SubprocessStderrExcerpt = reader.OptionalString(item, "subprocess_stderr_excerpt"),
            FailureFingerprint = reader.OptionalString(item, "failure_fingerprint"),
            TelemetryEventsCollected = reader.OptionalLong(item, "telemetry_events_collected"),
            TelemetryYieldPerMinute = reader.OptionalDouble(item, "telemetry_yield_per_minute"),
            ReachedLlmBoundary = reader.Bool(item, "reached_llm_boundary"),
            ZeroYieldReason = reader.OptionalString(item, "zero_yield_reason"),
            InterruptedBy = reader.OptionalString(item, "interrupted_by"),
            AttemptId = reader.OptionalString(item, "attempt_id"),
            Slot = reader.OptionalInt(item, "slot"),
            Agent = reader.OptionalString(item, "agent"),
            Extensions = reader.Extensions(item, "extensions"),
        };
    }

    private static void WriteNullableString(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteNullableInt(Utf8JsonWriter writer, string name, int? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static void WriteNullableFloat(Utf8JsonWriter writer, string name, double? value)
    {
        writer.WritePropertyName(name);
        if (value is { } v)
        {
            writer.WriteRawValue(FormatFloat(v), skipInputValidation: true);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    internal static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>Reads typed fields, naming the field in every error.</summary>
    private sealed class FieldReader(string source, string prefix = "")
    {
        public string Source { get; } = source;

        public string Prefix { get; } = prefix;

        public FieldReader For(string path) => new(Source, path + ".");

        public string RequiredString(JsonElement obj, string name) =>
            OptionalString(obj, name) ?? throw Error(name, "is missing");

        public string? OptionalString(JsonElement obj, string name)
        {
            if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Mistyped(name, "a string", value);
        }

        public int Int(JsonElement obj, string name, int fallback) => OptionalInt(obj, name) ?? fallback;

        public long Long(JsonElement obj, string name, long fallback) => OptionalLong(obj, name) ?? fallback;

        public int? OptionalInt(JsonElement obj, string name)
        {
            var value = OptionalLong(obj, name);
            return value is null ? null : value is >= int.MinValue and <= int.MaxValue ? (int)value.Value : throw Error(name, "is out of range");
        }

        public long? OptionalLong(JsonElement obj, string name)
        {
            if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
            {
                return number;
            }

            // Python writes whole floats as 3.0; accept them where an integer is meant.
            if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var real) && real == Math.Floor(real) && Math.Abs(real) < 9e15)
            {
                return (long)real;
            }

            throw Mistyped(name, "an integer", value);
        }

        public double? OptionalDouble(JsonElement obj, string name)
        {
            if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw Mistyped(name, "a number", value);
        }

        public bool Bool(JsonElement obj, string name)
        {
            if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return false;
            }

            return value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Mistyped(name, "true or false", value),
            };
        }

        public List<string> Strings(JsonElement obj, string name)
        {
            var list = new List<string>();
            if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return list;
            }

            if (value.ValueKind != JsonValueKind.Array)
            {
                throw Mistyped(name, "a list of strings", value);
            }

            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                {
                    throw Error(name, $"must hold only strings, found {Describe(item.ValueKind)}");
                }

                if (!list.Contains(item.GetString()!))
                {
                    list.Add(item.GetString()!);
                }
            }

            return list;
        }

        public List<Phases.PhaseExtension>? Extensions(JsonElement obj, string name)
        {
            if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.Array)
            {
                throw Mistyped(name, "a list of extensions", value);
            }

            var list = new List<Phases.PhaseExtension>();
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                var at = For($"{Prefix}{name}[{index++}]".TrimStart('.'));
                if (item.ValueKind != JsonValueKind.Object)
                {
                    throw Error(name, $"must hold only objects, found {Describe(item.ValueKind)}");
                }

                list.Add(new Phases.PhaseExtension(
                    at.OptionalDouble(item, "at_seconds") ?? 0,
                    at.Long(item, "new_events", 0),
                    at.Long(item, "new_output_bytes", 0),
                    at.OptionalInt(item, "timeout_seconds") ?? throw at.Error("timeout_seconds", "is missing")));
            }

            return list.Count > 0 ? list : null;
        }

        public OrderedDictionary<string, int> Counts(JsonElement obj, string name)
        {
            var counts = new OrderedDictionary<string, int>(StringComparer.Ordinal);
            if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return counts;
            }

            if (value.ValueKind != JsonValueKind.Object)
            {
                throw Mistyped(name, "an object of counts", value);
            }

            foreach (var property in value.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out var count) || count < 0)
                {
                    throw Error($"{name}.{property.Name}", "must be a count (a whole number >= 0)");
                }

                counts[property.Name] = count;
            }

            return counts;
        }

        private SessionFormatException Mistyped(string name, string expected, JsonElement actual) =>
            Error(name, $"must be {expected}, not {Describe(actual.ValueKind)}");

        public SessionFormatException Error(string name, string problem) => new(Source, Prefix + name, problem);
    }
}
