using DrainFunctions.Cli;
using DrainFunctions.Cli.Local;

var interrupts = new Interrupts();
Console.CancelKeyPress += (_, e) =>
{
    // The drain decides what Ctrl-C means (stop after the phase, then stop the phase); a third one kills.
    interrupts.Request();
    e.Cancel = interrupts.Count <= 2;
};

// A service stop (SIGTERM) means the same as a first Ctrl-C: finish the phase, save, exit.
using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    interrupts.Request();
    context.Cancel = interrupts.Count <= 2;
});

return await DrainCli.RunAsync(args, Console.In, Console.Out, Console.Error, interrupts);
