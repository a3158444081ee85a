using DrainFunctions.Cli.Local;

namespace DrainFunctions.Cli.Parsing;

/// <summary>What every command's action writes to and reads from, and the Ctrl-C counter.</summary>
public sealed record CliContext(TextReader Stdin, TextWriter Stdout, TextWriter Stderr, Interrupts Interrupts);
