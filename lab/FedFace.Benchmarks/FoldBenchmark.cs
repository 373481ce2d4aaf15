using FedFace.Core;
using FedFace.Core.Aggregation;

namespace FedFace.Benchmarks;

/// <summary>
/// FedAvg folding (the real <see cref="FedAvgAccumulator.Fold"/>) of 100 updates of 1.2M parameters, against
/// copying the same 100 source arrays into one destination. 480 MB of updates do not fit a core's cache, so
/// both read from memory: the copy is the ceiling for a pass that must read every update once.
/// </summary>
public static class FoldBenchmark
{
    public const int Updates = 100;

    public static async Task<(Comparison Fold, Steadiness Steadiness)> RunAsync(int pairs)
    {
        ModelState layout = BenchModel.Create(seed: 0);
        ModelState[] updates = [.. Enumerable.Range(1, Updates).Select(BenchModel.Create)];
        float[][] copyTargets = [.. layout.Tensors.Select(t => new float[t.Values.Length])];
        var comparison = new Comparison("fold", Updates * layout.DataBytes, 1e9, "GB/s");
        Console.WriteLine($"Fold: {Updates} updates x {layout.ParameterCount:N0} parameters = {comparison.BytesPerRun / 1e6:F0} MB per pass; "
            + "peer = Span.CopyTo of the same arrays");

        // One accumulator for every pass, as the copy has one destination: a round allocates its sum once, and
        // the first touch of those fresh pages is the allocator's cost, not folding's.
        var accumulator = new FedAvgAccumulator(layout);
        (double Copy, double Fold) Pair()
        {
            double copy = Clock.Time(() => CopyAll(updates, copyTargets));
            return (copy, Clock.Time(() => FoldAll(updates, accumulator)));
        }

        int warmUp = await Steadiness.WarmUpAsync(() => Task.FromResult(Pair()), minPasses: 5, maxPasses: 20, settledMethodsPerPass: 0);
        Steadiness steadiness = await Steadiness.MeasureAsync(warmUp, () =>
        {
            for (int pair = 1; pair <= pairs; pair++)
            {
                (double copy, double fold) = Pair();
                comparison.Add(copy, fold, pair, pairs);
            }
            return Task.CompletedTask;
        });
        return (comparison, steadiness);
    }

    private static void CopyAll(ModelState[] updates, float[][] targets)
    {
        foreach (ModelState update in updates)
        {
            for (int i = 0; i < targets.Length; i++)
            {
                update.Tensors[i].Values.AsSpan().CopyTo(targets[i]);
            }
        }
    }

    private static void FoldAll(ModelState[] updates, FedAvgAccumulator accumulator)
    {
        for (int i = 0; i < updates.Length; i++)
        {
            accumulator.Fold(updates[i], exampleCount: 10 + i);
        }
    }
}
