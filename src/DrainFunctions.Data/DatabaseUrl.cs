using System.Globalization;
using System.Text;
using DrainFunctions.Core.Ports;
using Npgsql;

namespace DrainFunctions.Data;

public enum DatabaseKind
{
    PostgreSql,
    Sqlite,
}

/// <summary>DATABASE_URL is missing or cannot be understood. The message never contains a password.</summary>
public sealed class DatabaseUrlException : Exception
{
    public const string Examples =
        "Examples:\n" +
        "  DATABASE_URL=postgresql://user:password@host:5432/autopack\n" +
        "  DATABASE_URL=postgresql+psycopg2://user:password@host:5432/autopack?sslmode=require\n" +
        "  DATABASE_URL=postgres://user:password@host:5432/autopack\n" +
        "  DATABASE_URL=sqlite:///autopack.db          (relative to the current directory)\n" +
        "  DATABASE_URL=sqlite:////var/lib/autopack/autopack.db   (absolute path)";

    public DatabaseUrlException()
        : this("DATABASE_URL is not valid")
    {
    }

    public DatabaseUrlException(string problem)
        : base($"{problem}.\n{Examples}")
    {
        Problem = problem;
    }

    public DatabaseUrlException(string problem, Exception innerException)
        : base($"{problem}.\n{Examples}", innerException)
    {
        Problem = problem;
    }

    /// <summary>The problem alone, without the examples.</summary>
    public string Problem { get; } = string.Empty;
}

/// <summary>
/// A parsed <c>DATABASE_URL</c> in Autopack's forms: <c>postgresql://</c>, <c>postgresql+psycopg2://</c>,
/// <c>postgres://</c>, <c>sqlite:///relative.db</c> and <c>sqlite:////abs/path.db</c>.
/// </summary>
public sealed class DatabaseUrl
{
    public const string EnvironmentVariable = "DATABASE_URL";

    private static readonly string[] PostgresSchemes = ["postgresql", "postgresql+psycopg2", "postgresql+psycopg", "postgresql+asyncpg", "postgres"];

    private DatabaseUrl(DatabaseKind kind, string masked, string? connectionString, string? sqlitePath, string backlog)
    {
        Kind = kind;
        Masked = masked;
        Backlog = new BacklogIdentity(backlog);
        PostgresConnectionString = connectionString;
        SqlitePath = sqlitePath;
    }

    public DatabaseKind Kind { get; }

    /// <summary>The backlog this URL names, without credentials (scheme, host, port, database; a SQLite file's absolute path).</summary>
    public BacklogIdentity Backlog { get; }

    /// <summary>The URL with the password replaced by <c>***</c>: safe to print.</summary>
    public string Masked { get; }

    /// <summary>Npgsql connection string (PostgreSQL only). Contains the password: never print it.</summary>
    internal string? PostgresConnectionString { get; }

    /// <summary>Absolute path of the database file (SQLite only).</summary>
    public string? SqlitePath { get; }

    public override string ToString() => Masked;

    /// <summary>Reads <c>DATABASE_URL</c> from the environment.</summary>
    public static DatabaseUrl FromEnvironment() => Parse(Environment.GetEnvironmentVariable(EnvironmentVariable));

    public static DatabaseUrl Parse(string? url) => Parse(url, Directory.GetCurrentDirectory());

    /// <summary>Parses <paramref name="url"/>; a relative SQLite path is resolved against <paramref name="currentDirectory"/>.</summary>
    public static DatabaseUrl Parse(string? url, string currentDirectory)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new DatabaseUrlException("DATABASE_URL is not set; it must name the Autopack database explicitly");
        }

        url = url.Trim();
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            throw new DatabaseUrlException("DATABASE_URL is not a URL (expected scheme://...)");
        }

        var scheme = url[..schemeEnd].ToLowerInvariant();
        var rest = url[(schemeEnd + 3)..];
        if (scheme == "sqlite" || scheme.StartsWith("sqlite+", StringComparison.Ordinal))
        {
            return ParseSqlite(scheme, rest, currentDirectory);
        }

        if (PostgresSchemes.Contains(scheme))
        {
            return ParsePostgres(scheme, rest);
        }

        throw new DatabaseUrlException($"DATABASE_URL has an unsupported scheme '{SafeScheme(scheme)}' (supported: postgresql, postgresql+psycopg2, postgres, sqlite)");
    }

    private static string SafeScheme(string scheme) => scheme.Length > 30 || scheme.Contains('@', StringComparison.Ordinal) ? scheme[..Math.Min(10, scheme.Length)] + "..." : scheme;

    private static DatabaseUrl ParseSqlite(string scheme, string rest, string currentDirectory)
    {
        // SQLAlchemy: sqlite:/// + path; the path is relative unless it starts with a further '/'.
        var query = rest.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            rest = rest[..query];
        }

        if (!rest.StartsWith('/'))
        {
            throw new DatabaseUrlException("a SQLite DATABASE_URL has three slashes before a relative path (sqlite:///autopack.db) and four before an absolute one (sqlite:////abs/path.db)");
        }

        var path = Uri.UnescapeDataString(rest[1..]);
        if (path.Length == 0 || path == ":memory:")
        {
            throw new DatabaseUrlException("a SQLite DATABASE_URL must name a database file (an in-memory database holds no backlog)");
        }

        var full = Path.IsPathRooted(path) ? Path.GetFullPath(path) : Path.GetFullPath(Path.Combine(currentDirectory, path));
        return new DatabaseUrl(DatabaseKind.Sqlite, $"{scheme}:///{path}", null, full, "sqlite:///" + full);
    }

    private static DatabaseUrl ParsePostgres(string scheme, string rest)
    {
        string? queryString = null;
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            queryString = rest[(q + 1)..];
            rest = rest[..q];
        }

        var at = rest.LastIndexOf('@');
        var userInfo = at >= 0 ? rest[..at] : null;
        var afterUser = at >= 0 ? rest[(at + 1)..] : rest;
        var slash = afterUser.IndexOf('/', StringComparison.Ordinal);
        var hostPort = slash >= 0 ? afterUser[..slash] : afterUser;
        var database = slash >= 0 ? Decode(afterUser[(slash + 1)..], "database name") : string.Empty;

        string? user = null;
        string? password = null;
        if (userInfo is not null)
        {
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            user = Decode(colon >= 0 ? userInfo[..colon] : userInfo, "user name");
            password = colon >= 0 ? Decode(userInfo[(colon + 1)..], "password") : null;
        }

        string host;
        int? port = null;
        if (hostPort.StartsWith('['))
        {
            var close = hostPort.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new DatabaseUrlException("DATABASE_URL has an unterminated IPv6 host ('[' without ']')");
            }

            host = hostPort[1..close];
            var tail = hostPort[(close + 1)..];
            if (tail.Length > 0)
            {
                port = tail.StartsWith(':') ? ParsePort(tail[1..]) : throw new DatabaseUrlException("DATABASE_URL has text after the IPv6 host that is not a port");
            }
        }
        else
        {
            var colon = hostPort.LastIndexOf(':');
            host = colon >= 0 ? hostPort[..colon] : hostPort;
            if (colon >= 0)
            {
                port = ParsePort(hostPort[(colon + 1)..]);
            }
        }

        host = Decode(host, "host");
        if (host.Length == 0)
        {
            throw new DatabaseUrlException("a PostgreSQL DATABASE_URL must name a host (postgresql://user:password@host:5432/db)");
        }

        if (database.Length == 0 || database.Contains('/', StringComparison.Ordinal))
        {
            throw new DatabaseUrlException("a PostgreSQL DATABASE_URL must name one database after the host (postgresql://user:password@host:5432/db)");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port ?? 5432,
            Database = database,
        };
        if (!string.IsNullOrEmpty(user))
        {
            builder.Username = user;
        }

        if (password is not null)
        {
            builder.Password = password;
        }

        if (!string.IsNullOrEmpty(queryString))
        {
            ApplyQuery(builder, queryString);
        }

        var hostText = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
        var userText = string.IsNullOrEmpty(user) ? string.Empty : password is null ? $"{Uri.EscapeDataString(user)}@" : $"{Uri.EscapeDataString(user)}:***@";
        var masked = $"{scheme}://{userText}{hostText}:{port ?? 5432}/{Uri.EscapeDataString(database)}";
        // postgresql+psycopg2:// and postgres:// name the same database as postgresql://.
        var backlog = $"postgresql://{hostText.ToLowerInvariant()}:{port ?? 5432}/{Uri.EscapeDataString(database)}";
        return new DatabaseUrl(DatabaseKind.PostgreSql, masked, builder.ConnectionString, null, backlog);
    }

    private static void ApplyQuery(NpgsqlConnectionStringBuilder builder, string query)
    {
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Decode(eq >= 0 ? pair[..eq] : pair, "query parameter").ToLowerInvariant();
            var value = eq >= 0 ? Decode(pair[(eq + 1)..], "query parameter") : string.Empty;
            switch (key)
            {
                case "sslmode":
                    builder.SslMode = value.ToLowerInvariant() switch
                    {
                        "disable" => SslMode.Disable,
                        "allow" => SslMode.Allow,
                        "prefer" => SslMode.Prefer,
                        "require" => SslMode.Require,
                        "verify-ca" => SslMode.VerifyCA,
                        "verify-full" => SslMode.VerifyFull,
                        _ => throw new DatabaseUrlException($"DATABASE_URL has an unknown sslmode '{value}' (disable, allow, prefer, require, verify-ca, verify-full)"),
                    };
                    break;
                case "sslrootcert":
                    builder.RootCertificate = value;
                    break;
                case "sslcert":
                    builder.SslCertificate = value;
                    break;
                case "sslkey":
                    builder.SslKey = value;
                    break;
                case "connect_timeout":
                    builder.Timeout = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
                        ? seconds
                        : throw new DatabaseUrlException("DATABASE_URL has a connect_timeout that is not a number of seconds");
                    break;
                case "application_name":
                    builder.ApplicationName = value;
                    break;
                case "options":
                    builder.Options = value;
                    break;
                case "target_session_attrs":
                    builder.TargetSessionAttributes = value;
                    break;
                default:
                    throw new DatabaseUrlException($"DATABASE_URL has an unsupported query parameter '{key}' (supported: sslmode, sslrootcert, sslcert, sslkey, connect_timeout, application_name, options, target_session_attrs)");
            }
        }
    }

    private static int ParsePort(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new DatabaseUrlException("DATABASE_URL has a port that is not a number between 1 and 65535");

    private static string Decode(string text, string what)
    {
        try
        {
            // Strict percent-decoding: a '%' must start a valid escape and the bytes must be UTF-8.
            var bytes = new List<byte>(text.Length);
            var pending = new StringBuilder();
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] == '%')
                {
                    if (i + 2 >= text.Length || !byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                    {
                        throw new DatabaseUrlException($"DATABASE_URL has an invalid percent-escape in the {what}");
                    }

                    bytes.AddRange(Encoding.UTF8.GetBytes(pending.ToString()));
                    pending.Clear();
                    bytes.Add(b);
                    i += 2;
                }
                else
                {
                    pending.Append(text[i]);
                }
            }

            bytes.AddRange(Encoding.UTF8.GetBytes(pending.ToString()));
            return new UTF8Encoding(false, true).GetString([.. bytes]);
        }
        catch (DecoderFallbackException)
        {
            throw new DatabaseUrlException($"DATABASE_URL has a {what} that is not valid UTF-8 after percent-decoding");
        }
    }
}
