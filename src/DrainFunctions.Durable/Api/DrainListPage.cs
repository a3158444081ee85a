namespace DrainFunctions.Durable.Api;

/// <summary>One page of <c>GET /api/drains</c>: the drains, and the last session read when more remain (null: the last page).</summary>
public sealed record DrainListPage(IReadOnlyList<DrainView> Drains, string? LastRead);
