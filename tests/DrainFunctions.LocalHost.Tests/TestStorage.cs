namespace DrainFunctions.LocalHost.Tests;

/// <summary>The Azurite that <c>./scripts/test.sh</c> starts; tests fail (never skip) without it.</summary>
internal static class TestStorage
{
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("DRAIN_TEST_AZURITE") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("DRAIN_TEST_AZURITE is not set: run the tests with ./scripts/test.sh, which starts Azurite.");

    /// <summary>A task hub of its own per test, so that tests never see each other's instances.</summary>
    public static string NewTaskHub() => "t" + Guid.NewGuid().ToString("N")[..16];
}
