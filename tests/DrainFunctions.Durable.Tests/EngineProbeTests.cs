using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;

namespace DrainFunctions.Durable.Tests;

public sealed class EngineProbeTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Probe(int variant)
    {
        await using var host = await DurableTaskTestHost.StartAsync(r =>
        {
            r.AddActivityFunc<string, string>("A", (ctx, input) => Task.FromResult("done"));
            r.AddOrchestratorFunc<string, string>("O", async (ctx, input) =>
            {
                using var cts = new CancellationTokenSource();
                var a = ctx.CallActivityAsync<string>("A", "x");
                Task winner;
                switch (variant)
                {
                    case 0:
                        winner = await Task.WhenAny(a, ctx.CreateTimer(TimeSpan.FromSeconds(30), cts.Token));
                        break;
                    case 1:
                        winner = await Task.WhenAny(a, ctx.CreateTimer(TimeSpan.FromMinutes(15), cts.Token));
                        break;
                    case 2:
                        winner = await Task.WhenAny(a, ctx.CreateTimer(ctx.CurrentUtcDateTime.AddSeconds(30), cts.Token), ctx.WaitForExternalEvent<string>("cancel"));
                        break;
                    default:
                        winner = await Task.WhenAny(a, ctx.WaitForExternalEvent<string>("cancel"));
                        break;
                }

                cts.Cancel();
                return winner == a ? await a : "other";
            });
        });
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("O", "in");
        using var t = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var meta = await host.Client.WaitForInstanceCompletionAsync(id, true, t.Token);
        Assert.Equal("\"done\"", meta.SerializedOutput);
    }
}
