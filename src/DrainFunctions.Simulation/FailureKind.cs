namespace DrainFunctions.Simulation;

/// <summary>The failure kinds that a run shares (each maps to one selection category).</summary>
public enum FailureKind
{
    Import,
    Collection,
    Deliverable,
    Patch,
    Schema,
}
