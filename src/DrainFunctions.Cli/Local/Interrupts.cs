namespace DrainFunctions.Cli.Local;

/// <summary>
/// Ctrl-C as two steps: the first asks the drain to stop after the current phase, the second
/// stops the current phase too. Program wires it to Console.CancelKeyPress; tests call
/// <see cref="Request"/>.
/// </summary>
public sealed class Interrupts
{
    private int count;

    public int Count => Volatile.Read(ref count);

    public void Request() => Interlocked.Increment(ref count);
}
