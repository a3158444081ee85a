using Npgsql;

namespace DrainFunctions.Data.Tests;

public sealed class DatabaseUrlTests
{
    private static NpgsqlConnectionStringBuilder Pg(DatabaseUrl url) => new(url.PostgresConnectionString);

    [Theory]
    [InlineData("postgresql://autopack:secret@db:5432/autopack", "postgresql://autopack:***@db:5432/autopack")]
    [InlineData("postgresql+psycopg2://autopack:secret@db:5432/autopack", "postgresql+psycopg2://autopack:***@db:5432/autopack")]
    [InlineData("postgres://autopack:secret@db/autopack", "postgres://autopack:***@db:5432/autopack")]
    public void Parse_PostgresForms_ConnectsAndMasks(string text, string masked)
    {
        var url = DatabaseUrl.Parse(text);

        Assert.Equal(DatabaseKind.PostgreSql, url.Kind);
        Assert.Equal(masked, url.Masked);
        Assert.Equal(masked, url.ToString());
        var builder = Pg(url);
        Assert.Equal(("db", 5432, "autopack", "autopack", "secret"), (builder.Host, builder.Port, builder.Database, builder.Username, builder.Password));
    }

    [Theory]
    [InlineData("postgresql://autopack:secret@db:5432/autopack")]
    [InlineData("postgresql+psycopg2://other:pw@DB/autopack")]
    [InlineData("postgres://db:5432/autopack?sslmode=require")]
    public void Backlog_SameDatabaseAnyCredentialsOrScheme_OneIdentityWithoutSecrets(string text)
    {
        var backlog = DatabaseUrl.Parse(text).Backlog;

        Assert.Equal("postgresql://db:5432/autopack", backlog.Canonical);
        Assert.Equal(DatabaseUrl.Parse("postgresql://db/autopack").Backlog.Key, backlog.Key);
        Assert.Matches("^[0-9a-f]{16}$", backlog.Key);
        Assert.DoesNotContain("secret", backlog.Canonical, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgresql://db:5432/autopack", "postgresql://db:5433/autopack")]
    [InlineData("postgresql://db:5432/autopack", "postgresql://db2:5432/autopack")]
    [InlineData("postgresql://db:5432/autopack", "postgresql://db:5432/autopack2")]
    [InlineData("sqlite:////tmp/a/autopack.db", "sqlite:////tmp/b/autopack.db")]
    public void Backlog_DifferentDatabase_DifferentIdentity(string one, string other)
    {
        Assert.NotEqual(DatabaseUrl.Parse(one).Backlog.Key, DatabaseUrl.Parse(other).Backlog.Key);
    }

    [Fact]
    public void Backlog_SqliteRelativeAndAbsolute_SameFileSameIdentity()
    {
        var relative = DatabaseUrl.Parse("sqlite:///data/autopack.db", "/srv/autopack").Backlog;
        var absolute = DatabaseUrl.Parse("sqlite:////srv/autopack/data/autopack.db", "/elsewhere").Backlog;

        Assert.Equal("sqlite:////srv/autopack/data/autopack.db", relative.Canonical);
        Assert.Equal(absolute, relative);
    }

    [Fact]
    public void Parse_PercentEncodedCredentials_Decoded()
    {
        var url = DatabaseUrl.Parse("postgresql://auto%40pack:p%3Ass%2Fw%40rd%25@db.example.com:6543/my%20db");

        var builder = Pg(url);
        Assert.Equal(("auto@pack", "p:ss/w@rd%", "my db", 6543), (builder.Username, builder.Password, builder.Database, builder.Port));
        Assert.Equal("postgresql://auto%40pack:***@db.example.com:6543/my%20db", url.Masked);
    }

    [Fact]
    public void Parse_QueryParameters_MappedToNpgsql()
    {
        var url = DatabaseUrl.Parse("postgresql://u:p@[::1]:5433/d?sslmode=require&connect_timeout=7&application_name=drain");

        var builder = Pg(url);
        Assert.Equal((SslMode.Require, 7, "drain", "::1", 5433), (builder.SslMode, builder.Timeout, builder.ApplicationName, builder.Host, builder.Port));
        Assert.Equal("postgresql://u:***@[::1]:5433/d", url.Masked);
    }

    [Fact]
    public void Parse_SqliteRelative_ResolvedAgainstCurrentDirectory()
    {
        var url = DatabaseUrl.Parse("sqlite:///data/autopack.db", "/work/project");

        Assert.Equal(DatabaseKind.Sqlite, url.Kind);
        Assert.Equal("/work/project/data/autopack.db", url.SqlitePath);
        Assert.Equal("sqlite:///data/autopack.db", url.Masked);
    }

    [Fact]
    public void Parse_SqliteAbsolute_KeptAbsolute()
    {
        var url = DatabaseUrl.Parse("sqlite:////var/lib/autopack/autopack.db", "/work/project");

        Assert.Equal("/var/lib/autopack/autopack.db", url.SqlitePath);
        Assert.Equal("sqlite:////var/lib/autopack/autopack.db", url.Masked);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("autopack.db")]
    [InlineData("mysql://root:hunter2@db/autopack")]
    [InlineData("postgresql://autopack:hunter2@/autopack")]
    [InlineData("postgresql://autopack:hunter2@db:99999/autopack")]
    [InlineData("postgresql://autopack:hunter2@db:5432")]
    [InlineData("postgresql://autopack:hunter2@db:5432/autopack?sslmode=sometimes")]
    [InlineData("postgresql://autopack:hunter2@db:5432/autopack?password=hunter2")]
    [InlineData("postgresql://autopack:hunter2%zz@db:5432/autopack")]
    [InlineData("sqlite://autopack.db")]
    [InlineData("sqlite://")]
    [InlineData("sqlite:///:memory:")]
    public void Parse_BadUrl_ExplainsWithExamplesAndNeverShowsPassword(string? text)
    {
        var error = Assert.Throws<DatabaseUrlException>(() => DatabaseUrl.Parse(text));

        Assert.Contains("postgresql://user:password@host:5432/autopack", error.Message, StringComparison.Ordinal);
        Assert.Contains("postgresql+psycopg2://", error.Message, StringComparison.Ordinal);
        Assert.Contains("postgres://", error.Message, StringComparison.Ordinal);
        Assert.Contains("sqlite:///autopack.db", error.Message, StringComparison.Ordinal);
        Assert.Contains("sqlite:////", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Missing_SaysItMustBeSet()
    {
        var error = Assert.Throws<DatabaseUrlException>(() => DatabaseUrl.Parse(null));

        Assert.Contains("DATABASE_URL is not set", error.Message, StringComparison.Ordinal);
    }
}
