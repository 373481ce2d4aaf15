namespace FedFace.Benchmarks.SecureAggregation;

/// <summary>
/// Issue 23's secure-aggregation figures: per dropout rate, one whole SecAgg+ round in process (every site's client,
/// every message through its bytes: <see cref="SecAggBenchRound"/>), and the server's unmasking time against the
/// keystream bound — the bytes the round requires (<see cref="RequiredKeystream"/>) at the raw AES-CTR keystream speed
/// <see cref="PrgBenchmark"/> measures on one thread right after the round.
/// </summary>
public static class SecureAggregationScaleBenchmark
{
    public const double Goal = 1.5;

    /// <param name="saveSoFar">called after each round with the section so far, so a long run keeps what it measured.</param>
    public static async Task<ScaleSection> RunAsync(MachineInfo machine, int sites, int dimension, IReadOnlyList<double> dropouts, int prgPairs,
        Func<ScaleSection, Task> saveSoFar)
    {
        Console.WriteLine("Warm-up round (12 sites, 50,000 elements, not reported)");
        SecAggBenchRound.Run(new RoundPlan(12, 50_000, RoundPlan.Spread(0.3), ClientParallelism: 1, MaskThreads: 0, Seed: 1));

        var rounds = new Dictionary<string, ScaleRound>();
        ScaleSection section = null!;
        foreach (double rate in dropouts)
        {
            Console.WriteLine($"{sites:N0} sites x {dimension:N0} elements, {rate:P0} dropping (spread over the stages) ...");
            GC.Collect();
            RoundFigures figures = SecAggBenchRound.Run(new RoundPlan(sites, dimension, RoundPlan.Spread(rate), ClientParallelism: Environment.ProcessorCount,
                MaskThreads: 1, Seed: 23_000 + (int)(rate * 100)));
            // The PRG is timed right after the round, so that the bound and the unmasking it is set against see the
            // machine in about the same state (it is shared).
            PrgFigures prg = await PrgBenchmark.RunAsync(prgPairs);
            ScaleRound round = ScaleRound.From(figures, rate, prg);
            Console.WriteLine($"  server unmask {round.ServerUnmaskSeconds} s on {round.ServerThreads} threads; required keystream {round.RequiredKeystreamGb} GB "
                + $"= {round.KeystreamBoundSeconds} s at {prg.RawKeystreamGbPerS} GB/s on one thread; x{round.RatioToKeystreamBound} (goal {Goal}); {round.Breakdown}");
            rounds[$"{rate * 100:0}%"] = round;
            section = Section(machine, sites, rounds);
            await saveSoFar(section);
        }
        return section;
    }

    private static ScaleSection Section(MachineInfo machine, int sites, Dictionary<string, ScaleRound> rounds) => new(
        Date: DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
        Commit: "",
        Dirty: false,
        Machine: machine,
        LoadAverageAtEnd: File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown",
        Method: $"One SecAgg+ round per dropout rate: {sites:N0} sites, each its own SecAggClient, with the server (SecAggServer) in this process "
            + "through InProcessSecAggRound (every message crosses as its bytes); a third of the rate drops after advertising keys, a third after "
            + "sharing keys (their mask keys are rebuilt and their pairwise masks removed), a third after sending the masked input. Synthetic deltas "
            + "uniform in ±0.01; sites mask on one thread each, as many at once as there are cores; the server unmasks on every core. "
            + "server_unmask_seconds = the server's unmask stage (taking every survivor's revealed shares, then CloseUnmask: rebuilding secrets, "
            + "key agreements, mask expansion, decoding), wall clock. required_keystream_gb = (survivors + pairs of a dropped-after-sharing site and a "
            + "surviving neighbour, counted on the round's graph) x the masked vector's bytes. keystream_bound_seconds = those bytes at "
            + "prg_keystream_gb_per_s, the raw AES-128-CTR keystream speed of AesCtrKeystream.Generate on one thread, timed (PrgBenchmark) right after "
            + "the round; ratio_to_keystream_bound = server_unmask_seconds / keystream_bound_seconds; ratio_to_keystream_bound_on_server_threads divides "
            + "the bound by the server's threads as well (the stricter reading). close_unmask_cpu_seconds = the process's CPU time (every thread) "
            + "while the server closed the unmask stage (nothing else runs then); cpu_ratio_to_keystream_bound = (receiving the shares + that CPU "
            + "time) / keystream_bound_seconds: what the unmasking costs in core-seconds against the keystream's, which other work on the machine "
            + $"does not inflate the way it does wall-clock time. Goal: ratio <= {Goal}. Single measurements on a shared machine: see the load averages.",
        Goal: Goal,
        Rounds: new Dictionary<string, ScaleRound>(rounds));
}

/// <summary>The "secure_aggregation" section of lab/results/scale.json.</summary>
public sealed record ScaleSection(string Date, string Commit, bool Dirty, MachineInfo Machine, string LoadAverageAtEnd, string Method,
    double Goal, Dictionary<string, ScaleRound> Rounds);

/// <summary>Where the server's unmasking time went, in seconds.</summary>
public sealed record UnmaskBreakdown(double ReceiveShares, double Reconstruct, double KeyAgreement, double Expansion, double Decode)
{
    public override string ToString() =>
        $"receive {ReceiveShares} s, reconstruct {Reconstruct} s, key agreement {KeyAgreement} s, expansion {Expansion} s, decode {Decode} s";
}

/// <summary>One round of the scale benchmark.</summary>
public sealed record ScaleRound(int SitesRegistered, int SitesPerRound, int Dimension, double DropoutRate, Dictionary<string, int> DroppedBeforeStage,
    int Contributors, int NeighbourCount, int Threshold, int SelfMasks, int PairwiseMasks, double ServerUnmaskSeconds, double RequiredKeystreamGb,
    double KeystreamBoundSeconds, double RatioToKeystreamBound, double RatioToKeystreamBoundOnServerThreads, double CloseUnmaskCpuSeconds,
    double CpuRatioToKeystreamBound, bool GoalMet, UnmaskBreakdown Breakdown,
    int ServerThreads, bool ExactSumEqual, double MaxAbsErrorVsPlain, double ServerSecondsAllStages, double PlainFedAvgFoldSeconds, double WallSeconds,
    string LoadAverageAfter, double PrgKeystreamGbPerS, PrgFigures Prg)
{
    public static ScaleRound From(RoundFigures figures, double rate, PrgFigures prg)
    {
        UnmaskCostsOrThrow(figures, out Core.SecureAggregation.UnmaskCosts costs);
        double unmask = figures.ServerMsPerStage[nameof(Core.SecureAggregation.SecAggStage.Unmask)] / 1000;
        double bound = figures.RequiredKeystreamBytes / (prg.RawKeystreamGbPerS * 1e9);
        double ratio = unmask / bound;
        return new ScaleRound(
            SitesRegistered: figures.Sites,
            SitesPerRound: figures.Sites,
            Dimension: figures.Dimension,
            DropoutRate: rate,
            DroppedBeforeStage: figures.DroppedBeforeStage,
            Contributors: figures.Contributors,
            NeighbourCount: figures.NeighbourCount,
            Threshold: figures.Threshold,
            SelfMasks: costs.SelfMasks,
            PairwiseMasks: costs.PairwiseMasks,
            ServerUnmaskSeconds: Round(unmask),
            RequiredKeystreamGb: Round(figures.RequiredKeystreamBytes / 1e9),
            KeystreamBoundSeconds: Round(bound),
            RatioToKeystreamBound: Math.Round(ratio, 2),
            RatioToKeystreamBoundOnServerThreads: Math.Round(ratio * costs.Threads, 2),
            CloseUnmaskCpuSeconds: Round(figures.UnmaskCloseCpuSeconds),
            CpuRatioToKeystreamBound: Math.Round((unmask - costs.TotalSeconds + figures.UnmaskCloseCpuSeconds) / bound, 2),
            GoalMet: ratio <= SecureAggregationScaleBenchmark.Goal,
            Breakdown: new UnmaskBreakdown(Round(unmask - costs.TotalSeconds), Round(costs.ReconstructSeconds), Round(costs.KeyAgreementSeconds),
                Round(costs.ExpansionSeconds), Round(costs.DecodeSeconds)),
            ServerThreads: costs.Threads,
            ExactSumEqual: figures.ExactSumEqual,
            MaxAbsErrorVsPlain: figures.MaxAbsErrorVsPlain,
            ServerSecondsAllStages: Round(figures.ServerMs / 1000),
            PlainFedAvgFoldSeconds: Round(figures.PlainFedAvgFoldMs / 1000),
            WallSeconds: figures.WallSeconds,
            LoadAverageAfter: File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown",
            PrgKeystreamGbPerS: prg.RawKeystreamGbPerS,
            Prg: prg);
    }

    private static void UnmaskCostsOrThrow(RoundFigures figures, out Core.SecureAggregation.UnmaskCosts costs)
    {
        costs = figures.Unmask ?? throw new InvalidOperationException("the round completed without the server's unmask costs");
        long generated = costs.KeystreamBytes;
        if (generated != figures.RequiredKeystreamBytes)
            Console.WriteLine($"  note: the server generated {generated:N0} keystream bytes, the graph requires {figures.RequiredKeystreamBytes:N0}");
    }

    private static double Round(double seconds) => Math.Round(seconds, 3);
}
