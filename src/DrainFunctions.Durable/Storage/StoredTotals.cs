using System.Globalization;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Durable.Storage;

/// <summary>
/// A session's totals as its blob's metadata carries them (<c>v1;complete;processed;batch;ok;failed;timeouts;events</c>),
/// written at every commit: <c>drain sessions list</c> reads a thousand sessions in one listing
/// instead of a thousand downloads.
/// </summary>
public sealed record StoredTotals(bool Complete, int Processed, int BatchSize, int Succeeded, int Failed, int Timeouts, long TelemetryEvents)
{
    private const string Version = "v1";

    public static StoredTotals Of(DrainSession header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var s = header.State;
        return new StoredTotals(header.IsComplete, s.TotalProcessed, header.BatchSize, s.TotalSuccess, s.TotalFailed, s.TotalTimeouts, s.TotalTelemetryEvents);
    }

    public string Format() => string.Create(CultureInfo.InvariantCulture,
        $"{Version};{(Complete ? 1 : 0)};{Processed};{BatchSize};{Succeeded};{Failed};{Timeouts};{TelemetryEvents}");

    /// <summary>The totals of a tag; null when it is not one (another version, edited by hand): the session is then read.</summary>
    public static StoredTotals? Parse(string? tag)
    {
        var parts = tag?.Split(';');
        if (parts is not { Length: 8 } || parts[0] != Version || parts[1] is not ("0" or "1"))
        {
            return null;
        }

        var numbers = new long[6];
        for (var i = 0; i < numbers.Length; i++)
        {
            if (!long.TryParse(parts[i + 2], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]) || (i < 5 && numbers[i] > int.MaxValue))
            {
                return null;
            }
        }

        return new StoredTotals(parts[1] == "1", (int)numbers[0], (int)numbers[1], (int)numbers[2], (int)numbers[3], (int)numbers[4], numbers[5]);
    }
}
