namespace DrainFunctions.LocalHost.Tests;

public class InFlightCallsTests
{
    [Fact]
    public async Task WhenEndedAsync_CallUnderWay_EndsOnlyAfterIt()
    {
        var calls = new InFlightCalls();
        var call = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = calls.Track(call.Task);

        var ended = calls.WhenEndedAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(200);
        Assert.False(ended.IsCompleted);
        call.SetResult();

        Assert.True(await ended);
        Assert.Equal(0, calls.Count);
    }

    [Fact]
    public async Task WhenEndedAsync_CallEndsOnAnotherThread_CountIsZeroOnceItReturns()
    {
        // The race is between the waiter's wake-up and the bookkeeping of the ended call; it
        // lost once in CI and within 3,000 tries here before the waiter waited for the bookkeeping too.
        for (var attempt = 0; attempt < 3000; attempt++)
        {
            var calls = new InFlightCalls();
            var call = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _ = calls.Track(call.Task);

            var ended = calls.WhenEndedAsync(TimeSpan.FromSeconds(30));
            call.SetResult();

            Assert.True(await ended);
            Assert.Equal(0, calls.Count);
        }
    }

    [Fact]
    public async Task WhenEndedAsync_CallFails_EndsWithoutThrowingAndTheCallerSeesTheFailure()
    {
        var calls = new InFlightCalls();
        var call = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tracked = calls.Track(call.Task);

        call.SetException(new InvalidOperationException("storage away"));

        Assert.Same(call.Task, tracked);
        Assert.True(await calls.WhenEndedAsync(TimeSpan.FromSeconds(30)));
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => tracked);
        Assert.Equal("storage away", failure.Message);
    }

    [Fact]
    public async Task WhenEndedAsync_CallNeverEnds_FalseAfterTheLimit()
    {
        var calls = new InFlightCalls();
        _ = calls.Track(new TaskCompletionSource().Task);
        _ = calls.Track(Task.CompletedTask);

        Assert.False(await calls.WhenEndedAsync(TimeSpan.FromMilliseconds(200)));
        Assert.Equal(1, calls.Count);
    }

    [Fact]
    public async Task WhenEndedAsync_NothingUnderWay_TrueAtOnce()
    {
        var ended = new InFlightCalls().WhenEndedAsync(TimeSpan.FromDays(1));

        Assert.True(ended.IsCompleted);
        Assert.True(await ended);
    }
}
