namespace DrainFunctions.Dashboard;

/// <summary>One file of the dashboard: its name, its media type and its text.</summary>
public sealed record DashboardAsset(string Name, string ContentType, string Text);
