namespace FedFace.Aggregator.Tests.Kit;

/// <summary>Waiting on conditions instead of sleeping: poll briefly until true, fail with a description at the timeout.</summary>
public static class Eventually
{
    /// <summary>Generous bound for anything that happens on loopback; a test waits this long only when it is failing.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static async Task TrueAsync(Func<bool> condition, TimeSpan timeout, Func<string> describeFailure)
    {
        DateTime giveUp = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > giveUp)
            {
                throw new TimeoutException($"after {timeout.TotalSeconds:F0}s: {describeFailure()}");
            }
            await Task.Delay(20);
        }
    }
}
