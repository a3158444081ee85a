using System.Globalization;
using DrainFunctions.Durable.Ledger;

namespace DrainFunctions.Cli.Commands;

/// <summary><c>drain ledger show --output table</c>: one line per remembered thing.</summary>
public static class LedgerTable
{
    public static void Write(LedgerSnapshot ledger, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  window: {ledger.WindowHours}h before {ledger.Now:u}"));
        foreach (var p in ledger.Phases)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  attempts  {p.Phase}  {p.Count}  last {p.LastAt:u} ({p.SessionId})  {p.LastFingerprint}").TrimEnd());
        }

        foreach (var t in ledger.Timeouts)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  timeouts  {t.RunId}  {t.Count}  last {t.LastAt:u} ({t.SessionId})"));
        }

        foreach (var r in ledger.StoppedRuns)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  stopped   {r.RunId}  {r.Reason}  {r.At:u} ({r.SessionId})  {r.Fingerprint}").TrimEnd());
        }

        foreach (var f in ledger.StoppedFingerprints)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  stopped   {f.RunId}  fingerprint  {f.At:u} ({f.SessionId})  {f.Fingerprint}"));
        }

        if (ledger.RunsSkipped.Count > 0)
        {
            output.WriteLine($"  skipped now: {string.Join(", ", ledger.RunsSkipped)}");
        }
    }
}
