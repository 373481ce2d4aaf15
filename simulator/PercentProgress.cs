namespace FedFace.Simulator;

/// <summary>Prints a line at every 10% of a long step (thread-safe: workers report concurrently).</summary>
public sealed class PercentProgress(TextWriter output, int total) : IProgress<int>
{
    private int _lastDecile;

    public void Report(int done)
    {
        int decile = total == 0 ? 10 : done * 10 / total;
        int previous = Volatile.Read(ref _lastDecile);
        if (decile > previous && Interlocked.CompareExchange(ref _lastDecile, decile, previous) == previous)
        {
            output.WriteLine($"  {decile * 10}%");
        }
    }
}
