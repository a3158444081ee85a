namespace DrainFunctions.Core.Tests.Golden;

/// <summary>Golden files live beside the tests and are copied to the output folder.</summary>
internal static class GoldenFile
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Golden", name);

    public static string Read(string name) => File.ReadAllText(Path(name)).ReplaceLineEndings("\n");
}
