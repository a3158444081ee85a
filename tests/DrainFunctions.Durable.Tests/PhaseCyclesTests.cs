using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Telemetry;

namespace DrainFunctions.Durable.Tests;

/// <summary>The controller's overhead per phase as the save activity measures it (<see cref="PhaseCycles"/>).</summary>
public sealed class PhaseCyclesTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static string NewSession() => "batch-drain-cycles-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public void Overhead_ResultsAfterTheHeader_AreTheTimeBetweenSavesLessTheExecutorsTime()
    {
        var session = NewSession();
        PhaseCycles.Started(session, Start);

        var first = PhaseCycles.Overhead(session, new DrainResult { SubprocessDurationSeconds = 2 }, 0, Start.AddSeconds(2.5));
        var second = PhaseCycles.Overhead(session, new DrainResult { SubprocessDurationSeconds = 1 }, 1, Start.AddSeconds(3.75));

        Assert.Equal(0.5, first!.Value, 6);
        Assert.Equal(0.25, second!.Value, 6);
    }

    [Fact]
    public void Overhead_SameResultSavedAgain_IsNotMeasured()
    {
        var session = NewSession();
        PhaseCycles.Started(session, Start);
        PhaseCycles.Overhead(session, new DrainResult { SubprocessDurationSeconds = 1 }, 0, Start.AddSeconds(2));

        Assert.Null(PhaseCycles.Overhead(session, new DrainResult { SubprocessDurationSeconds = 1 }, 0, Start.AddSeconds(3)));
    }

    [Fact]
    public void Overhead_PreviousSaveInAnotherProcess_IsNotMeasured()
    {
        Assert.Null(PhaseCycles.Overhead(NewSession(), new DrainResult { SubprocessDurationSeconds = 1 }, 7, Start));
    }

    [Fact]
    public void Overhead_FirstResultOfEachSlot_StartsAtTheHeadersSave()
    {
        var session = NewSession();
        PhaseCycles.Started(session, Start);

        var slot1 = PhaseCycles.Overhead(session, new DrainResult { Slot = 1, SubprocessDurationSeconds = 1 }, 0, Start.AddSeconds(1.5));
        var slot2 = PhaseCycles.Overhead(session, new DrainResult { Slot = 2, SubprocessDurationSeconds = 2 }, 1, Start.AddSeconds(3));
        var slot1Again = PhaseCycles.Overhead(session, new DrainResult { Slot = 1, SubprocessDurationSeconds = 1 }, 2, Start.AddSeconds(4));

        Assert.Equal((0.5, 1.0, 1.5), (slot1!.Value, slot2!.Value, slot1Again!.Value));
    }
}
