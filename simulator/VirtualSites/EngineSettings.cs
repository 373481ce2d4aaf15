namespace FedFace.Simulator.VirtualSites;

/// <summary>Simulation only (section Engine): how the virtual-site engine runs the sampled sites' rounds.</summary>
public sealed class EngineSettings
{
    public const string WorkNames = "train, synthetic or replay";

    /// <summary>
    /// Workers, each with one network reused for every site it trains (0 = for training one, its libtorch threads on every
    /// core: on 2 cores the demo's rounds took 61–117 s so against 119–185 s with two workers of one thread each, at 3.9
    /// against 5.6 GB; for untrained sites, one per core).
    /// </summary>
    public int Workers { get; set; }

    /// <summary>libtorch intra-op threads (0 = the cores shared out among the workers, at least 1).</summary>
    public int TorchThreads { get; set; }

    /// <summary>
    /// What a sampled site computes: train (its faces, on a worker's network), synthetic (a seeded Gaussian delta shaped
    /// like the global model, no training) or replay (the deltas a --engine-record-updates run wrote).
    /// </summary>
    public string SiteWork { get; set; } = "train";

    /// <summary>Write every site's delta, before protection, to this folder (round-N/SITE.ffm), for a later replay run; empty = off.</summary>
    public string RecordUpdates { get; set; } = "";

    /// <summary>With SiteWork replay: the folder a recording run wrote.</summary>
    public string ReplayUpdates { get; set; } = "";

    /// <summary>Synthetic deltas: the standard deviation of every coordinate.</summary>
    public float SyntheticStandardDeviation { get; set; } = 1e-3f;

    /// <summary>Synthetic and replayed sites: the example count each declares (its FedAvg weight).</summary>
    public int SyntheticExamples { get; set; } = 5;

    /// <summary>Plain rounds: at most this many sites' rounds in flight at once (0 = four per worker); secure rounds run every sampled site at once, as SecAgg+ needs.</summary>
    public int ConcurrentSites { get; set; }

    /// <summary>
    /// Training sites of many: each holds this many LFW training people, drawn from a pool where every face is aligned once
    /// (cached on disk beside the run folders) and people are reused across sites when there are too few (0 = the
    /// person-disjoint partition of the data settings, faces kept per site).
    /// </summary>
    public int PeoplePerSite { get; set; }

    /// <summary>Run the sites in this many worker processes (fedface-simulator worker, each a slice), not in this one (0 = in this one).</summary>
    public int WorkerProcesses { get; set; }

    internal int WorkerCount => Workers > 0 ? Workers : Kind == SiteWorkKind.Train ? 1 : Environment.ProcessorCount;

    /// <summary>Each worker's training threads: more threads than cores in all only adds contention.</summary>
    internal int TorchThreadCount => TorchThreads > 0 ? TorchThreads : Math.Max(1, Environment.ProcessorCount / WorkerCount);

    internal int ConcurrentSiteCount => ConcurrentSites > 0 ? ConcurrentSites : 4 * WorkerCount;

    internal SiteWorkKind Kind => SiteWork.Trim().ToLowerInvariant() switch
    {
        "train" => SiteWorkKind.Train,
        "synthetic" => SiteWorkKind.Synthetic,
        "replay" => SiteWorkKind.Replay,
        _ => throw new ArgumentException($"--engine-site-work must be {WorkNames}, got '{SiteWork}'"),
    };

    public IEnumerable<string> Problems()
    {
        if (Workers < 0) yield return $"--engine-workers must be 0 (one per core) or more, got {Workers}";
        if (TorchThreads < 0) yield return $"--engine-torch-threads must be 0 (automatic) or more, got {TorchThreads}";
        if (PeoplePerSite is < 0 or 1) yield return $"--engine-people-per-site must be 0 (the person-disjoint partition) or at least 2 (a head tells people apart), got {PeoplePerSite}";
        if (WorkerProcesses < 0) yield return $"--engine-worker-processes must be 0 (the sites run in this process) or more, got {WorkerProcesses}";
        if (ConcurrentSites < 0) yield return $"--engine-concurrent-sites must be 0 (automatic) or more, got {ConcurrentSites}";
        if (SiteWork.Trim().ToLowerInvariant() is not ("train" or "synthetic" or "replay")) yield return $"--engine-site-work must be {WorkNames}, got '{SiteWork}'";
        else if (Kind == SiteWorkKind.Replay && string.IsNullOrWhiteSpace(ReplayUpdates)) yield return "--engine-site-work replay needs --engine-replay-updates (the folder a --engine-record-updates run wrote)";
        else if (Kind == SiteWorkKind.Replay && !Directory.Exists(ReplayUpdates)) yield return $"--engine-replay-updates: no folder '{ReplayUpdates}'";
        if (!(SyntheticStandardDeviation > 0) || !float.IsFinite(SyntheticStandardDeviation)) yield return $"--engine-synthetic-standard-deviation must be positive, got {SyntheticStandardDeviation}";
        if (SyntheticExamples < 1) yield return $"--engine-synthetic-examples must be at least 1, got {SyntheticExamples}";
    }
}

internal enum SiteWorkKind
{
    Train,
    Synthetic,
    Replay,
}
