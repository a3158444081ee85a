using System.Security.Cryptography;
using System.Text;

namespace DrainFunctions.Core.Ports;

/// <summary>
/// Which backlog a drain works on, without credentials: <c>postgresql://host:port/database</c> or
/// <c>sqlite:///absolute/path.db</c>. Everything remembered across sessions (the ledger, prior
/// attempts, <c>--resume</c>, the session list) is scoped by it, so that two databases with the
/// same run ids never see each other's history.
/// </summary>
public sealed record BacklogIdentity
{
    public BacklogIdentity(string canonical)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(canonical);
        Canonical = canonical;
        Key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..16];
    }

    /// <summary>The identity as people read it (no user, no password, no query).</summary>
    public string Canonical { get; }

    /// <summary>A short stable key for blob names and metadata (16 hex digits of SHA-256).</summary>
    public string Key { get; }

    public override string ToString() => Canonical;
}
